/// Who made a request, as Kubernetes' authenticators say it: a user name, a uid, groups (every
/// authenticated user is also in `system:authenticated`) and extra values by key (only
/// impersonation sets them here: tokens and certificates carry none).
public struct UserInfo: Sendable, Hashable {
    public var name: String
    public var uid: String
    public var groups: [String]
    public var extra: [String: [String]]

    public init(name: String, uid: String = "", groups: [String] = [], extra: [String: [String]] = [:]) {
        self.name = name
        self.uid = uid
        self.groups = groups
        self.extra = extra
    }

    /// The same user with `system:authenticated` added, as the API server adds it.
    var authenticated: UserInfo {
        var u = self
        if !u.groups.contains("system:authenticated") { u.groups.append("system:authenticated") }
        return u
    }
}
