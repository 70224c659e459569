import Foundation
import PVDModel

extension APIHandler {
    /// The object of a POST or PUT body: JSON (or YAML) of the URL's kind, in the URL's
    /// namespace, named as the URL names it; unknown fields refused under
    /// `fieldValidation=Strict` (what kubectl sends once it has the OpenAPI documents), else
    /// returned as Warning headers.
    func decodeBody(_ request: APIRequest, _ t: APIRoute.ResourceTarget, name: String?) throws -> (ManifestObject, [(String, String)]) {
        try checkSize(request)
        let type = request.contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        let value: JSONValue
        switch type {
        case "", "application/json", "*/*":
            do { value = try JSONCoding.shared.decode(JSONValue.self, from: request.body) } catch {
                throw APIStatus.badRequest("couldn't get version/kind; json parse error: \(Self.jsonProblem(error))")
            }
        case "application/yaml":
            do {
                let docs = try YAMLConversion.documents(String(decoding: request.body, as: UTF8.self))
                guard docs.count == 1 else { throw APIStatus.badRequest("want one YAML document, got \(docs.count)") }
                value = docs[0]
            } catch let s as APIStatus { throw s } catch {
                throw APIStatus.badRequest("couldn't get version/kind; yaml parse error: \(error)")
            }
        case ProtobufBodies.contentType:
            value = try ProtobufBodies.decode(request.body, kind: t.kind)
        default:
            throw APIStatus.unsupportedMediaType(type, accepted: ["application/json", "application/yaml", ProtobufBodies.contentType + " (RBAC kinds)"])
        }
        return try decodeObject(value, t, name: name, request: request, strict: true)
    }

    func decodeObject(
        _ value: JSONValue, _ t: APIRoute.ResourceTarget, name: String?, request: APIRequest, strict: Bool
    ) throws -> (ManifestObject, [(String, String)]) {
        guard case .object = value else { throw APIStatus.badRequest("the request body must be a JSON object") }
        let kind = value["kind"]?.stringValue ?? ""
        let apiVersion = value["apiVersion"]?.stringValue ?? ""
        guard kind == t.kind.rawValue, apiVersion == t.kind.apiVersion else {
            throw APIStatus.badRequest(
                "the object's kind \"\(kind)\" and apiVersion \"\(apiVersion)\" do not match the URL's \(t.kind.qualifiedPlural) (want kind \(t.kind.rawValue), apiVersion \(t.kind.apiVersion))")
        }
        var value = value
        if t.kind.isNamespaced, let urlNamespace = t.namespace {
            let own = value["metadata"]?["namespace"]?.stringValue
            if let own, !own.isEmpty, own != urlNamespace {
                throw APIStatus.badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
            if own == nil, case .object(var o) = value, case .object(var meta)? = o["metadata"] {
                meta["namespace"] = .string(urlNamespace)
                o["metadata"] = .object(meta)
                value = .object(o)
            }
        }
        if let name {
            let own = value["metadata"]?["name"]?.stringValue ?? ""
            guard own == name else { throw APIStatus.badRequest("the name of the object (\(own)) does not match the name on the URL (\(name))") }
        }
        let m: ManifestObject
        do { m = try ManifestReader.decodeObject(value, source: "request", document: 1) } catch {
            let what = [error.field, error.message].compactMap { $0 }.joined(separator: ": ")
            throw APIStatus.badRequest("\(t.kind.rawValue) in version \"v1\" cannot be handled as a \(t.kind.rawValue): \(what)")
        }
        var warnings: [(String, String)] = []
        if !m.unknownFields.isEmpty {
            let list = m.unknownFields.map { "unknown field \"\($0)\"" }
            if strict && request.query["fieldValidation"] == "Strict" {
                throw APIStatus.badRequest("strict decoding error: " + list.joined(separator: ", "))
            }
            if request.query["fieldValidation"] != "Ignore" { warnings = list.map(Self.warningHeader) }
        }
        return (m, warnings)
    }

    func checkSize(_ request: APIRequest) throws {
        if request.body.count > Self.maxBodyBytes { throw APIStatus.tooLarge(limit: Self.maxBodyBytes) }
    }

    static func jsonProblem(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let c) = error {
            return (c.underlyingError.map { "\($0)" }) ?? c.debugDescription
        }
        return "\(error)"
    }
}
