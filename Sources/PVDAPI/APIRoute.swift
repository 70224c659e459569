import PVDModel

/// What a request path names: a discovery or OpenAPI document, or a resource (a collection,
/// an item, or an item's subresource) of a kind pvd serves.
enum APIRoute: Equatable {
    case version
    case health
    case coreVersions
    case groupList
    case group(String)
    case resourceList(group: String)
    case openAPIIndex
    case openAPIDocument(group: String)
    case resource(ResourceTarget)
    /// `kubectl auth can-i`'s question.
    case selfSubjectAccessReview
    case unknown

    /// A resource path: `/api/v1[/namespaces/NS]/PLURAL[/NAME[/SUB]]`, `/apis/G/V/…` likewise.
    struct ResourceTarget: Equatable {
        var kind: ResourceKind
        /// The URL's namespace; nil for a cluster-scoped kind or a list across namespaces.
        var namespace: String?
        var name: String?
        var subresource: String?
    }

    init(path: String) {
        let parts = path.split(separator: "/").map(String.init)
        switch parts.first {
        case "version": self = parts.count == 1 ? .version : .unknown
        case "healthz", "livez", "readyz": self = .health
        case "openapi":
            if parts.count == 2 && parts[1] == "v3" { self = .openAPIIndex; return }
            if parts.count == 4, parts[1] == "v3", parts[2] == "api", parts[3] == "v1" { self = .openAPIDocument(group: ""); return }
            if parts.count == 5, parts[1] == "v3", parts[2] == "apis", parts[4] == "v1", Discovery.groups.contains(parts[3]) {
                self = .openAPIDocument(group: parts[3])
                return
            }
            self = .unknown
        case "api":
            if parts.count == 1 { self = .coreVersions; return }
            guard parts[1] == "v1" else { self = .unknown; return }
            if parts.count == 2 { self = .resourceList(group: ""); return }
            self = Self.resource(group: "", version: "v1", rest: Array(parts.dropFirst(2)))
        case "apis":
            if parts.count == 1 { self = .groupList; return }
            let group = parts[1]
            if parts.count == 4, group == "authorization.k8s.io", parts[2] == "v1", parts[3] == "selfsubjectaccessreviews" {
                self = .selfSubjectAccessReview
                return
            }
            guard Discovery.groups.contains(group) else { self = .unknown; return }
            if parts.count == 2 { self = .group(group); return }
            guard parts[2] == "v1" else { self = .unknown; return }
            if parts.count == 3 { self = .resourceList(group: group); return }
            self = Self.resource(group: group, version: "v1", rest: Array(parts.dropFirst(3)))
        default: self = .unknown
        }
    }

    private static func resource(group: String, version: String, rest: [String]) -> APIRoute {
        var rest = rest[...]
        var namespace: String?
        if rest.count >= 3, rest.first == "namespaces" {
            namespace = rest[rest.startIndex + 1]
            rest = rest.dropFirst(2)
        }
        guard let plural = rest.first, let kind = Discovery.kind(group: group, version: version, plural: plural), rest.count <= 3 else {
            return .unknown
        }
        // A namespaced kind under a namespace or across all; a cluster-scoped one never under one.
        if namespace != nil && !kind.isNamespaced { return .unknown }
        let name = rest.count > 1 ? rest[rest.startIndex + 1] : nil
        if name != nil && namespace == nil && kind.isNamespaced { return .unknown }
        let sub = rest.count > 2 ? rest[rest.startIndex + 2] : nil
        if let sub, sub != "status" || !kind.hasStatusSubresource { return .unknown }
        return .resource(ResourceTarget(kind: kind, namespace: namespace, name: name, subresource: sub))
    }
}
