import PVDModel

/// The discovery documents kubectl reads before anything else, built from `ResourceKind`'s
/// rows: `/api` (APIVersions), `/apis` (APIGroupList), `/api/v1` and `/apis/<group>/v1`
/// (APIResourceList), and the aggregated form of `/api` and `/apis` (apidiscovery.k8s.io/v2)
/// that kubectl 1.32 asks for first.
public enum Discovery {
    /// The Content-Type an aggregated answer must carry exactly, or kubectl reads it as legacy.
    public static let aggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

    /// The verbs every served kind takes.
    static let verbs = ["create", "delete", "get", "list", "patch", "update", "watch"]

    /// The named groups pvd serves, in a stable order.
    public static var groups: [String] {
        var seen: [String] = []
        for k in ResourceKind.allCases where !k.descriptor.group.isEmpty && !seen.contains(k.descriptor.group) { seen.append(k.descriptor.group) }
        return seen
    }

    /// The kinds of one group ("" for the core group), in a stable order.
    public static func kinds(group: String) -> [ResourceKind] {
        ResourceKind.allCases.filter { $0.descriptor.group == group }
    }

    /// kubectl's categories (`kubectl get all` takes the kinds in `all`).
    static func categories(_ kind: ResourceKind) -> [String] {
        kind == .pod ? ["all"] : []
    }

    public static var apiVersions: JSONValue {
        .object([
            "kind": .string("APIVersions"), "versions": .array([.string("v1")]),
            "serverAddressByClientCIDRs": .array([.object(["clientCIDR": .string("0.0.0.0/0"), "serverAddress": .string("")])]),
        ])
    }

    public static var groupList: JSONValue {
        .object(["kind": .string("APIGroupList"), "apiVersion": .string("v1"), "groups": .array(groups.map(group))])
    }

    public static func group(_ name: String) -> JSONValue {
        let gv: JSONValue = .object(["groupVersion": .string("\(name)/v1"), "version": .string("v1")])
        return .object(["kind": .string("APIGroup"), "apiVersion": .string("v1"), "name": .string(name), "versions": .array([gv]), "preferredVersion": gv])
    }

    /// The APIResourceList of one group's v1, or nil for a group pvd does not serve.
    public static func resourceList(group: String) -> JSONValue? {
        let kinds = kinds(group: group)
        guard !kinds.isEmpty else { return nil }
        var resources: [JSONValue] = []
        for k in kinds {
            var r: [String: JSONValue] = [
                "name": .string(k.plural), "singularName": .string(k.rawValue.lowercased()), "namespaced": .bool(k.isNamespaced),
                "kind": .string(k.rawValue), "verbs": .array(verbs.map(JSONValue.string)),
            ]
            if let short = k.descriptor.shortName { r["shortNames"] = .array([.string(short)]) }
            let cats = categories(k)
            if !cats.isEmpty { r["categories"] = .array(cats.map(JSONValue.string)) }
            resources.append(.object(r))
            if k.hasStatusSubresource {
                resources.append(.object([
                    "name": .string("\(k.plural)/status"), "singularName": .string(""), "namespaced": .bool(k.isNamespaced),
                    "kind": .string(k.rawValue), "verbs": .array(["get", "patch", "update"].map(JSONValue.string)),
                ]))
            }
        }
        return .object([
            "kind": .string("APIResourceList"), "apiVersion": .string("v1"),
            "groupVersion": .string(group.isEmpty ? "v1" : "\(group)/v1"), "resources": .array(resources),
        ])
    }

    /// The aggregated document of the core group (`/api`) or of every named group (`/apis`).
    public static func aggregated(core: Bool) -> JSONValue {
        let names = core ? [""] : groups
        return .object([
            "kind": .string("APIGroupDiscoveryList"), "apiVersion": .string("apidiscovery.k8s.io/v2"), "metadata": .object([:]),
            "items": .array(names.map(aggregatedGroup)),
        ])
    }

    static func aggregatedGroup(_ group: String) -> JSONValue {
        var resources: [JSONValue] = []
        for k in kinds(group: group) {
            var r: [String: JSONValue] = [
                "resource": .string(k.plural), "singularResource": .string(k.rawValue.lowercased()),
                "responseKind": .object(["group": .string(group), "version": .string("v1"), "kind": .string(k.rawValue)]),
                "scope": .string(k.isNamespaced ? "Namespaced" : "Cluster"), "verbs": .array(verbs.map(JSONValue.string)),
            ]
            if let short = k.descriptor.shortName { r["shortNames"] = .array([.string(short)]) }
            let cats = categories(k)
            if !cats.isEmpty { r["categories"] = .array(cats.map(JSONValue.string)) }
            if k.hasStatusSubresource {
                r["subresources"] = .array([.object([
                    "subresource": .string("status"),
                    "responseKind": .object(["group": .string(group), "version": .string("v1"), "kind": .string(k.rawValue)]),
                    "verbs": .array(["get", "patch", "update"].map(JSONValue.string)),
                ])])
            }
            resources.append(.object(r))
        }
        return .object([
            "metadata": .object(["name": .string(group)]),
            "versions": .array([.object(["version": .string("v1"), "resources": .array(resources), "freshness": .string("Current")])]),
        ])
    }

    /// The kind served at `group`/`version` under this plural, if any.
    public static func kind(group: String, version: String, plural: String) -> ResourceKind? {
        guard version == "v1" else { return nil }
        return ResourceKind.allCases.first { $0.descriptor.group == group && $0.plural == plural }
    }
}
