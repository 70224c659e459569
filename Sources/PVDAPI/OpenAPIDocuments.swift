import PVDModel

/// The OpenAPI v3 documents kubectl downloads before `create` and `apply`: without them it
/// refuses unless `--validate=false`. What it needs (see shared/notes/kubectl-1.32.md) is, per
/// kind, a `patch` operation naming the kind (`x-kubernetes-group-version-kind`) with a
/// `fieldValidation` parameter; kubectl then sends `fieldValidation=Strict` and leaves the
/// checking to the server, which refuses unknown fields. Every document carries the component
/// schemas of all of pvd's types (`OpenAPISchemas`, generated from the codec schemas), so
/// `kubectl explain pvc.spec` walks them.
enum OpenAPIDocuments {
    /// Changes whenever what the documents say changes, so kubectl's cache of them is refreshed.
    static let hash = "pvd-\(PVDVersion.string)-\(OpenAPISchemas.digest)"

    /// The schemas, read once.
    static let schemas: JSONValue = (try? JSONCoding.shared.decode(JSONValue.self, from: Array(OpenAPISchemas.json.utf8))) ?? .object([:])

    static var index: JSONValue {
        var paths: [String: JSONValue] = ["api/v1": .object(["serverRelativeURL": .string("/openapi/v3/api/v1?hash=\(hash)")])]
        for g in Discovery.groups {
            paths["apis/\(g)/v1"] = .object(["serverRelativeURL": .string("/openapi/v3/apis/\(g)/v1?hash=\(hash)")])
        }
        return .object(["paths": .object(paths)])
    }

    static func document(group: String) -> JSONValue {
        var paths: [String: JSONValue] = [:]
        let prefix = group.isEmpty ? "/api/v1" : "/apis/\(group)/v1"
        for k in Discovery.kinds(group: group) {
            let item = k.isNamespaced ? "\(prefix)/namespaces/{namespace}/\(k.plural)/{name}" : "\(prefix)/\(k.plural)/{name}"
            let gvk: JSONValue = .object(["group": .string(group), "version": .string("v1"), "kind": .string(k.rawValue)])
            let fieldValidation: JSONValue = .object(["name": .string("fieldValidation"), "in": .string("query"), "schema": .object(["type": .string("string")])])
            let operation: JSONValue = .object([
                "operationId": .string("patch\(k.rawValue)"), "x-kubernetes-action": .string("patch"), "x-kubernetes-group-version-kind": gvk,
                "parameters": .array([fieldValidation]), "responses": .object(["200": .object(["description": .string("OK")])]),
            ])
            paths[item] = .object(["patch": operation])
        }
        return .object([
            "openapi": .string("3.0.0"), "info": .object(["title": .string("pvd"), "version": .string(PVDVersion.string)]),
            "paths": .object(paths), "components": .object(["schemas": schemas]),
        ])
    }
}
