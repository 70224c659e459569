import Foundation
import PVDModel

/// Objects as the API sends them: with `kind` and `apiVersion` (kubectl refuses an object
/// without them), through the store's fast JSON codec.
enum RESTObjects {
    /// The object's JSON bytes.
    static func bytes(_ object: AnyResource) -> [UInt8] {
        var r = object.resource
        r.setTypeMeta()
        // The fast codec only declines values Foundation then encodes; neither fails for a
        // stored object, whose every member is JSON already.
        return (try? Array(JSONCoding.shared.encode(r))) ?? Array("{}".utf8)
    }

    /// The object as a JSON value, for patching and for tables that carry it.
    static func value(_ object: AnyResource) -> JSONValue {
        (try? JSONCoding.shared.decode(JSONValue.self, from: bytes(object))) ?? .object([:])
    }

    /// The bytes of any JSON value.
    static func bytes(_ value: JSONValue) -> [UInt8] {
        (try? Array(JSONCoding.shared.encode(value))) ?? Array("{}".utf8)
    }

    /// A `<Kind>List` of objects, assembled from each object's bytes so a long list is encoded once.
    static func list(kind: ResourceKind, objects: [AnyResource], resourceVersion: Int64, continue next: String? = nil) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + objects.count * 512)
        out += Array("{\"apiVersion\":\"\(kind.apiVersion)\",\"items\":[".utf8)
        for (i, o) in objects.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += bytes(o)
        }
        // The token is base64 (no character JSON escapes).
        let more = next.map { "\"continue\":\"\($0)\"," } ?? ""
        out += Array("],\"kind\":\"\(kind.rawValue)List\",\"metadata\":{\(more)\"resourceVersion\":\"\(resourceVersion)\"}}".utf8)
        return out
    }

    /// One watch event line: `{"type":"ADDED","object":{…}}` and a newline.
    static func watchEvent(type: String, object: [UInt8]) -> [UInt8] {
        Array("{\"type\":\"\(type)\",\"object\":".utf8) + object + Array("}\n".utf8)
    }
}
