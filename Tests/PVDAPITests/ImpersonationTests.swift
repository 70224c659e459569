import Testing
@testable import PVDAPI

/// The `Impersonate-*` headers over plain values: what the requester must be allowed, and who
/// the request then runs as.
struct ImpersonationTests {
    static let admin = UserInfo(name: "admin", groups: ["system:masters", "system:authenticated"])

    @Test func eachIdentityAskedForIsChecked() {
        let asked = Impersonation(user: "system:serviceaccount:ns:robot", groups: ["g1", "g2"], uid: "u-1")
        let checks = asked.checks(by: Self.admin)
        #expect(checks.map(\.resource) == ["serviceaccounts", "groups", "groups", "uids"])
        #expect(checks.map(\.name) == ["robot", "g1", "g2", "u-1"])
        #expect(checks[0].namespace == "ns" && checks[3].apiGroup == "authentication.k8s.io")
        #expect(checks.allSatisfy { $0.verb == "impersonate" && $0.user == Self.admin && $0.isResourceRequest })
        #expect(Impersonation(user: "bob").checks(by: Self.admin).map(\.resource) == ["users"])
    }

    @Test func eachExtraValueIsCheckedAndCarried() {
        let asked = Impersonation(user: "bob", extra: ["scopes": ["read", "write"], "reason": ["audit"]])
        let extras = asked.checks(by: Self.admin).filter { $0.resource == "userextras" }
        // By key, then value in header order: userextras/<key>, named by the value.
        #expect(extras.map(\.subresource) == ["reason", "scopes", "scopes"])
        #expect(extras.map(\.name) == ["audit", "read", "write"])
        #expect(extras.allSatisfy { $0.apiGroup == "authentication.k8s.io" && $0.verb == "impersonate" })
        #expect(asked.identity.extra == ["scopes": ["read", "write"], "reason": ["audit"]])
        #expect(extras[0].forbiddenMessage(reason: "") == #"userextras.authentication.k8s.io "audit" is forbidden: User "admin" cannot impersonate resource "userextras/reason" in API group "authentication.k8s.io" at the cluster scope"#)
    }

    @Test(arguments: [
        ("Impersonate-Extra-Scopes", "scopes"), ("impersonate-extra-acme.com%2fproject", "acme.com/project"), ("Impersonate-Extra-", nil),
        ("Impersonate-User", nil),
    ] as [(String, String?)])
    func extraKeysAreReadFromHeaderNames(header: String, key: String?) {
        #expect(Impersonation.extraKey(ofHeader: header) == key)
    }

    @Test(arguments: [
        (Impersonation(user: "bob"), UserInfo(name: "bob", groups: ["system:authenticated"])),
        (Impersonation(user: "bob", groups: ["team"], uid: "7"), UserInfo(name: "bob", uid: "7", groups: ["team", "system:authenticated"])),
        (Impersonation(user: "system:serviceaccount:ns:robot"),
         UserInfo(name: "system:serviceaccount:ns:robot", groups: ["system:serviceaccounts", "system:serviceaccounts:ns", "system:authenticated"])),
        (Impersonation(user: "system:anonymous", groups: ["system:unauthenticated"]), UserInfo(name: "system:anonymous", groups: ["system:unauthenticated"])),
    ] as [(Impersonation, UserInfo)])
    func theRequestRunsAs(asked: Impersonation, identity: UserInfo) {
        #expect(asked.problem == nil)
        #expect(asked.identity == identity)
    }

    @Test func badHeadersAreNamed() {
        #expect(!Impersonation().isRequested && Impersonation().checks(by: Self.admin).isEmpty)
        #expect(Impersonation(groups: ["g"]).problem?.contains("without impersonating a user") == true)
        #expect(Impersonation(extra: ["scopes": ["x"]]).problem?.contains("without impersonating a user") == true)
        #expect(Impersonation(user: "bob", extra: ["scopes": ["x"]]).problem == nil)
    }
}
