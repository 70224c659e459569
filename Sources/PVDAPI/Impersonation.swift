/// What a request asks to act as (`kubectl --as NAME --as-group G --as-uid U`): the
/// `Impersonate-User`, `Impersonate-Group` and `Impersonate-Uid` headers. Each identity asked
/// for must be allowed to the requester as the verb `impersonate` (on `users`, `groups`,
/// `serviceaccounts` or `uids.authentication.k8s.io`, by name), as kube-apiserver checks it; the
/// request then runs as that identity.
public struct Impersonation: Sendable, Equatable {
    public var user: String?
    public var groups: [String]
    public var uid: String?
    /// Names of `Impersonate-Extra-*` headers, which pvd does not take.
    public var extraKeys: [String]

    public init(user: String? = nil, groups: [String] = [], uid: String? = nil, extraKeys: [String] = []) {
        self.user = user
        self.groups = groups
        self.uid = uid
        self.extraKeys = extraKeys
    }

    /// Whether any impersonation header was sent.
    public var isRequested: Bool { user != nil || !groups.isEmpty || uid != nil || !extraKeys.isEmpty }

    /// Why the headers cannot be taken, or nil.
    public var problem: String? {
        if !extraKeys.isEmpty { return "impersonating user extras (\(extraKeys.sorted().joined(separator: ", "))) is not supported by pvd" }
        if user == nil || user?.isEmpty == true { return "requested impersonation of groups or a uid without impersonating a user" }
        return nil
    }

    /// The authorization checks the requester must pass, one per identity asked for.
    public func checks(by requester: UserInfo) -> [RequestAttributes] {
        var out: [RequestAttributes] = []
        if let user {
            if let (namespace, name) = Self.serviceAccount(user) {
                out.append(RequestAttributes(user: requester, verb: "impersonate", isResourceRequest: true, resource: "serviceaccounts", namespace: namespace, name: name))
            } else {
                out.append(RequestAttributes(user: requester, verb: "impersonate", isResourceRequest: true, resource: "users", name: user))
            }
        }
        for g in groups {
            out.append(RequestAttributes(user: requester, verb: "impersonate", isResourceRequest: true, resource: "groups", name: g))
        }
        if let uid {
            out.append(RequestAttributes(user: requester, verb: "impersonate", isResourceRequest: true, apiGroup: "authentication.k8s.io", resource: "uids", name: uid))
        }
        return out
    }

    /// The identity the request runs as. The groups asked for are the groups (a service
    /// account without any gets its own); every identity but `system:anonymous` is also in
    /// `system:authenticated`, unless `system:unauthenticated` was asked for.
    public var identity: UserInfo {
        let name = user ?? ""
        var groups = self.groups
        if groups.isEmpty, let (namespace, _) = Self.serviceAccount(name) {
            groups = ["system:serviceaccounts", "system:serviceaccounts:\(namespace)"]
        }
        if name != "system:anonymous" && !groups.contains("system:authenticated") && !groups.contains("system:unauthenticated") {
            groups.append("system:authenticated")
        }
        return UserInfo(name: name, uid: uid ?? "", groups: groups)
    }

    /// `system:serviceaccount:<namespace>:<name>`, split.
    static func serviceAccount(_ user: String) -> (String, String)? {
        let parts = user.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "system", parts[1] == "serviceaccount", !parts[2].isEmpty, !parts[3].isEmpty else { return nil }
        return (String(parts[2]), String(parts[3]))
    }
}
