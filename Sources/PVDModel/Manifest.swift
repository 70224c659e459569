import Foundation

/// One object read from a manifest: where it came from, the object, and the warnings it raised
/// (fields pvd does not know, which it ignores).
public struct ManifestObject: Sendable {
    /// The file name (or "-" for standard input) and the 1-based document number in it.
    public var source: String
    public var document: Int
    public var object: AnyResource
    public var warnings: [String]
    /// The paths of the fields pvd does not know ("spec.foo"), which the warnings name: the
    /// API refuses them when the client asks for strict field validation.
    public var unknownFields: [String] = []

    /// "manifest.yaml document 2", as errors and warnings say where.
    public var location: String { "\(source) document \(document)" }
}

/// A manifest that cannot be read: which document, which object, which field, and why.
public struct ManifestError: Error, Sendable, Equatable, CustomStringConvertible {
    public var source: String
    public var document: Int?
    /// "pvc default/data", when the document got far enough to name its object.
    public var object: String?
    /// The field path, e.g. "spec.resources.requests.storage".
    public var field: String?
    public var message: String

    public init(source: String, document: Int?, object: String? = nil, field: String? = nil, message: String) {
        self.source = source
        self.document = document
        self.object = object
        self.field = field
        self.message = message
    }

    public var description: String {
        var parts = [document.map { "\(source) document \($0)" } ?? source]
        if let object { parts.append(object) }
        if let field { parts.append(field) }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}

/// Reads Kubernetes manifests: YAML or JSON, multi-document streams, `kind: List`.
public enum ManifestReader {
    /// Decodes every object of a stream. Any error fails the whole stream (nothing is partly read).
    /// A large stream is read on every core, in pieces cut at document boundaries
    /// (`ManifestPieces`), with the same result and the same first error as reading it whole.
    public static func read(_ text: String, source: String) throws(ManifestError) -> [ManifestObject] {
        var text = text
        return try text.withUTF8 { bytes in
            Result { () throws(ManifestError) in
                let pieces = ManifestPieces.cut(bytes, into: Concurrently.workers)
                if pieces.count > 1, let objects = try ManifestPieces.read(pieces, source: source) { return objects }
                return try objects(in: try documents(bytes, source: source), source: source, firstDocument: 1)
            }
        }.get()
    }

    /// The documents of a stream as JSON values, or the first that cannot be read.
    static func documents(_ bytes: UnsafeBufferPointer<UInt8>, source: String) throws(ManifestError) -> [JSONValue] {
        do {
            return try YAMLEventReader.documents(bytes)
        } catch {
            throw ManifestError(source: source, document: error.document, message: error.reason.description)
        }
    }

    /// The objects of documents numbered from `firstDocument`: empty ones skipped, `List`s opened.
    static func objects(in docs: [JSONValue], source: String, firstDocument: Int) throws(ManifestError) -> [ManifestObject] {
        var out: [ManifestObject] = []
        out.reserveCapacity(docs.count)
        for (i, doc) in docs.enumerated() {
            let number = firstDocument + i
            if case .null = doc { continue }
            if case .object(let o) = doc, o.isEmpty { continue }
            if doc["kind"]?.stringValue == "List" {
                guard case .array(let items)? = doc["items"] else {
                    throw ManifestError(source: source, document: number, field: "items", message: "a List needs an items array")
                }
                for item in items { out.append(try decodeObject(item, source: source, document: number)) }
            } else {
                out.append(try decodeObject(doc, source: source, document: number))
            }
        }
        return out
    }

    /// Decodes one object given as a JSON value.
    public static func decodeObject(_ value: JSONValue, source: String, document: Int) throws(ManifestError) -> ManifestObject {
        func fail(_ field: String?, _ message: String, object: String? = nil) -> ManifestError {
            ManifestError(source: source, document: document, object: object, field: field, message: message)
        }
        guard case .object = value else { throw fail(nil, "a manifest document must be a mapping") }
        guard let kindText = value["kind"]?.stringValue, !kindText.isEmpty else {
            throw fail("kind", "Required value: every object needs a kind")
        }
        guard let kind = ResourceKind(rawValue: kindText) else {
            let known = ResourceKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw fail("kind", "unsupported kind \"\(kindText)\" (pvd knows \(known))")
        }
        let name = value["metadata"]?["name"]?.stringValue ?? ""
        let ns = value["metadata"]?["namespace"]?.stringValue ?? "default"
        let display = name.isEmpty ? kind.shortName : (kind.isNamespaced ? "\(kind.shortName) \(ns)/\(name)" : "\(kind.shortName) \(name)")
        guard let apiVersion = value["apiVersion"]?.stringValue else {
            throw fail("apiVersion", "Required value", object: display)
        }
        guard apiVersion == kind.apiVersion else {
            throw fail("apiVersion", "unsupported apiVersion \"\(apiVersion)\" for \(kind.rawValue) (want \"\(kind.apiVersion)\")", object: display)
        }
        let data: Data
        do { data = try JSONCoding.shared.encode(value) } catch { throw fail(nil, "\(error)", object: display) }
        if data.count > ManifestLimits.maxObjectBytes {
            throw fail(nil, "the object is \(data.count) bytes as JSON, more than the \(ManifestLimits.maxObjectBytes) (3 MiB) Kubernetes takes in one request", object: display)
        }
        let object: AnyResource
        do {
            object = try AnyResource.decode(kind: kind, from: data)
        } catch let error as DecodingError {
            let (path, message) = describe(error)
            throw fail(path, message, object: display)
        } catch {
            throw fail(nil, "\(error)", object: display)
        }
        let encoded = try? JSONCoding.shared.encode(object.resource)
        if let encoded, encoded.count > ManifestLimits.maxStoredObjectBytes {
            throw fail(nil, "the object would be stored as \(encoded.count) bytes, more than the \(ManifestLimits.maxStoredObjectBytes) (1.5 MiB) etcd takes for one object", object: display)
        }
        var warnings: [String] = []
        var unknown: [String] = []
        if let encoded, let back = try? JSONCoding.shared.decode(JSONValue.self, from: encoded) {
            unknown = unknownFields(in: value, comparedTo: back)
            for path in unknown {
                warnings.append("\(source) document \(document): \(display): unknown field \"\(path)\" ignored")
            }
        }
        return ManifestObject(source: source, document: document, object: object, warnings: warnings, unknownFields: unknown)
    }

    /// Paths present in `input` but absent from `known` (what the typed object kept), in key
    /// order ("spec.foo", "spec.list[0].bar"). Paths are built, and keys sorted, only where
    /// something was found: nearly every object has nothing to report. A path comes back
    /// relative to the value it was found in: starting with a key below a mapping, with an
    /// index below a list.
    static func unknownFields(in input: JSONValue, comparedTo known: JSONValue) -> [String] {
        switch (input, known) {
        case (.object(let a), .object(let b)):
            var found: [(key: String, paths: [String])] = []
            for (key, inner) in a {
                if case .null = inner { continue }
                if let kb = b[key] {
                    let inside = unknownFields(in: inner, comparedTo: kb)
                    guard !inside.isEmpty else { continue }
                    let joiner = if case .array = inner { "" } else { "." }
                    found.append((key, inside.map { key + joiner + $0 }))
                } else if !isEmptyContainer(inner) {
                    found.append((key, [key]))
                }
            }
            return found.sorted { $0.key < $1.key }.flatMap(\.paths)
        case (.array(let a), .array(let b)) where a.count == b.count:
            var out: [String] = []
            for (i, (x, y)) in zip(a, b).enumerated() {
                let joiner = if case .array = x { "" } else { "." }
                out += unknownFields(in: x, comparedTo: y).map { "[\(i)]" + joiner + $0 }
            }
            return out
        default:
            return []
        }
    }

    private static func isEmptyContainer(_ v: JSONValue) -> Bool {
        switch v {
        case .object(let o): o.isEmpty
        case .array(let a): a.isEmpty
        default: false
        }
    }

    /// A field path ("spec.accessModes[0]") and a message for a decoding error.
    static func describe(_ error: DecodingError) -> (String?, String) {
        func path(_ keys: [any CodingKey]) -> String? {
            var s = ""
            for k in keys {
                if let i = k.intValue { s += "[\(i)]" } else { s += s.isEmpty ? k.stringValue : ".\(k.stringValue)" }
            }
            return s.isEmpty ? nil : s
        }
        switch error {
        case .typeMismatch(let type, let ctx):
            return (path(ctx.codingPath), "wrong type: expected \(typeName(type))")
        case .valueNotFound(let type, let ctx):
            return (path(ctx.codingPath), "Required value: expected \(typeName(type))")
        case .keyNotFound(let key, let ctx):
            return (path(ctx.codingPath + [key]), "Required value")
        case .dataCorrupted(let ctx):
            return (path(ctx.codingPath), ctx.debugDescription)
        @unknown default:
            return (nil, "\(error)")
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        default:
            String(describing: type).hasPrefix("Array") ? "a list" :
                (String(describing: type).hasPrefix("Dictionary") ? "a mapping" : "\(type)")
        }
    }
}
