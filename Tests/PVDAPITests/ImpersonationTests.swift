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
        #expect(Impersonation(user: "bob", extraKeys: ["scopes"]).problem?.contains("scopes") == true)
    }
}
