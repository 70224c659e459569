import Foundation
import PVDEnvironment
import PVDServer
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Stock kubectl 1.32 against a real `pvd serve`: what a user types, and what they read back.
@Suite(.enabled(if: APIDaemon.kubectlPath != nil, "kubectl is not installed here"))
struct KubectlTests {
    static let classAndClaim = """
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: hp}
        provisioner: pvd.io/hostpath
        ---
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: data, labels: {app: web}}
        spec:
          accessModes: [ReadWriteOnce]
          storageClassName: hp
          resources: {requests: {storage: 1Gi}}

        """

    @Test func applyGetWaitPatchDelete() throws {
        let d = try APIDaemon()
        try #require(d.listening, "the API did not come up: \(d.log)")
        let manifest = try d.write("m.yaml", Self.classAndClaim)
        let applied = try d.kubectl(["apply", "-f", manifest])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stdout.contains("storageclass.storage.k8s.io/hp created"))
        #expect(applied.stdout.contains("persistentvolumeclaim/data created"))

        let waited = try d.kubectl(["wait", "--for=jsonpath={.status.phase}=Bound", "pvc/data", "--timeout=60s"])
        #expect(waited.status == 0, "\(waited.stderr)")
        #expect(waited.stdout.contains("persistentvolumeclaim/data condition met"))

        let wide = try d.kubectl(["get", "pvc", "-o", "wide"])
        let header = wide.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect(header.contains("STATUS") && header.contains("VOLUMEMODE"), "\(wide.stdout)")
        #expect(wide.stdout.contains("Bound") && wide.stdout.contains("Filesystem"))
        let narrow = try d.kubectl(["get", "pvc"])
        #expect(!narrow.stdout.contains("VOLUMEMODE"), "priority-1 columns only with -o wide: \(narrow.stdout)")
        let all = try d.kubectl(["get", "pvc", "-A"])
        #expect(all.stdout.contains("NAMESPACE") && all.stdout.contains("default     data"), "\(all.stdout)")

        let yaml = try d.kubectl(["get", "pvc", "data", "-o", "yaml"])
        #expect(yaml.stdout.contains("kind: PersistentVolumeClaim") && yaml.stdout.contains("phase: Bound"), "\(yaml.stdout)")
        let json = try d.kubectl(["get", "pvc", "data", "-o", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((object?["metadata"] as? [String: Any])?["name"] as? String == "data")
        let name = try d.kubectl(["get", "pvc", "-o", "name"])
        #expect(name.stdout == "persistentvolumeclaim/data\n")
        let phase = try d.kubectl(["get", "pvc", "data", "-o", "jsonpath={.status.phase}"])
        #expect(phase.stdout == "Bound")
        #expect(try d.kubectl(["get", "pvc", "-l", "app=web", "-o", "name"]).stdout == "persistentvolumeclaim/data\n")
        #expect(try d.kubectl(["get", "pvc", "-l", "app!=web", "-o", "name"]).stdout == "")

        // Re-applying the same manifest sends nothing kubectl would call a change.
        let again = try d.kubectl(["apply", "-f", manifest])
        #expect(again.stdout.contains("persistentvolumeclaim/data unchanged"), "\(again.stdout) \(again.stderr)")

        let patched = try d.kubectl(["patch", "pvc", "data", "--type", "merge", "-p", #"{"metadata":{"labels":{"tier":"gold"}}}"#])
        #expect(patched.stdout.contains("persistentvolumeclaim/data patched"), "\(patched.stderr)")
        let noop = try d.kubectl(["patch", "pvc", "data", "--type", "merge", "-p", #"{"metadata":{"labels":{"tier":"gold"}}}"#])
        #expect(noop.stdout.contains("patched (no change)"), "\(noop.stdout)")
        #expect(try d.kubectl(["get", "pvc", "-l", "tier=gold", "-o", "name"]).stdout == "persistentvolumeclaim/data\n")

        let missing = try d.kubectl(["get", "pvc", "nothere"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains(#"Error from server (NotFound): persistentvolumeclaims "nothere" not found"#), "\(missing.stderr)")
        let missingClass = try d.kubectl(["get", "sc", "nothere"])
        #expect(missingClass.stderr.contains(#"storageclasses.storage.k8s.io "nothere" not found"#), "\(missingClass.stderr)")

        let canI = try d.kubectl(["auth", "can-i", "create", "pvc"])
        #expect(canI.status == 0 && canI.stdout == "yes\n", "\(canI.stdout) \(canI.stderr)")

        let dry = try d.kubectl(["apply", "--dry-run=server", "-f", try d.write("dry.yaml", Self.classAndClaim.replacingOccurrences(of: "name: data", with: "name: dry"))])
        #expect(dry.stdout.contains("persistentvolumeclaim/dry created (server dry run)"), "\(dry.stdout) \(dry.stderr)")
        #expect(try d.pvd(["get", "pvc", "-o", "name"]).stdout == "persistentvolumeclaim/data\n", "a dry run wrote")

        let deleted = try d.kubectl(["delete", "pvc", "data", "--wait=true", "--timeout=60s"])
        #expect(deleted.stdout.contains(#"persistentvolumeclaim "data" deleted"#), "\(deleted.stderr)")
        #expect(try d.pvd(["get", "pvc", "-o", "name"]).stdout == "", "the store still holds the claim")
    }

    /// `kubectl describe` of each kind with its Events, `api-resources`, the strategic and JSON
    /// patch types, and `delete --wait` of a claim a Pod still uses: it returns only once the
    /// Pod is gone and protection lets the claim go.
    @Test func describeApiResourcesPatchTypesAndAProtectedDelete() throws {
        let d = try APIDaemon()
        try #require(d.listening, "the API did not come up: \(d.log)")
        let pod = """
            apiVersion: v1
            kind: Pod
            metadata: {name: user}
            spec:
              nodeName: NODE
              terminationGracePeriodSeconds: 0
              containers: [{name: app, image: alpine}]
              volumes: [{name: v, persistentVolumeClaim: {claimName: data}}]

            """
        // Scheduled to this node (the daemon's default name), so it holds its claim.
        let scheduled = pod.replacingOccurrences(of: "NODE", with: Hostname.current())
        #expect(try d.kubectl(["apply", "-f", try d.write("m.yaml", Self.classAndClaim + "---\n" + scheduled)]).status == 0)
        #expect(try d.kubectl(["wait", "--for=jsonpath={.status.phase}=Bound", "pvc/data", "--timeout=60s"]).status == 0)
        let volume = try d.kubectl(["get", "pvc", "data", "-o", "jsonpath={.spec.volumeName}"]).stdout
        #expect(!volume.isEmpty)

        let claim = try d.kubectl(["describe", "pvc", "data"])
        #expect(claim.stdout.contains("Status:") && claim.stdout.contains("Bound"), "\(claim.stdout) \(claim.stderr)")
        #expect(claim.stdout.contains("Used By:") && claim.stdout.contains("user"), "\(claim.stdout)")
        #expect(claim.stdout.contains("Events:") && claim.stdout.contains("ProvisioningSucceeded"), "\(claim.stdout)")
        let pv = try d.kubectl(["describe", "pv", volume])
        #expect(pv.stdout.contains("Claim:") && pv.stdout.contains("default/data"), "\(pv.stdout) \(pv.stderr)")
        let sc = try d.kubectl(["describe", "sc", "hp"])
        #expect(sc.stdout.contains("Provisioner:") && sc.stdout.contains("pvd.io/hostpath"), "\(sc.stdout) \(sc.stderr)")
        let described = try d.kubectl(["describe", "pod", "user"])
        #expect(described.stdout.contains("ClaimName:") && described.stdout.contains("data"), "\(described.stdout) \(described.stderr)")

        let resources = try d.kubectl(["api-resources"])
        let rows = resources.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(rows.contains(["persistentvolumeclaims", "pvc", "v1", "true", "PersistentVolumeClaim"]), "\(resources.stdout) \(resources.stderr)")
        #expect(rows.contains(["storageclasses", "sc", "storage.k8s.io/v1", "false", "StorageClass"]), "\(resources.stdout)")

        #expect(try d.kubectl(["patch", "pvc", "data", "--type", "strategic", "-p", #"{"metadata":{"labels":{"s":"one"}}}"#]).status == 0)
        #expect(try d.kubectl(["patch", "pvc", "data", "--type", "json", "-p", #"[{"op":"add","path":"/metadata/labels/j","value":"two"}]"#]).status == 0)
        let labels = try d.kubectl(["get", "pvc", "data", "-o", "jsonpath={.metadata.labels.s}/{.metadata.labels.j}/{.metadata.labels.app}"])
        #expect(labels.stdout == "one/two/web", "\(labels.stdout) \(labels.stderr)")

        // The claim is in use: the delete waits, the claim Terminating, until the Pod goes.
        let deleting = try APIDaemon.background(APIDaemon.kubectlPath ?? "/usr/bin/kubectl", [
            "--kubeconfig", try d.kubeconfig(token: APIDaemon.adminToken), "--cache-dir", d.cacheDir,
            "delete", "pvc", "data", "--wait=true", "--timeout=60s",
        ])
        defer {
            if deleting.isRunning { kill(deleting.processIdentifier, SIGKILL) }
            deleting.waitUntilExit()
        }
        var deadline = Date().addingTimeInterval(30)
        func terminating() throws -> Bool { !(try d.kubectl(["get", "pvc", "data", "-o", "jsonpath={.metadata.deletionTimestamp}"]).stdout.isEmpty) }
        while try !terminating() && Date() < deadline { usleep(50_000) }
        #expect(try terminating(), "the claim never became Terminating")
        sleep(1)
        #expect(deleting.isRunning, "kubectl delete --wait returned while a Pod still uses the claim")
        #expect(try d.pvd(["get", "pvc", "-o", "name"]).stdout == "persistentvolumeclaim/data\n")
        #expect(try d.kubectl(["delete", "pod", "user"]).status == 0)
        deadline = Date().addingTimeInterval(60)
        while deleting.isRunning && Date() < deadline { usleep(50_000) }
        #expect(!deleting.isRunning && deleting.terminationStatus == 0, "kubectl delete --wait did not return once the Pod was gone")
        #expect(try d.pvd(["get", "pvc", "-o", "name"]).stdout == "")
    }

    /// `kubectl apply --server-side`: pvd keeps managed fields as Kubernetes does, so a field
    /// another manager set is a conflict until forced, and a field left out goes.
    @Test func serverSideApplyOwnsConflictsAndRemoves() throws {
        let d = try APIDaemon()
        try #require(d.listening, "the API did not come up: \(d.log)")
        let manifest = try d.write("m.yaml", Self.classAndClaim.replacingOccurrences(of: "labels: {app: web}", with: "labels: {app: web, tier: gold}"))
        let applied = try d.kubectl(["apply", "--server-side", "-f", manifest])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stdout.contains("persistentvolumeclaim/data serverside-applied"), "\(applied.stdout)")
        let rv = try d.kubectl(["get", "pvc", "data", "-o", "jsonpath={.metadata.resourceVersion}"]).stdout
        _ = try d.kubectl(["wait", "--for=jsonpath={.status.phase}=Bound", "pvc/data", "--timeout=60s"])
        let bound = try d.kubectl(["get", "pvc", "data", "-o", "jsonpath={.metadata.resourceVersion}"]).stdout
        #expect(try d.kubectl(["apply", "--server-side", "-f", manifest]).status == 0)
        #expect(try d.kubectl(["get", "pvc", "data", "-o", "jsonpath={.metadata.resourceVersion}"]).stdout == bound, "a repeated apply wrote (created at \(rv))")
        let managers = try d.kubectl(["get", "pvc", "data", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[*].manager}"])
        #expect(managers.stdout == "kubectl", "the binder's writes are no API manager's: \(managers.stdout)")
        // pvd get, as kubectl get, leaves them out unless asked.
        #expect(try !d.pvd(["get", "pvc", "data", "-o", "yaml"]).stdout.contains("managedFields"))
        #expect(try d.pvd(["get", "pvc", "data", "-o", "yaml", "--show-managed-fields"]).stdout.contains("manager: kubectl"))

        #expect(try d.kubectl(["label", "pvc", "data", "tier=silver", "--overwrite"]).status == 0)
        let conflict = try d.kubectl(["apply", "--server-side", "-f", manifest])
        #expect(conflict.status != 0)
        #expect(conflict.stderr.contains(#"Apply failed with 1 conflict: conflict with "kubectl-label" using v1"#), "\(conflict.stderr)")
        #expect(conflict.stderr.contains(".metadata.labels.tier") && conflict.stderr.contains("--force-conflicts"), "\(conflict.stderr)")
        #expect(try d.kubectl(["get", "pvc", "data", "-o", "jsonpath={.metadata.labels.tier}"]).stdout == "silver", "a conflict wrote")
        let forced = try d.kubectl(["apply", "--server-side", "--force-conflicts", "-f", manifest])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try d.kubectl(["get", "pvc", "data", "-o", "jsonpath={.metadata.labels.tier}"]).stdout == "gold")
        let after = try d.kubectl(["get", "pvc", "data", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[*].manager}"])
        #expect(after.stdout == "kubectl", "kubectl-label, left with nothing, should be gone: \(after.stdout)")

        // Leaving a label out removes it; a label another manager set stays.
        #expect(try d.kubectl(["label", "pvc", "data", "owner=ops"]).status == 0)
        let fewer = try d.write("fewer.yaml", Self.classAndClaim)
        #expect(try d.kubectl(["apply", "--server-side", "-f", fewer]).status == 0)
        #expect(try d.kubectl(["get", "pvc", "data", "-o", "jsonpath={.metadata.labels}"]).stdout == #"{"app":"web","owner":"ops"}"#)

        let dry = try d.kubectl(["apply", "--server-side", "--dry-run=server", "-f", try d.write("dry.yaml", Self.classAndClaim.replacingOccurrences(of: "name: data", with: "name: dry"))])
        #expect(dry.stdout.contains("persistentvolumeclaim/dry serverside-applied (server dry run)"), "\(dry.stdout) \(dry.stderr)")
        #expect(try d.pvd(["get", "pvc", "-o", "name"]).stdout == "persistentvolumeclaim/data\n", "a dry run wrote")
    }

    /// kubectl asks for lists in chunks (`limit`, then `continue`): the pages join into the
    /// whole list, and a token pvd did not make is a 400.
    @Test func chunkedListsFollowContinue() throws {
        let d = try APIDaemon()
        try #require(d.listening, "the API did not come up: \(d.log)")
        let claims = (0..<7).map { i in
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c\(i)}\nspec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}, storageClassName: \"\"}\n"
        }.joined(separator: "---\n")
        #expect(try d.kubectl(["apply", "-f", try d.write("c.yaml", claims)]).status == 0)
        let chunked = try d.kubectl(["get", "pvc", "--chunk-size=2", "-o", "name"])
        #expect(chunked.stdout == (0..<7).map { "persistentvolumeclaim/c\($0)\n" }.joined(), "\(chunked.stdout) \(chunked.stderr)")
        let table = try d.kubectl(["get", "pvc", "--chunk-size=3", "--no-headers"])
        #expect(table.stdout.split(separator: "\n").count == 7, "\(table.stdout)")
        let first = try d.kubectl(["get", "--raw", "/api/v1/namespaces/default/persistentvolumeclaims?limit=3"])
        let page = try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any]
        let token = (page?["metadata"] as? [String: Any])?["continue"] as? String
        #expect((page?["items"] as? [Any])?.count == 3 && token != nil, "\(first.stdout.prefix(300))")
        let last = try d.kubectl(["get", "--raw", "/api/v1/namespaces/default/persistentvolumeclaims?limit=10&continue=\(token ?? "")"])
        let rest = try JSONSerialization.jsonObject(with: Data(last.stdout.utf8)) as? [String: Any]
        #expect((rest?["items"] as? [Any])?.count == 4 && (rest?["metadata"] as? [String: Any])?["continue"] == nil, "\(last.stdout.prefix(300))")
        let bad = try d.kubectl(["get", "--raw", "/api/v1/persistentvolumeclaims?limit=2&continue=bm90LWEtdG9rZW4="])
        #expect(bad.stderr.contains("continue key is not valid"), "\(bad.stderr)")
    }

    @Test func explainWalksTheSchemas() throws {
        let d = try APIDaemon()
        try #require(d.listening, "the API did not come up: \(d.log)")
        let spec = try d.kubectl(["explain", "pvc.spec"])
        #expect(spec.status == 0, "\(spec.stderr)")
        #expect(spec.stdout.contains("KIND:       PersistentVolumeClaim") && spec.stdout.contains("FIELD: spec <PersistentVolumeClaimSpec>"), "\(spec.stdout)")
        #expect(spec.stdout.contains("accessModes\t<[]string>") && spec.stdout.contains("resources\t<VolumeResourceRequirements>"), "\(spec.stdout)")
        let policy = try d.kubectl(["explain", "pod.spec.securityContext.fsGroupChangePolicy"])
        #expect(policy.stdout.contains("FIELD: fsGroupChangePolicy <string>") && policy.stdout.contains("OnRootMismatch"), "\(policy.stdout) \(policy.stderr)")
        let capacity = try d.kubectl(["explain", "pv.spec.capacity"])
        #expect(capacity.stdout.contains("<map[string]Quantity>"), "\(capacity.stdout)")
        let sc = try d.kubectl(["explain", "storageclass", "--recursive"])
        #expect(sc.stdout.contains("GROUP:      storage.k8s.io") && sc.stdout.contains("volumeBindingMode"), "\(sc.stdout)")
        let unknown = try d.kubectl(["explain", "pvc.spec.nothing"])
        #expect(unknown.status != 0 && unknown.stderr.contains("nothing"), "\(unknown.stderr)")
    }

    @Test func getWatchSeesTheBind() throws {
        let d = try APIDaemon()
        try #require(d.listening, "the API did not come up: \(d.log)")
        let config = try d.kubeconfig(token: APIDaemon.adminToken)
        // Discovery first, so the watch below starts at once.
        _ = try d.kubectl(["get", "pvc"], kubeconfig: config)
        let out = d.root.appendingPathComponent("watch.out").path
        FileManager.default.createFile(atPath: out, contents: nil)
        let watch = Process()
        watch.executableURL = URL(fileURLWithPath: APIDaemon.kubectlPath ?? "/usr/bin/kubectl")
        watch.arguments = ["--kubeconfig", config, "--cache-dir", d.cacheDir, "get", "pvc", "-w"]
        watch.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        watch.standardError = watch.standardOutput
        try watch.run()
        defer {
            kill(watch.processIdentifier, SIGTERM)
            watch.waitUntilExit()
        }
        usleep(500_000)
        #expect(try d.kubectl(["apply", "-f", try d.write("m.yaml", Self.classAndClaim)], kubeconfig: config).status == 0)
        var text = ""
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            if text.contains("Bound") { break }
            usleep(50_000)
        }
        let lines = text.split(separator: "\n").filter { $0.hasPrefix("data ") }
        #expect(lines.contains { $0.contains("Bound") }, "the watch never showed the bind: \(text)")
        #expect(watch.isRunning, "kubectl get -w ended: the server closed the watch")
    }

    /// A watch nothing will ever match, whose client closes its connection: the server ends
    /// it then, not at its timeout (until then it would wake on every write to the store).
    /// Both ends of a client: killed (the socket just closes) and leaving on its own (curl's
    /// --max-time: a TLS close_notify first).
    @Test(arguments: [true, false]) func aWatchEndsWhenItsClientLeaves(killed: Bool) throws {
        let d = try APIDaemon()
        try #require(d.listening, "the API did not come up: \(d.log)")
        func open() -> Double? {
            LoopbackHTTPClient.metricValue(LoopbackHTTPClient.get(port: d.healthPort, path: "/metrics")?.body ?? "", "pvd_api_watches")
        }
        #expect(open() == 0)
        let curl = try APIDaemon.background("/usr/bin/curl", [
            "-sS", "-N", "--max-time", killed ? "600" : "3", "--cacert", d.root.appendingPathComponent("api/ca.crt").path,
            "-H", "Authorization: Bearer \(APIDaemon.adminToken)",
            "\(d.server)/api/v1/namespaces/default/persistentvolumeclaims?watch=1&fieldSelector=metadata.name%3Dnone&timeoutSeconds=600",
        ])
        defer {
            if curl.isRunning { kill(curl.processIdentifier, SIGKILL) }
            curl.waitUntilExit()
        }
        var deadline = Date().addingTimeInterval(30)
        while open() != 1 && Date() < deadline { usleep(20_000) }
        #expect(open() == 1, "the watch never opened")
        // A write the watch filters out: nothing is sent, so only the closed connection can end it.
        #expect(try d.kubectl(["apply", "-f", try d.write("m.yaml", Self.classAndClaim)]).status == 0)
        if killed { kill(curl.processIdentifier, SIGKILL) }
        curl.waitUntilExit()
        deadline = Date().addingTimeInterval(10)
        while open() != 0 && Date() < deadline { usleep(20_000) }
        #expect(open() == 0, "the watch outlived its client")
    }

    @Test func staleUpdateIsAConflict() throws {
        let d = try APIDaemon()
        try #require(d.listening, "the API did not come up: \(d.log)")
        #expect(try d.kubectl(["apply", "-f", try d.write("m.yaml", Self.classAndClaim)]).status == 0)
        let before = try d.kubectl(["get", "sc", "hp", "-o", "json"]).stdout
        #expect(try d.kubectl(["label", "sc", "hp", "x=1"]).status == 0)
        // `replace` sends the object as read before the label: its resourceVersion is stale.
        let stale = try d.kubectl(["replace", "-f", "-"], stdin: before)
        #expect(stale.status != 0)
        #expect(stale.stderr.contains("Error from server (Conflict)"), "\(stale.stderr)")
        #expect(stale.stderr.contains("the object has been modified; please apply your changes to the latest version and try again"))
        #expect(try d.kubectl(["get", "sc", "hp", "-o", "jsonpath={.metadata.labels.x}"]).stdout == "1")
    }

    @Test func invalidObjectIsRefusedAsKubernetesRefusesIt() throws {
        let d = try APIDaemon()
        try #require(d.listening, "the API did not come up: \(d.log)")
        let bad = try d.write("bad.yaml", """
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: inv}
            spec:
              resources: {requests: {storage: 1Gi}}

            """)
        let r = try d.kubectl(["apply", "-f", bad])
        #expect(r.status != 0)
        #expect(r.stderr.contains(#"The PersistentVolumeClaim "inv" is invalid"#) && r.stderr.contains("spec.accessModes"), "\(r.stderr)")
        let unknown = try d.write("unknown.yaml", Self.classAndClaim.replacingOccurrences(of: "storageClassName: hp", with: "storageClassName: hp\n  foo: bar"))
        let strict = try d.kubectl(["apply", "-f", unknown])
        #expect(strict.status != 0)
        #expect(strict.stderr.contains(#"unknown field "spec.foo""#), "\(strict.stderr)")
        #expect(try d.pvd(["get", "pvc", "-A", "-o", "name"]).stdout == "", "a refused claim was written")
    }

    @Test func noCredentialsAre401AndAlwaysDenyIs403() throws {
        let open = try APIDaemon()
        try #require(open.listening, "the API did not come up: \(open.log)")
        // kubectl asks for a user name when a kubeconfig has no credentials, so curl asks instead.
        let ca = open.root.appendingPathComponent("api/ca.crt").path
        let anonymous = try open.run("/usr/bin/curl", ["-sS", "--cacert", ca, "-w", "\n%{http_code}", "\(open.server)/api/v1/persistentvolumeclaims"])
        #expect(anonymous.stdout.hasSuffix("\n401"), "\(anonymous.stdout) \(anonymous.stderr)")
        #expect(anonymous.stdout.contains(#""reason":"Unauthorized""#))
        let wrong = try open.kubectl(["get", "pvc"], kubeconfig: try open.kubeconfig(token: "not-a-token"))
        #expect(wrong.status != 0 && (wrong.stderr.contains("Unauthorized") || wrong.stderr.contains("logged in")), "\(wrong.stderr)")

        let denied = try APIDaemon(args: ["--authorization-mode", "AlwaysDeny"])
        try #require(denied.listening, "the API did not come up: \(denied.log)")
        let claim = try denied.write("pvc.json", #"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"x"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}"#)
        // --raw skips discovery, which AlwaysDeny refuses too (kubectl then says only "unknown").
        let r = try denied.kubectl(["create", "--raw", "/api/v1/namespaces/default/persistentvolumeclaims", "-f", claim])
        #expect(r.status != 0)
        #expect(
            r.stderr.contains(#"Error from server (Forbidden): persistentvolumeclaims is forbidden: User "admin" cannot create resource "persistentvolumeclaims" in API group "" in the namespace "default""#),
            "\(r.stderr)")
        let list = try denied.kubectl(["get", "--raw", "/api/v1/persistentvolumes"])
        #expect(list.stderr.contains(#"cannot list resource "persistentvolumes" in API group "" at the cluster scope"#), "\(list.stderr)")
        #expect(try denied.pvd(["get", "pvc", "-A", "-o", "name"]).stdout == "", "a denied request wrote")
        let metrics = LoopbackHTTPClient.get(port: denied.healthPort, path: "/metrics")?.body ?? ""
        #expect((LoopbackHTTPClient.metricValue(metrics, "pvd_api_forbidden_total") ?? 0) >= 2, "denials are not counted: \(metrics)")
    }

    @Test func clientCertificatesFromPvdsCAOnly() throws {
        let d = try APIDaemon()
        try #require(d.listening, "the API did not come up: \(d.log)")
        let mine = try d.kubeconfig(user: "carol", groups: ["team-a", "system:masters"])
        let ok = try d.kubectl(["apply", "-f", try d.write("m.yaml", Self.classAndClaim)], kubeconfig: mine)
        #expect(ok.status == 0, "a certificate pvd's CA signed was refused: \(ok.stderr)")

        // Another root, another CA: its certificate is well formed and refused by the authenticator.
        let other = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-api-other-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: other) }
        let foreign = try d.kubeconfig(user: "mallory", root: other)
        // The foreign kubeconfig trusts the other CA; give it this server's CA so only the client side is foreign.
        let caData = Data(try String(contentsOfFile: d.root.appendingPathComponent("api/ca.crt").path, encoding: .utf8).utf8).base64EncodedString()
        let text = try String(contentsOfFile: foreign, encoding: .utf8)
        let fixed = text.split(separator: "\n").map { $0.contains("certificate-authority-data:") ? "    certificate-authority-data: \(caData)" : String($0) }
        let foreignWithServerCA = try d.write("foreign.yaml", fixed.joined(separator: "\n") + "\n")
        let refused = try d.kubectl(["get", "pvc"], kubeconfig: foreignWithServerCA)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("You must be logged in") || refused.stderr.contains("Unauthorized"), "\(refused.stderr)")

        // A client that does not trust pvd's CA does not talk to it at all.
        let noCA = try d.write("noca.yaml", text.split(separator: "\n").filter { !$0.contains("certificate-authority-data:") }.joined(separator: "\n") + "\n")
        let untrusted = try d.kubectl(["get", "pvc"], kubeconfig: noCA)
        #expect(untrusted.status != 0)
        #expect(untrusted.stderr.contains("certificate signed by unknown authority") || untrusted.stderr.contains("x509"), "\(untrusted.stderr)")
    }
}

/// RBAC through kubectl: the admin (group system:masters) grants a team a Role in its namespace.
@Suite(.enabled(if: APIDaemon.kubectlPath != nil, "kubectl is not installed here"))
struct KubectlRBACTests {
    @Test func aTeamRoleAllowsItsNamespaceOnly() throws {
        let d = try APIDaemon(args: ["--authorization-mode", "RBAC"])
        try #require(d.listening, "the API did not come up: \(d.log)")
        let grant = try d.write("grant.yaml", APIDaemon.teamAClaimsGrant(verbs: "get, list, watch, create, patch"))
        let granted = try d.kubectl(["apply", "-f", grant])
        #expect(granted.status == 0, "the admin (system:masters) could not grant: \(granted.stderr)")
        let team = try d.kubeconfig(user: "teammate", token: "team-token")
        let claim = """
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: c, namespace: NS}
            spec:
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 1Gi}}

            """
        let mine = try d.kubectl(["apply", "-f", try d.write("a.yaml", claim.replacingOccurrences(of: "NS", with: "team-a"))], kubeconfig: team)
        #expect(mine.status == 0, "\(mine.stderr)")
        let theirs = try d.kubectl(["create", "-f", try d.write("b.yaml", claim.replacingOccurrences(of: "NS", with: "team-b"))], kubeconfig: team)
        #expect(theirs.status != 0)
        #expect(
            theirs.stderr.contains(#"persistentvolumeclaims is forbidden: User "teammate" cannot create resource "persistentvolumeclaims" in API group "" in the namespace "team-b""#),
            "\(theirs.stderr)")
        let volumes = try d.kubectl(["get", "pv"], kubeconfig: team)
        #expect(volumes.stderr.contains(#"cannot list resource "persistentvolumes" in API group "" at the cluster scope"#), "\(volumes.stderr)")
        #expect(try d.kubectl(["auth", "can-i", "create", "pvc", "-n", "team-a"], kubeconfig: team).stdout == "yes\n")
        let no = try d.kubectl(["auth", "can-i", "create", "pvc", "-n", "team-b"], kubeconfig: team)
        #expect(no.status != 0 && no.stdout.hasPrefix("no"), "\(no.stdout) \(no.stderr)")
        #expect(try d.pvd(["get", "pvc", "-A", "-o", "name"]).stdout == "persistentvolumeclaim/c\n", "only team-a's claim is stored")
        let roles = try d.kubectl(["get", "clusterroles", "-o", "name"])
        #expect(roles.stdout.contains("clusterrole.rbac.authorization.k8s.io/cluster-admin"), "\(roles.stdout) \(roles.stderr)")

        // The admin acts as the teammate (cluster-admin may impersonate anyone): the team's
        // grant comes with its group, so without the group there is none.
        #expect(try d.kubectl(["auth", "can-i", "create", "pvc", "-n", "team-a", "--as", "teammate", "--as-group", "team-a"]).stdout == "yes\n")
        #expect(try d.kubectl(["auth", "can-i", "create", "pvc", "-n", "team-a", "--as", "teammate"]).stdout.hasPrefix("no"))
        // Extras are impersonated too (kubectl 1.32 has no --as-user-extra flag; its kubeconfig's
        // as-user-extra sends these headers); cluster-admin may impersonate them.
        func asTeammateWithExtra(token: String) throws -> String {
            try d.run("/usr/bin/curl", [
                "-sS", "--cacert", d.root.appendingPathComponent("api/ca.crt").path, "-H", "Authorization: Bearer \(token)",
                "-H", "Impersonate-User: teammate", "-H", "Impersonate-Group: team-a", "-H", "Impersonate-Extra-Reason: audit",
                "-w", "\n%{http_code}", "\(d.server)/api/v1/namespaces/team-a/persistentvolumeclaims",
            ]).stdout
        }
        let extra = try asTeammateWithExtra(token: APIDaemon.adminToken)
        #expect(extra.hasSuffix("\n200") && extra.contains("PersistentVolumeClaimList"), "\(extra)")
        let asTeam = try d.kubectl(["get", "pv", "--as", "teammate", "--as-group", "team-a"])
        #expect(asTeam.stderr.contains(#"User "teammate" cannot list resource "persistentvolumes""#), "\(asTeam.stderr)")
        // The teammate may not impersonate: refused before anything is read or written.
        let climb = try d.kubectl(["get", "pvc", "-A", "--as", "admin"], kubeconfig: team)
        #expect(climb.stderr.contains(#"users "admin" is forbidden: User "teammate" cannot impersonate resource "users" in API group "" at the cluster scope"#),
                "\(climb.stderr)")
        // Allowed to impersonate users and groups, not extras: the extra is refused by its key and value.
        let impersonator = try d.write("impersonator.yaml", """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: impersonate-users}
            rules:
            - {apiGroups: [""], resources: [users, groups], verbs: [impersonate]}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: team-a-impersonates}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonate-users}
            subjects:
            - {apiGroup: rbac.authorization.k8s.io, kind: Group, name: team-a}

            """)
        #expect(try d.kubectl(["apply", "-f", impersonator]).status == 0)
        let asItself = try d.kubectl(["get", "pvc", "-n", "team-a", "--as", "teammate", "--as-group", "team-a"], kubeconfig: team)
        #expect(asItself.status == 0, "impersonating a user is granted now: \(asItself.stderr)")
        let withExtra = try asTeammateWithExtra(token: "team-token")
        #expect(withExtra.hasSuffix("\n403"), "\(withExtra)")
        #expect(withExtra.contains(#"userextras.authentication.k8s.io \"audit\" is forbidden: User \"teammate\" cannot impersonate resource \"userextras/reason\" in API group \"authentication.k8s.io\" at the cluster scope"#),
                "\(withExtra)")
        let noUser = try d.run("/usr/bin/curl", ["-sS", "--cacert", d.root.appendingPathComponent("api/ca.crt").path, "-H", "Authorization: Bearer \(APIDaemon.adminToken)",
                                                 "-H", "Impersonate-Group: team-a", "-w", "\n%{http_code}", "\(d.server)/api/v1/persistentvolumeclaims"])
        #expect(noUser.stdout.hasSuffix("\n400") && noUser.stdout.contains("without impersonating a user"), "\(noUser.stdout)")
    }

    /// `kubectl create role|rolebinding|clusterrole|clusterrolebinding` send protobuf bodies;
    /// pvd reads them into the same objects a YAML apply makes, through the same admission.
    @Test func kubectlCreateOfRBACObjectsSpeaksProtobuf() throws {
        let d = try APIDaemon()
        try #require(d.listening, "the API did not come up: \(d.log)")
        let made = [
            ["create", "role", "claim-reader", "-n", "team-a", "--verb=get,list,watch", "--resource=persistentvolumeclaims"],
            ["create", "rolebinding", "bob-reads", "-n", "team-a", "--role=claim-reader", "--user=bob"],
            ["create", "clusterrole", "volume-viewer", "--verb=get,list", "--resource=persistentvolumes,storageclasses.storage.k8s.io"],
            ["create", "clusterrolebinding", "viewers", "--clusterrole=volume-viewer", "--group=viewers"],
        ].map { try? d.kubectl($0) }
        for (i, r) in made.enumerated() { #expect(r?.status == 0, "\(i): \(r?.stderr ?? "")") }
        let role = try d.kubectl(["get", "role", "claim-reader", "-n", "team-a", "-o", "jsonpath={.rules[0].verbs}"])
        #expect(role.stdout == #"["get","list","watch"]"#, "\(role.stdout) \(role.stderr)")
        let binding = try d.kubectl(["get", "clusterrolebinding", "viewers", "-o", "jsonpath={.subjects[0].kind}/{.subjects[0].name}/{.roleRef.name}"])
        #expect(binding.stdout == "Group/viewers/volume-viewer", "\(binding.stdout) \(binding.stderr)")
        #expect(try d.kubectl(["auth", "can-i", "list", "pvc", "-n", "team-a", "--as", "bob"]).stdout == "yes\n")
        #expect(try d.kubectl(["auth", "can-i", "list", "pvc", "-n", "team-b", "--as", "bob"]).stdout.hasPrefix("no"))
        #expect(try d.kubectl(["auth", "can-i", "get", "sc", "--as", "carol", "--as-group", "viewers"]).stdout == "yes\n")
        // A server-side dry run reads the same body and stores nothing.
        let dry = try d.kubectl(["create", "role", "nothing", "-n", "team-a", "--verb=get", "--resource=pvc", "--dry-run=server"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(try d.kubectl(["get", "role", "nothing", "-n", "team-a"]).status != 0)
    }

    /// The default modes, Node then RBAC: a node's identity (a client certificate for
    /// `system:node:n1` in `system:nodes`) reads everything its node needs and writes only what
    /// is its own; what it may not do is 403 and leaves the store as it was.
    @Test func aNodeIdentityCannotTouchAnotherNodesVolume() throws {
        let d = try APIDaemon()
        try #require(d.listening, "the API did not come up: \(d.log)")
        func volume(_ name: String, on node: String) -> String {
            let pinned = "{required: {nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [\(node)]}]}]}}"
            return """
                apiVersion: v1
                kind: PersistentVolume
                metadata: {name: \(name)}
                spec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], hostPath: {path: /srv/\(name)}, nodeAffinity: \(pinned)}

                """
        }
        let setup = volume("pv-a", on: "n1") + "---\n" + volume("pv-b", on: "n2")
            + "---\napiVersion: v1\nkind: Node\nmetadata: {name: n1}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: n2}\n"
        let made = try d.kubectl(["apply", "-f", try d.write("setup.yaml", setup)])
        #expect(made.status == 0, "\(made.stderr)")
        let node = try d.kubeconfig(user: "system:node:n1", groups: ["system:nodes"])

        let listed = try d.kubectl(["get", "pv", "-o", "name"], kubeconfig: node)
        #expect(listed.stdout == "persistentvolume/pv-a\npersistentvolume/pv-b\n", "\(listed.stdout) \(listed.stderr)")
        #expect(try d.kubectl(["label", "pv", "pv-a", "mine=yes"], kubeconfig: node).status == 0)
        #expect(try d.kubectl(["label", "node", "n1", "mine=yes"], kubeconfig: node).status == 0)

        let theirs = try d.kubectl(["label", "pv", "pv-b", "mine=yes"], kubeconfig: node)
        #expect(theirs.status != 0)
        #expect(theirs.stderr.contains(#"persistentvolumes "pv-b" is forbidden: User "system:node:n1" cannot patch resource "persistentvolumes" in API group "" at the cluster scope: no relationship found between node 'n1' and this object"#),
                "\(theirs.stderr)")
        let otherNode = try d.kubectl(["label", "node", "n2", "mine=yes"], kubeconfig: node)
        #expect(otherNode.stderr.contains("node 'n1' cannot modify node 'n2'"), "\(otherNode.stderr)")
        // A create names no object the authorizer could look at: NodeRestriction reads the body.
        let planted = try d.kubectl(["create", "-f", try d.write("c.yaml", volume("pv-c", on: "n2"))], kubeconfig: node)
        #expect(planted.stderr.contains(#"persistentvolumes "pv-c" is forbidden: node "n1" can only write persistentvolumes whose node affinity requires kubernetes.io/hostname In [n1]"#),
                "\(planted.stderr)")
        let claim = try d.kubectl(["create", "-f", try d.write("claim.yaml", KubectlTests.classAndClaim)], kubeconfig: node)
        #expect(claim.status != 0 && claim.stderr.contains("Forbidden"), "\(claim.stderr)")

        #expect(try d.kubectl(["auth", "can-i", "patch", "pv/pv-a"], kubeconfig: node).stdout == "yes\n")
        #expect(try d.kubectl(["auth", "can-i", "patch", "pv/pv-b"], kubeconfig: node).stdout.hasPrefix("no"))
        // The store holds only what was allowed.
        #expect(try d.pvd(["get", "pv", "-l", "mine=yes", "-o", "name"]).stdout == "persistentvolume/pv-a\n")
        #expect(try d.pvd(["get", "node", "-l", "mine=yes", "-o", "name"]).stdout == "node/n1\n")
        #expect(try d.pvd(["get", "pv", "-o", "name"]).stdout == "persistentvolume/pv-a\npersistentvolume/pv-b\n")
        #expect(try d.pvd(["get", "pvc", "-o", "name"]).stdout == "")
    }
}
