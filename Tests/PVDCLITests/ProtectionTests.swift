import Foundation
import Testing

/// Storage-object-in-use protection through the real binary: the finalizers apply adds, a claim
/// a Pod uses staying Terminating, and volumes kept while bound.
struct ProtectionTests {
    static func pod(_ name: String, claim: String, node: String = "node-a") -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: \(name)}
        spec:
          nodeName: \(node)
          containers: [{name: app, image: busybox}]
          volumes: [{name: data, persistentVolumeClaim: {claimName: \(claim)}}]
        ---

        """
    }

    static func staticVolume(_ name: String, path: String, reclaim: String = "Retain") -> String {
        """
        apiVersion: v1
        kind: PersistentVolume
        metadata: {name: \(name)}
        spec:
          capacity: {storage: 1Gi}
          accessModes: [ReadWriteOnce]
          persistentVolumeReclaimPolicy: \(reclaim)
          hostPath: {path: \(path)}
        ---

        """
    }

    /// The STATUS column of `pvd get KIND NAME`.
    static func status(_ pvd: PVDProcess, _ kind: String, _ name: String) throws -> String? {
        let lines = try pvd.ok(["get", kind, name]).stdout.split(separator: "\n")
        guard lines.count == 2, let at = lines[0].range(of: "STATUS")?.lowerBound else { return nil }
        // Columns are aligned under their headers.
        let offset = lines[0].distance(from: lines[0].startIndex, to: at)
        return lines[1].dropFirst(offset).split(separator: " ").first.map(String.init)
    }

    @Test func applyAddsTheFinalizers() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.staticVolume("pv-1", path: "/srv/pv-1")
            + ProvisioningTests.claim("data", cls: ""))])
        #expect(try pvd.items("pv").first?.path("metadata.finalizers") as? [String] == ["kubernetes.io/pv-protection"])
        #expect(try pvd.items("pvc").first?.path("metadata.finalizers") as? [String] == ["kubernetes.io/pvc-protection"])
        // An object that lost its finalizer (patched away) gets it back from the controller.
        try pvd.ok(["patch", "pvc", "data", "-p", #"{"metadata":{"finalizers":null}}"#])
        #expect(try pvd.items("pvc").first?.path("metadata.finalizers") == nil)
        try pvd.ok(["reconcile", "--once"])
        #expect(try pvd.items("pvc").first?.path("metadata.finalizers") as? [String] == ["kubernetes.io/pvc-protection"])
    }

    @Test func claimUsedByAPodStaysUntilThePodGoes() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", ProvisioningTests.hostPathClass() + ProvisioningTests.claim("data")
            + Self.pod("app", claim: "data"))])
        try pvd.ok(["reconcile", "--once"])
        let pv = try #require(try pvd.items("pv").first)
        let dir = try #require(pv.path("spec.hostPath.path") as? String)
        #expect(pv.path("metadata.finalizers") as? [String]
            == ["kubernetes.io/pv-protection", "external-provisioner.volume.kubernetes.io/finalizer"])

        try pvd.ok(["delete", "pvc", "data"])
        try pvd.ok(["reconcile", "--once"])
        #expect(try Self.status(pvd, "pvc", "data") == "Terminating")
        #expect(try pvd.ok(["describe", "pvc", "data"]).stdout.contains("Terminating"))
        #expect(try pvd.items("pv").first?.path("status.phase") as? String == "Bound")
        #expect(FileManager.default.fileExists(atPath: dir))

        // A Pod that names no node cannot start with it, so it does not hold the claim; the
        // scheduled one does until it is deleted.
        try pvd.ok(["apply", "-f", try pvd.write("p2.yaml", Self.pod("later", claim: "data", node: ""))])
        try pvd.ok(["delete", "pod", "app"])
        let r = try pvd.ok(["reconcile", "--once"])
        #expect(r.stdout.contains("1 deleted"), "\(r.stdout)")
        #expect(try pvd.items("pvc").isEmpty)
        #expect(try pvd.items("pv").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dir))
    }

    @Test func boundVolumeDeletedByAUserStaysUntilReleased() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let path = pvd.root.appendingPathComponent("static/pv-1").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.staticVolume("pv-1", path: path)
            + ProvisioningTests.claim("data", cls: ""))])
        try pvd.ok(["reconcile", "--once"])
        try pvd.ok(["delete", "pv", "pv-1"])
        try pvd.ok(["reconcile", "--once"])
        #expect(try Self.status(pvd, "pv", "pv-1") == "Terminating")
        #expect(try ProvisioningTests().claimNamed(pvd, "data")?.path("status.phase") as? String == "Bound")
        try pvd.ok(["delete", "pvc", "data"])
        try pvd.ok(["reconcile", "--once"])
        #expect(try pvd.items("pv").isEmpty)
        #expect(try pvd.items("pvc").isEmpty)
        #expect(FileManager.default.fileExists(atPath: path), "Retain: the data stays")
    }

    @Test func provisionedVolumeDeletedBeforeItsClaimTakesItsBackingWithIt() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", ProvisioningTests.hostPathClass() + ProvisioningTests.claim("data")
            + ProvisioningTests.claim("spare"))])
        try pvd.ok(["reconcile", "--once"])
        let volumes = try pvd.items("pv")
        let dirs = volumes.compactMap { $0.path("spec.hostPath.path") as? String }
        #expect(dirs.count == 2)
        let byClaim = { (claim: String) in volumes.first { $0.path("spec.claimRef.name") as? String == claim }?.path("metadata.name") as? String }
        let name = try #require(byClaim("data")), spare = try #require(byClaim("spare"))
        try pvd.ok(["delete", "pv", name])
        try pvd.ok(["reconcile", "--once"])
        #expect(try Self.status(pvd, "pv", name) == "Terminating")
        try pvd.ok(["delete", "pvc", "data"])
        let r = try pvd.ok(["reconcile", "--once"])
        #expect(r.stdout.contains("1 deleted"), "\(r.stdout)")
        #expect(try pvd.items("pv").map { $0.path("metadata.name") as? String } == [spare])
        #expect(dirs.filter { FileManager.default.fileExists(atPath: $0) }.count == 1, "the deleted volume's directory went with it")

        // Switched to Retain, a volume is no longer held for its backing: deleting it once
        // released leaves the data, as Retain says.
        try pvd.ok(["patch", "pv", spare, "-p", #"{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}"#])
        try pvd.ok(["reconcile", "--once"])
        #expect(try pvd.items("pv").first?.path("metadata.finalizers") as? [String] == ["kubernetes.io/pv-protection"])
        try pvd.ok(["delete", "pvc", "spare"])
        try pvd.ok(["delete", "pv", spare])
        try pvd.ok(["reconcile", "--once"])
        #expect(try pvd.items("pv").isEmpty)
        #expect(dirs.filter { FileManager.default.fileExists(atPath: $0) }.count == 1)
    }

    @Test func deleteWaitReturnsOnceTheClaimIsGone() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", ProvisioningTests.hostPathClass() + ProvisioningTests.claim("data"))])
        try pvd.ok(["reconcile", "--once"])
        let p = Process()
        p.executableURL = URL(fileURLWithPath: PVDProcess.binary)
        p.arguments = ["delete", "--root", pvd.root.path, "pvc", "data", "--wait", "--timeout", "120s"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { p.terminate() } }
        // Reconcile only once the delete has marked the claim: until then there is nothing to release.
        var marked = false
        for _ in 0..<600 where !marked {
            marked = try ProvisioningTests().claimNamed(pvd, "data")?.path("metadata.deletionTimestamp") != nil
            if !marked { usleep(50_000) }
        }
        #expect(marked)
        #expect(p.isRunning, "delete --wait returned while the claim was still there")
        try pvd.ok(["reconcile", "--once"])
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(try pvd.items("pvc").isEmpty)
    }
}
