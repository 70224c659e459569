import Foundation

/// What a request asks to act as (`kubectl --as NAME --as-group G --as-uid U --as-user-extra
/// K=V`): the `Impersonate-User`, `Impersonate-Group`, `Impersonate-Uid` and
/// `Impersonate-Extra-<key>` headers. Each identity asked for must be allowed to the requester
/// as the verb `impersonate` (on `users`, `groups`, `serviceaccounts` or
/// `uids.authentication.k8s.io` by name, and on `userextras/<key>.authentication.k8s.io` by
/// value), as kube-apiserver checks it; the request then runs as that identity.
public struct Impersonation: Sendable, Equatable {
    public var user: String?
    public var groups: [String]
    public var uid: String?
    /// Values by key of `Impersonate-Extra-<key>` headers: the key lowercased and
    /// percent-decoded, as Kubernetes reads it; one value per header.
    public var extra: [String: [String]]

    public init(user: String? = nil, groups: [String] = [], uid: String? = nil, extra: [String: [String]] = [:]) {
        self.user = user
        self.groups = groups
        self.uid = uid
        self.extra = extra
    }

    /// Whether any impersonation header was sent.
    public var isRequested: Bool { user != nil || !groups.isEmpty || uid != nil || !extra.isEmpty }

    /// Why the headers cannot be taken, or nil.
    public var problem: String? {
        if user == nil || user?.isEmpty == true { return "requested impersonation of groups, extras or a uid without impersonating a user" }
        return nil
    }

    /// The key of an `Impersonate-Extra-<key>` header name (any case), or nil for another header.
    public static func extraKey(ofHeader name: String) -> String? {
        let prefix = "impersonate-extra-"
        let lower = name.lowercased()
        guard lower.hasPrefix(prefix), lower.count > prefix.count else { return nil }
        let key = String(lower.dropFirst(prefix.count))
        return key.removingPercentEncoding ?? key
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
        for key in extra.keys.sorted() {
            for value in extra[key] ?? [] {
                out.append(RequestAttributes(
                    user: requester, verb: "impersonate", isResourceRequest: true, apiGroup: "authentication.k8s.io", resource: "userextras",
                    subresource: key, name: value))
            }
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
        return UserInfo(name: name, uid: uid ?? "", groups: groups, extra: extra)
    }

    /// `system:serviceaccount:<namespace>:<name>`, split.
    static func serviceAccount(_ user: String) -> (String, String)? {
        let parts = user.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "system", parts[1] == "serviceaccount", !parts[2].isEmpty, !parts[3].isEmpty else { return nil }
        return (String(parts[2]), String(parts[3]))
    }
}
