import Foundation
import PVDServer
import Testing

/// `pvd` itself as a client of a real `pvd serve`'s API (`--kubeconfig`, `--server`, `--token`):
/// the same commands a user runs on the node, sent through the API with its authentication,
/// authorization and admission, and read back through the server's own store.
struct RemoteCLITests {
    static let claim = """
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: NAME, namespace: NS}
        spec:
          accessModes: [ReadWriteOnce]
          storageClassName: hp
          resources: {requests: {storage: 1Gi}}

        """

    static func claim(_ name: String, in ns: String) -> String {
        claim.replacingOccurrences(of: "NAME", with: name).replacingOccurrences(of: "NS", with: ns)
    }

    /// `pvd` with these arguments, not rooted anywhere: everything it reads comes from the server.
    func client(_ d: APIDaemon, _ args: [String]) throws -> APIDaemon.Output {
        try d.run(APIDaemon.binary, args)
    }

    @Test func aClientCertificateDrivesEveryCommand() throws {
        let d = try APIDaemon()
        try #require(d.listening, "the API did not come up: \(d.log)")
        // A client certificate pvd's CA signs: the TLS client authenticates with it.
        let kc = try d.kubeconfig(user: "admin", groups: ["system:masters"])
        let manifest = try d.write("m.yaml", KubectlTests.classAndClaim)
        let applied = try client(d, ["apply", "--kubeconfig", kc, "-f", manifest])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stdout == "storageclass.storage.k8s.io/hp created\npersistentvolumeclaim/data created\n", "\(applied.stdout)")
        let waited = try client(d, ["wait", "--kubeconfig", kc, "--for=jsonpath={.status.phase}=Bound", "pvc/data", "--timeout", "60s"])
        #expect(waited.status == 0, "\(waited.stderr)")

        // Before the command too, as kubectl takes its flags.
        let wide = try client(d, ["--kubeconfig", kc, "get", "pvc", "-o", "wide"])
        #expect(wide.stdout.contains("Bound") && wide.stdout.contains("VOLUMEMODE"), "\(wide.stdout) \(wide.stderr)")
        let described = try client(d, ["describe", "--kubeconfig", kc, "pvc", "data"])
        #expect(described.stdout.contains("ProvisioningSucceeded"), "the claim's events come through the API too: \(described.stdout)")

        let again = try client(d, ["apply", "--kubeconfig", kc, "-f", manifest])
        #expect(again.stdout.contains("persistentvolumeclaim/data unchanged"), "\(again.stdout) \(again.stderr)")
        let patched = try client(d, ["patch", "--kubeconfig", kc, "pvc", "data", "-p", #"{"metadata":{"labels":{"tier":"gold"}}}"#])
        #expect(patched.status == 0, "\(patched.stderr)")
        // What the client wrote is in the server's store, with the client as its manager.
        let stored = try d.pvd(["get", "pvc", "-l", "tier=gold", "-o", "yaml", "--show-managed-fields"])
        #expect(stored.stdout.contains("name: data") && stored.stdout.contains("manager: pvd"), "\(stored.stdout)")

        let missing = try client(d, ["get", "--kubeconfig", kc, "pvc", "nothere"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains(#"Error from server (NotFound): persistentvolumeclaims "nothere" not found"#), "\(missing.stderr)")

        let deleted = try client(d, ["delete", "--kubeconfig", kc, "pvc", "data", "--wait", "--timeout", "60s"])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(try d.pvd(["get", "pvc", "-A", "-o", "name"]).stdout == "", "the claim is gone from the server's store")
    }

    @Test func aTeamTokenWritesItsNamespaceOnlyAndARefusedBatchWritesNothing() throws {
        let d = try APIDaemon()
        try #require(d.listening, "the API did not come up: \(d.log)")
        let admin = try d.kubeconfig(token: APIDaemon.adminToken)
        let grant = try d.write("grant.yaml", """
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata: {name: hp}
            provisioner: pvd.io/hostpath
            ---

            """ + APIDaemon.teamAClaimsGrant(verbs: "get, list, watch, create, update, patch"))
        let granted = try client(d, ["apply", "--kubeconfig", admin, "-f", grant])
        #expect(granted.status == 0, "\(granted.stderr)")
        // --token over the kubeconfig's credentials, as kubectl takes it.
        let team = ["--kubeconfig", admin, "--token", "team-token"]

        // A claim the team may write and a PV it may not: the dry run of the PV is refused, so
        // the claim is not written either.
        let batch = try d.write("batch.yaml", Self.claim("first", in: "team-a") + """
            ---
            apiVersion: v1
            kind: PersistentVolume
            metadata: {name: pv-team}
            spec:
              capacity: {storage: 1Gi}
              accessModes: [ReadWriteOnce]
              hostPath: {path: /srv/team}

            """)
        let before = try d.pvd(["get", "pvc", "-A", "-o", "name"]).stdout + d.pvd(["get", "pv", "-o", "name"]).stdout
        let refused = try client(d, ["apply"] + team + ["-f", batch])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains(#"persistentvolumes "pv-team" is forbidden: User "teammate""#), "\(refused.stderr)")
        let after = try d.pvd(["get", "pvc", "-A", "-o", "name"]).stdout + d.pvd(["get", "pv", "-o", "name"]).stdout
        #expect(after == before, "a refused batch wrote nothing: \(after)")

        // 64 claims: enough that apply lists what is stored rather than getting each, and the
        // list is of team-a's claims, which the team may list, not of every namespace's.
        let names = (0..<64).map { "mine-\($0)" }
        let many = names.map { Self.claim($0, in: "team-a") }.joined(separator: "---\n")
        let mine = try client(d, ["apply"] + team + ["-f", try d.write("a.yaml", many)])
        #expect(mine.status == 0, "\(mine.stderr)")
        #expect(mine.stdout == names.map { "persistentvolumeclaim/\($0) created\n" }.joined(), "\(mine.stdout)")
        // The wait watches team-a's claims only: a watch of every namespace would be refused.
        let waited = try client(d, ["wait"] + team + ["-n", "team-a", "--for=jsonpath={.status.phase}=Bound", "pvc/mine-0", "--timeout", "60s"])
        #expect(waited.status == 0, "\(waited.stderr)")
        let listed = try client(d, ["get"] + team + ["pvc", "-n", "team-a", "-o", "name"])
        #expect(listed.stdout == names.sorted().map { "persistentvolumeclaim/\($0)\n" }.joined(), "\(listed.stdout) \(listed.stderr)")
        let unchanged = try client(d, ["apply"] + team + ["-f", try d.write("a.yaml", many)])
        #expect(unchanged.stdout == names.map { "persistentvolumeclaim/\($0) unchanged\n" }.joined(), "\(unchanged.stdout) \(unchanged.stderr)")
        let theirs = try client(d, ["get"] + team + ["pvc", "-n", "team-b"])
        #expect(theirs.status == 1)
        #expect(theirs.stderr.contains(#"cannot list resource "persistentvolumeclaims" in API group "" in the namespace "team-b""#), "\(theirs.stderr)")
    }

    @Test func endpointsThatCannotBeUsedAreClearErrors() throws {
        let d = try APIDaemon()
        try #require(d.listening, "the API did not come up: \(d.log)")
        let admin = try d.kubeconfig(token: APIDaemon.adminToken)
        let closed = try LoopbackPort.free()
        let cases: [([String], String)] = [
            (["--server", "https://127.0.0.1:\(closed)"], "cannot reach server https://127.0.0.1:\(closed) (--server): Connection refused"),
            // Without the kubeconfig's CA the server's certificate is not trusted.
            (["--server", d.server, "--token", APIDaemon.adminToken], "the TLS handshake failed"),
            (["--server", "http://127.0.0.1:\(d.apiPort)", "--token", "t"], "credentials are sent only over https"),
            (["--server", "ftp://x"], "want https://host:port"),
            (["--server", "https://me:secret@127.0.0.1:\(d.apiPort)"], "must not carry a user or password"),
            (["--kubeconfig", d.root.appendingPathComponent("none.yaml").path], "no such file"),
            (["--kubeconfig", admin, "--context", "nope"], #"field contexts: "nope": no entry of that name"#),
            (["--token", "t"], "need a server"),
            // The server's CA, but no credentials: anonymous is 401.
            (["--kubeconfig", admin, "--token", "not-a-token"], "Error from server (Unauthorized)"),
        ]
        for (args, words) in cases {
            let r = try client(d, ["get"] + args + ["pvc"])
            #expect(r.status == 1, "\(args)")
            #expect(r.stderr.contains(words), "\(args): \(r.stderr)")
        }
    }
}
