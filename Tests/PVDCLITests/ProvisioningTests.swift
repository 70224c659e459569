import Foundation
import Testing

/// Dynamic provisioning through the real binary: a class naming a pvd provisioner, a claim,
/// `reconcile --once`, and a real directory on this node.
struct ProvisioningTests {
    static func hostPathClass(_ name: String = "local", reclaim: String = "Delete", binding: String = "Immediate",
                              parameters: String = "{}", isDefault: Bool = false) -> String {
        """
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata:
          name: \(name)
          annotations: {storageclass.kubernetes.io/is-default-class: "\(isDefault)"}
        provisioner: pvd.io/hostpath
        reclaimPolicy: \(reclaim)
        volumeBindingMode: \(binding)
        parameters: \(parameters)
        ---

        """
    }

    static func claim(_ name: String, cls: String? = "local", size: String = "1Gi", extra: String = "") -> String {
        """
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: \(name)}
        spec:
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: \(size)}}
        \(cls.map { "  storageClassName: \($0)" } ?? "")
        \(extra)
        ---

        """
    }

    func claimNamed(_ pvd: PVDProcess, _ name: String) throws -> [String: Any]? {
        try pvd.items("pvc").first { $0.path("metadata.name") as? String == name }
    }

    @Test func hostPathLifecycleUnderDelete() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.hostPathClass() + Self.claim("data"))])
        let r = try pvd.ok(["reconcile", "--once"])
        #expect(r.stdout.contains("1 provisioned"), "\(r.stdout)")
        let c = try #require(try claimNamed(pvd, "data"))
        #expect(c.path("status.phase") as? String == "Bound")
        let uid = try #require(c.path("metadata.uid") as? String)
        let pvName = "pvc-\(uid)"
        #expect(c.path("spec.volumeName") as? String == pvName)
        let pv = try #require(try pvd.items("pv").first)
        #expect(pv.path("metadata.name") as? String == pvName)
        #expect((pv.path("metadata.annotations") as? [String: String])?["pv.kubernetes.io/provisioned-by"] == "pvd.io/hostpath")
        #expect(pv.path("spec.persistentVolumeReclaimPolicy") as? String == "Delete")
        let dir = pvd.root.appendingPathComponent("hostpath/\(pvName)").path
        #expect(pv.path("spec.hostPath.path") as? String == dir)
        var isDir: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) && isDir.boolValue)
        let attrs = try FileManager.default.attributesOfItem(atPath: dir)
        #expect((attrs[.posixPermissions] as? Int) == 0o777)
        let events = try pvd.ok(["describe", "pvc", "data"]).stdout
        #expect(events.contains("ProvisioningSucceeded"))
        // Writing data, then deleting the claim under Delete removes the directory and the PV.
        try Data("hello".utf8).write(to: URL(fileURLWithPath: dir + "/file"))
        try pvd.ok(["delete", "pvc", "data"])
        let d = try pvd.ok(["reconcile", "--once"])
        #expect(d.stdout.contains("1 deleted"), "\(d.stdout)")
        #expect(!FileManager.default.fileExists(atPath: dir))
        #expect(try pvd.items("pv").isEmpty)
    }

    @Test func retainKeepsTheDataAndTheVolume() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.hostPathClass(reclaim: "Retain") + Self.claim("data"))])
        try pvd.ok(["reconcile", "--once"])
        let pv = try #require(try pvd.items("pv").first)
        let dir = try #require(pv.path("spec.hostPath.path") as? String)
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: dir + "/file"))
        try pvd.ok(["delete", "pvc", "data"])
        try pvd.ok(["reconcile", "--once"])
        let after = try #require(try pvd.items("pv").first)
        #expect(after.path("status.phase") as? String == "Released")
        #expect(try String(contentsOfFile: dir + "/file", encoding: .utf8) == "keep me")

        // The administrator releases it for reuse; a new claim naming it binds, data intact.
        let name = try #require(after.path("metadata.name") as? String)
        let p = try pvd.ok(["patch", "pv", name, "-p", #"{"spec":{"claimRef":null}}"#])
        #expect(p.stdout == "persistentvolume/\(name) patched\n")
        try pvd.ok(["reconcile", "--once"])
        #expect(try pvd.items("pv").first?.path("status.phase") as? String == "Available")
        try pvd.ok(["apply", "-f", try pvd.write("again.yaml", Self.claim("again", extra: "  volumeName: \(name)"))])
        try pvd.ok(["reconcile", "--once"])
        let again = try #require(try claimNamed(pvd, "again"))
        #expect(again.path("status.phase") as? String == "Bound")
        #expect(again.path("spec.volumeName") as? String == name)
        #expect(try String(contentsOfFile: dir + "/file", encoding: .utf8) == "keep me")
    }

    @Test func patchRefusesWhatItMayNotChange() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.hostPathClass() + Self.claim("data"))])
        let before = try #require(pvd.storeBytes())
        for patch in [#"{"status":{"phase":"Bound"}}"#, #"{"metadata":{"name":"x"}}"#, #"{"spec":{"accessModes":["ReadWriteMany"]}}"#, "[1]"] {
            let r = try pvd.run(["patch", "pvc", "data", "-p", patch])
            #expect(r.status != 0, "\(patch) was accepted")
        }
        #expect(pvd.storeBytes() == before)
    }

    @Test func idempotentAcrossRuns() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.hostPathClass() + Self.claim("a") + Self.claim("b"))])
        try pvd.ok(["reconcile", "--once"])
        let again = try pvd.ok(["reconcile", "--once"])
        #expect(again.stdout.contains("0 writes"), "\(again.stdout)")
        #expect(try pvd.items("pv").count == 2)
        let dirs = try FileManager.default.contentsOfDirectory(atPath: pvd.root.appendingPathComponent("hostpath").path)
        #expect(dirs.count == 2)
    }

    @Test func defaultClassProvisionsClaimsThatNameNone() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.hostPathClass(isDefault: true) + Self.claim("data", cls: nil))])
        try pvd.ok(["reconcile", "--once"])
        let c = try #require(try claimNamed(pvd, "data"))
        #expect(c.path("spec.storageClassName") as? String == "local")
        #expect(c.path("status.phase") as? String == "Bound")
    }

    @Test func twoDefaultClassesWarnAndTheNewestWins() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("a.yaml", Self.hostPathClass("older", isDefault: true))])
        Thread.sleep(forTimeInterval: 1.1)
        let r = try pvd.ok(["apply", "-f", try pvd.write("b.yaml", Self.hostPathClass("newer", isDefault: true))])
        #expect(r.stderr.contains("Warning: 2 StorageClasses are marked default (newer, older)"), "\(r.stderr)")
        try pvd.ok(["apply", "-f", try pvd.write("c.yaml", Self.claim("data", cls: nil))])
        #expect(try claimNamed(pvd, "data")?.path("spec.storageClassName") as? String == "newer")
    }

    @Test func waitForFirstConsumerWaitsForAPodWithANode() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.hostPathClass(binding: "WaitForFirstConsumer") + Self.claim("data"))])
        try pvd.ok(["reconcile", "--once", "--node", "node-a"])
        var c = try #require(try claimNamed(pvd, "data"))
        #expect(c.path("status.phase") as? String == "Pending")
        #expect(try pvd.items("pv").isEmpty)
        #expect(try pvd.ok(["describe", "pvc", "data"]).stdout.contains("WaitForFirstConsumer"))
        // A Pod scheduled to another node: this node must not provision.
        let pod = { (node: String) in """
            apiVersion: v1
            kind: Pod
            metadata: {name: app}
            spec:
              nodeName: \(node)
              containers: [{name: app, image: busybox}]
              volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
            """ }
        try pvd.ok(["apply", "-f", try pvd.write("pod.yaml", pod("node-b"))])
        try pvd.ok(["reconcile", "--once", "--node", "node-a"])
        c = try #require(try claimNamed(pvd, "data"))
        #expect((c.path("metadata.annotations") as? [String: String])?["volume.kubernetes.io/selected-node"] == "node-b")
        #expect(try pvd.items("pv").isEmpty)
        // node-b's pvd provisions, pinned to node-b.
        try pvd.ok(["reconcile", "--once", "--node", "node-b"])
        c = try #require(try claimNamed(pvd, "data"))
        #expect(c.path("status.phase") as? String == "Bound")
        let pv = try #require(try pvd.items("pv").first)
        let terms = pv.path("spec.nodeAffinity.required") as? [String: Any]
        let expr = ((terms?["nodeSelectorTerms"] as? [[String: Any]])?.first?["matchExpressions"] as? [[String: Any]])?.first
        #expect(expr?["key"] as? String == "kubernetes.io/hostname")
        #expect(expr?["values"] as? [String] == ["node-b"])
    }

    struct Refusal: CustomTestStringConvertible, Sendable {
        var name: String
        var manifests: String
        var mentions: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        Refusal(name: "unknown parameter", manifests: hostPathClass(parameters: "{colour: blue}") + claim("data"), mentions: "colour"),
        Refusal(name: "relative basePath", manifests: hostPathClass(parameters: "{basePath: data/vols}") + claim("data"), mentions: "basePath"),
        Refusal(name: "basePath outside the roots", manifests: hostPathClass(parameters: "{basePath: /etc/pvd-test}") + claim("data"), mentions: "basePath"),
        Refusal(name: "Block on hostPath", manifests: hostPathClass() + claim("data", extra: "  volumeMode: Block"), mentions: "Block"),
    ])
    func badRequestsStayPendingWithAReason(_ r: Refusal) throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", r.manifests)])
        let out = try pvd.ok(["reconcile", "--once"])
        #expect(out.stdout.contains("1 failed"), "\(out.stdout)")
        let c = try #require(try claimNamed(pvd, "data"))
        #expect(c.path("status.phase") as? String == "Pending")
        let d = try pvd.ok(["describe", "pvc", "data"]).stdout
        #expect(d.contains("ProvisioningFailed"))
        #expect(d.contains(r.mentions), "\(d)")
        #expect(try pvd.items("pv").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: "/etc/pvd-test"))
        let base = pvd.root.appendingPathComponent("hostpath").path
        #expect((try? FileManager.default.contentsOfDirectory(atPath: base))?.isEmpty ?? true)
    }
}

/// Two nodes sharing one store: each Immediate claim is provisioned by exactly one of them.
struct TwoNodeProvisioningTests {
    @Test func eachClaimIsProvisionedOnce() async throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        var manifests = ProvisioningTests.hostPathClass()
        for i in 0..<8 { manifests += ProvisioningTests.claim("c\(i)") }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", manifests)])
        let roots = ["node-a", "node-b"].map { pvd.root.appendingPathComponent($0).path }
        try await withThrowingTaskGroup(of: PVDProcess.Output.self) { group in
            for (node, root) in zip(["node-a", "node-b"], roots) {
                group.addTask {
                    let p = Process()
                    p.executableURL = URL(fileURLWithPath: PVDProcess.binary)
                    p.arguments = ["reconcile", "--once", "--store", pvd.store, "--root", root, "--node", node]
                    p.standardOutput = FileHandle.nullDevice
                    let err = Pipe()
                    p.standardError = err
                    try p.run()
                    let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                    p.waitUntilExit()
                    return PVDProcess.Output(status: p.terminationStatus, stdout: "", stderr: e)
                }
            }
            for try await r in group { #expect(r.status == 0, "\(r.stderr)") }
        }
        // Whichever node did not finish a claim's binding, one more run of each settles it.
        for (node, root) in zip(["node-a", "node-b"], roots) {
            try pvd.ok(["reconcile", "--once", "--store", pvd.store, "--root", root, "--node", node])
        }
        let pvs = try pvd.items("pv")
        #expect(pvs.count == 8)
        let dirs = roots.map { (try? FileManager.default.contentsOfDirectory(atPath: $0 + "/hostpath"))?.count ?? 0 }
        #expect(dirs.reduce(0, +) == 8, "directories per node: \(dirs)")
        #expect(try pvd.items("pvc").allSatisfy { $0.path("status.phase") as? String == "Bound" })
    }
}
