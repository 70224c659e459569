import Foundation
import Testing

/// The kubectl-like workflow through the real binary: apply, reconcile, get, describe, wait, delete.
struct CLIWorkflowTests {
    static let examples: String = {
        let here = URL(fileURLWithPath: #filePath)
        return here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("deploy/examples").path
    }()

    @Test func examplesBindAsKubernetesWould() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let applied = try pvd.ok(["apply", "-f", Self.examples])
        #expect(applied.stdout.contains("storageclass.storage.k8s.io/manual created"))
        #expect(applied.stdout.contains("persistentvolumeclaim/data created"))
        try pvd.ok(["reconcile", "--once"])
        let claims = try pvd.items("pvc")
        func claim(_ n: String) -> [String: Any]? { claims.first { $0.path("metadata.name") as? String == n } }
        // "data" names no class: it got the default (manual) and the smallest PV that fits.
        #expect(claim("data")?.path("spec.storageClassName") as? String == "manual")
        #expect(claim("data")?.path("spec.volumeName") as? String == "pv-small")
        #expect(claim("data")?.path("status.phase") as? String == "Bound")
        #expect((claim("data")?.path("status.capacity") as? [String: Any])?["storage"] as? String == "1Gi")
        // "gold" selects tier=gold.
        #expect(claim("gold")?.path("spec.volumeName") as? String == "pv-large")
        #expect(claim("shared")?.path("spec.volumeName") as? String == "pv-fast")
        // "scratch" got a directory of its own from the hostPath provisioner.
        #expect((claim("scratch")?.path("spec.volumeName") as? String)?.hasPrefix("pvc-") == true)
        #expect(claim("scratch")?.path("status.phase") as? String == "Bound")
        let annotations = claim("data")?.path("metadata.annotations") as? [String: String]
        #expect(annotations?["pv.kubernetes.io/bind-completed"] == "yes")
        #expect(annotations?["pv.kubernetes.io/bound-by-controller"] == "yes")

        let pvs = try pvd.items("pv")
        let small = pvs.first { $0.path("metadata.name") as? String == "pv-small" }
        #expect(small?.path("status.phase") as? String == "Bound")
        #expect(small?.path("spec.claimRef.name") as? String == "data")
        #expect(small?.path("spec.claimRef.uid") as? String == claim("data")?.path("metadata.uid") as? String)

        // A second reconcile has nothing left to do.
        let again = try pvd.ok(["reconcile", "--once"])
        #expect(again.stdout.contains("0 writes"), "\(again.stdout)")

        // Re-applying the same files changes nothing.
        let reapplied = try pvd.ok(["apply", "-f", Self.examples])
        #expect(!reapplied.stdout.contains("configured"), "\(reapplied.stdout)")
        #expect(reapplied.stdout.contains("persistentvolumeclaim/data unchanged"))
    }

    @Test func getTablesMatchKubectl() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", Self.examples])
        try pvd.ok(["reconcile", "--once"])
        let pvc = try pvd.ok(["get", "pvc"]).stdout
        let lines = pvc.split(separator: "\n")
        #expect(lines.first?.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
                == "NAME STATUS VOLUME CAPACITY ACCESS MODES STORAGECLASS VOLUMEATTRIBUTESCLASS AGE")
        #expect(lines.contains { $0.hasPrefix("data ") && $0.contains("Bound") && $0.contains("pv-small") && $0.contains("1Gi") && $0.contains("RWO") })
        let pv = try pvd.ok(["get", "pv", "-o", "wide"]).stdout
        #expect(pv.hasPrefix("NAME"))
        #expect(pv.contains("RECLAIM POLICY"))
        #expect(pv.contains("VOLUMEMODE"))
        #expect(pv.contains("default/data"))
        #expect(pv.contains("RWO,ROX"))
        let sc = try pvd.ok(["get", "storageclasses"]).stdout
        #expect(sc.contains("manual (default)"))
        let all = try pvd.ok(["get", "persistentvolumeclaims", "-A"]).stdout
        #expect(all.hasPrefix("NAMESPACE"))
        let names = try pvd.ok(["get", "pv", "-o", "name", "-l", "tier=gold"]).stdout
        #expect(names == "persistentvolume/pv-large\n")
        let notIn = try pvd.ok(["get", "pv", "-o", "name", "-l", "tier notin (gold)"]).stdout
        let notInNames = notIn.split(separator: "\n").filter { $0.hasPrefix("persistentvolume/pv-") }
        #expect(notInNames == ["persistentvolume/pv-fast", "persistentvolume/pv-small"])
        #expect(!notIn.contains("pv-large"))
        let missing = try pvd.run(["get", "pvc", "nope"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("persistentvolumeclaims \"nope\" not found"))
        let empty = try pvd.run(["get", "pvc", "-n", "other"])
        #expect(empty.status == 0)
        #expect(empty.stderr.contains("No resources found in other namespace."))
    }

    @Test func yamlOutputReappliesUnchanged() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", Self.examples])
        try pvd.ok(["reconcile", "--once"])
        let yaml = try pvd.ok(["get", "pvc", "data", "-o", "yaml"]).stdout
        #expect(yaml.contains("kind: PersistentVolumeClaim"))
        #expect(yaml.contains("volumeName: pv-small"))
        let r = try pvd.ok(["apply", "-f", "-"], stdin: yaml)
        #expect(r.stdout == "persistentvolumeclaim/data unchanged\n")
        let list = try pvd.ok(["get", "pv", "-o", "json"]).stdout
        let obj = try JSONSerialization.jsonObject(with: Data(list.utf8)) as? [String: Any]
        #expect(obj?["kind"] as? String == "List")
        #expect((obj?["items"] as? [Any])?.count == 4)
    }

    @Test func unknownFieldsWarnButApply() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let r = try pvd.ok(["apply", "-f", try pvd.write("pv.yaml", """
            apiVersion: v1
            kind: PersistentVolume
            metadata: {name: extra}
            spec:
              capacity: {storage: 2Gi}
              accessModes: [ReadWriteOnce]
              hostPath: {path: /srv/extra}
              csi: {driver: example.com}
              frobnicate: true
            status: {phase: Bound}
            """)])
        #expect(r.stderr.contains("unknown field \"spec.csi\""))
        #expect(r.stderr.contains("unknown field \"spec.frobnicate\""))
        // status is ignored on apply: a new PV starts Pending.
        let pv = try pvd.items("pv").first
        #expect(pv?.path("status.phase") as? String == "Pending")
    }

    @Test func describeShowsEvents() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", Self.examples])
        try pvd.ok(["reconcile", "--once"])
        let d = try pvd.ok(["describe", "pvc", "data"]).stdout
        #expect(d.contains("Name:"))
        #expect(d.contains("Status:") && d.contains("Bound"))
        #expect(d.contains("Volume:") && d.contains("pv-small"))
        #expect(d.contains("Events:"))
        #expect(d.contains("Normal"))
        let pv = try pvd.ok(["describe", "pv", "pv-small"]).stdout
        #expect(pv.contains("Claim:") && pv.contains("default/data"))
        #expect(pv.contains("HostPath"))
    }

    @Test func waitAndDelete() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", Self.examples])
        let timedOut = try pvd.run(["wait", "pvc/data", "--for=phase=Bound", "--timeout", "1s"])
        #expect(timedOut.status != 0)
        #expect(timedOut.stderr.contains("timed out"))
        try pvd.ok(["reconcile", "--once"])
        let met = try pvd.ok(["wait", "pvc/data", "--for=phase=Bound", "--timeout", "5s"])
        #expect(met.stdout == "persistentvolumeclaim/data condition met\n")

        let del = try pvd.ok(["delete", "pvc", "data"])
        #expect(del.stdout == "persistentvolumeclaim \"data\" deleted\n")
        // Its pvc-protection finalizer holds it until a reconcile finds no Pod using it
        // (ProtectionTests waits for that with delete --wait).
        #expect(try pvd.run(["get", "pvc", "data"]).status == 0)
        try pvd.ok(["reconcile", "--once"])
        let gone = try pvd.run(["get", "pvc", "data"])
        #expect(gone.status == 1)
        let pv = try pvd.items("pv").first { $0.path("metadata.name") as? String == "pv-small" }
        #expect(pv?.path("status.phase") as? String == "Released")
        let again = try pvd.run(["delete", "pvc", "data"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("not found"))
    }
}

/// Global options before the command, as kubectl users type them.
struct GlobalOptionPlacementTests {
    @Test func rootBeforeTheCommand() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: PVDProcess.binary)
        p.arguments = ["--root", pvd.root.path, "apply", "-f", CLIWorkflowTests.examples + "/00-storageclasses.yaml"]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let q = Process()
        q.executableURL = URL(fileURLWithPath: PVDProcess.binary)
        q.arguments = ["--store=\(pvd.store)", "get", "sc", "-o", "name"]
        let out = Pipe()
        q.standardOutput = out
        try q.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        q.waitUntilExit()
        #expect(text == "storageclass.storage.k8s.io/fast\nstorageclass.storage.k8s.io/manual\n")
    }
}

/// `get -w` prints a row for each change after the initial list.
struct GetWatchTests {
    @Test func watchPrintsChanges() async throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", CLIWorkflowTests.examples + "/00-storageclasses.yaml"])
        let watcher = Process()
        watcher.executableURL = URL(fileURLWithPath: PVDProcess.binary)
        watcher.arguments = ["get", "--root", pvd.root.path, "pvc", "-w"]
        let out = Pipe()
        watcher.standardOutput = out
        watcher.standardError = FileHandle.nullDevice
        try watcher.run()
        // Stop exactly the process this test started, whatever happens.
        defer { if watcher.isRunning { watcher.terminate() }; watcher.waitUntilExit() }
        try await Task.sleep(for: .milliseconds(300))
        try pvd.ok(["apply", "-f", CLIWorkflowTests.examples + "/20-claims.yaml"])
        try await Task.sleep(for: .milliseconds(500))
        watcher.terminate()
        watcher.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        for name in ["data", "gold", "shared"] {
            #expect(text.split(separator: "\n").contains { $0.hasPrefix(name + " ") && $0.contains("Pending") }, "\(text)")
        }
    }
}
