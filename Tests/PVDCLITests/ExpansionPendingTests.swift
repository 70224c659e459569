import Foundation
import Testing

@testable import PVDDrivers

/// A loop ext4 claim grown while a Pod on this node publishes it, by a pvd without
/// CAP_SYS_RESOURCE (ext4 then grows only offline): the image grows, the claim shows
/// FileSystemResizePending and status.allocatedResources as Kubernetes does, with one Normal
/// event and no warnings on later runs, and the run after the Pod is gone finishes the resize.
@Suite(.enabled(if: geteuid() == 0, "needs root: attaches loop devices and mounts filesystems"))
struct ExpansionPendingTests {
    static let onlineExt4 = ProcessCapabilities.current()?.contains(bit: ProcessCapabilities.sysResource) ?? false

    static func reconcile(_ pvd: PVDProcess, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let r = try pvd.run(["reconcile", "--once", "--node", PodPublishingCLITests.node])
        #expect(r.status == 0, "reconcile failed: \(r.stderr)", sourceLocation: sourceLocation)
        return r.stdout + r.stderr
    }

    static func conditions(_ pvd: PVDProcess) throws -> [[String: Any]] {
        try ExpansionTests.only(pvd, "pvc").path("status.conditions") as? [[String: Any]] ?? []
    }

    static func events(_ pvd: PVDProcess, reason: String) throws -> [[String: Any]] {
        try pvd.items("events").filter { $0.path("reason") as? String == reason }
    }

    @Test(.enabled(if: !onlineExt4, "this process has CAP_SYS_RESOURCE: ext4 grows online, nothing waits"))
    func aPublishedClaimWaitsForItsPodThenFinishes() throws {
        let pvd = try PVDProcess()
        defer { OwnDevices.release(under: pvd.root.path); pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml",
            LoopExpansionTests.loopClass("ext4") + ExpansionTests.claim("128Mi", cls: "loop") + "---\n" + PodPublishingCLITests.pod("app"))])
        #expect(try Self.reconcile(pvd).contains("1 pod volume published"))
        let pv = try ExpansionTests.only(pvd, "pv")
        let path = try #require(pv.path("spec.local.path") as? String)
        let name = try #require(pv.path("metadata.name") as? String)
        try Data("kept".utf8).write(to: URL(fileURLWithPath: path + "/file"))
        let before = LoopExpansionTests.filesystemBytes(path)

        try pvd.ok(["apply", "-f", try pvd.write("grown.yaml", ExpansionTests.claim("256Mi", cls: "loop"))])
        for _ in 0..<2 {
            _ = try Self.reconcile(pvd)
            let claim = try ExpansionTests.only(pvd, "pvc")
            let pending = try Self.conditions(pvd)
            #expect(pending.count == 1)
            #expect(pending.first?["type"] as? String == "FileSystemResizePending")
            #expect(pending.first?["status"] as? String == "True")
            #expect((pending.first?["message"] as? String ?? "").contains("Waiting for user to (re-)start a pod"))
            #expect(claim.path("status.allocatedResources.storage") as? String == "256Mi")
            #expect(claim.path("status.capacity.storage") as? String == "128Mi")
            #expect(LoopExpansionTests.filesystemBytes(path) == before)
        }
        // The image grew; the filesystem waits.
        let image = try FileManager.default.attributesOfItem(atPath: pvd.root.appendingPathComponent("images/\(name).img").path)
        #expect((image[.size] as? NSNumber)?.int64Value == 256 << 20)
        #expect(try Self.events(pvd, reason: "VolumeResizeFailed").isEmpty)
        let required = try Self.events(pvd, reason: "FileSystemResizeRequired")
        #expect(required.count == 1)
        #expect(required.first?["type"] as? String == "Normal")
        #expect(required.first?["count"] as? Int ?? 1 == 1)
        let described = try pvd.ok(["describe", "pvc", "data"]).stdout
        #expect(described.contains("Conditions:") && described.contains("FileSystemResizePending"), "\(described)")

        try pvd.ok(["delete", "pod", "app"])
        let out = try Self.reconcile(pvd)
        #expect(out.contains("1 expanded"), "\(out)")
        let claim = try ExpansionTests.only(pvd, "pvc")
        #expect(claim.path("status.capacity.storage") as? String == "256Mi")
        #expect(claim.path("status.conditions") == nil)
        #expect(LoopExpansionTests.filesystemBytes(path) > before)
        #expect(try String(contentsOfFile: path + "/file", encoding: .utf8) == "kept")
        #expect(try Self.events(pvd, reason: "FileSystemResizeSuccessful").count == 1)
        #expect(!(try pvd.ok(["describe", "pvc", "data"]).stdout.contains("Conditions:")))
        try pvd.ok(["delete", "pvc", "data"])
        _ = try Self.reconcile(pvd)
    }
}
