import Foundation
import PVDDrivers
import PVDModel
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Volume expansion through the real binary: a bigger request re-applied (or patched) on a Bound
/// claim of a class that allows it, `reconcile --once`, and the new size on both objects; the
/// refusals Kubernetes makes, each leaving the store as it was.
struct ExpansionTests {
    static func hostPathClass(allow: Bool?, binding: String = "Immediate") -> String {
        """
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: local}
        provisioner: pvd.io/hostpath
        volumeBindingMode: \(binding)
        \(allow.map { "allowVolumeExpansion: \($0)" } ?? "")
        ---

        """
    }

    static func claim(_ size: String, cls: String = "local") -> String {
        """
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: data}
        spec:
          storageClassName: \(cls)
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: \(size)}}

        """
    }

    static func only(_ pvd: PVDProcess, _ kind: String) throws -> [String: Any] {
        let items = try pvd.items(kind)
        #expect(items.count == 1, "\(kind): \(items.count) objects")
        return try #require(items.first)
    }

    @Test func growingABoundHostPathClaim() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.hostPathClass(allow: true) + "---\n" + Self.claim("1Gi"))])
        try pvd.ok(["reconcile", "--once"])
        #expect(try Self.only(pvd, "pvc").path("status.capacity.storage") as? String == "1Gi")

        let applied = try pvd.ok(["apply", "-f", try pvd.write("grown.yaml", Self.claim("3Gi"))])
        #expect(applied.stdout.contains("persistentvolumeclaim/data configured"), "\(applied.stdout)")
        // Nothing grows until the controller runs: the request is ahead of the capacity.
        #expect(try Self.only(pvd, "pvc").path("status.capacity.storage") as? String == "1Gi")
        let r = try pvd.ok(["reconcile", "--once"])
        #expect(r.stdout.contains("1 expanded, 0 expansions failed"), "\(r.stdout)")
        #expect(try Self.only(pvd, "pv").path("spec.capacity.storage") as? String == "3Gi")
        #expect(try Self.only(pvd, "pvc").path("status.capacity.storage") as? String == "3Gi")
        let table = try pvd.ok(["get", "pvc"]).stdout
        #expect(table.contains("Bound") && table.contains("3Gi"), "\(table)")
        #expect(try pvd.ok(["get", "pv"]).stdout.contains("3Gi"))
        let described = try pvd.ok(["describe", "pvc", "data"]).stdout
        #expect(described.contains("Resizing") && described.contains("VolumeResizeSuccessful"), "\(described)")

        // kubectl patch works the same way; a second run has nothing left to do.
        try pvd.ok(["patch", "pvc", "data", "-p", #"{"spec":{"resources":{"requests":{"storage":"4Gi"}}}}"#])
        try pvd.ok(["reconcile", "--once"])
        #expect(try Self.only(pvd, "pvc").path("status.capacity.storage") as? String == "4Gi")
        #expect(try Self.only(pvd, "pv").path("spec.capacity.storage") as? String == "4Gi")
        #expect(!(try pvd.ok(["reconcile", "--once"]).stdout.contains("expanded")))
    }

    @Test func aFailedExpansionLeavesTheClaimAndIsRetried() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.hostPathClass(allow: true) + "---\n" + Self.claim("1Gi"))])
        try pvd.ok(["reconcile", "--once"])
        let path = try #require(try Self.only(pvd, "pv").path("spec.hostPath.path") as? String)
        let aside = path + ".aside"
        try FileManager.default.moveItem(atPath: path, toPath: aside)
        try pvd.ok(["apply", "-f", try pvd.write("grown.yaml", Self.claim("2Gi"))])
        let failed = try pvd.ok(["reconcile", "--once"])
        #expect(failed.stdout.contains("0 expanded, 1 expansion failed"), "\(failed.stdout)")
        let claim = try Self.only(pvd, "pvc")
        #expect(claim.path("status.capacity.storage") as? String == "1Gi")
        #expect(claim.path("spec.resources.requests.storage") as? String == "2Gi")
        #expect(try Self.only(pvd, "pv").path("spec.capacity.storage") as? String == "1Gi")
        let described = try pvd.ok(["describe", "pvc", "data"]).stdout
        #expect(described.contains("VolumeResizeFailed") && described.contains("is not under"), "\(described)")

        try FileManager.default.moveItem(atPath: aside, toPath: path)
        let retried = try pvd.ok(["reconcile", "--once"])
        #expect(retried.stdout.contains("1 expanded"), "\(retried.stdout)")
        #expect(try Self.only(pvd, "pvc").path("status.capacity.storage") as? String == "2Gi")
    }

    struct Refusal: CustomTestStringConvertible, Sendable {
        var name: String
        var allow: Bool?
        var binding = "Immediate"
        var size: String
        var message: String
        var testDescription: String { name }
    }

    static let refusals: [Refusal] = [
        Refusal(name: "shrinking below status.capacity", allow: true, size: "1Gi",
                message: "pvc default/data: spec.resources.requests.storage: Forbidden: field can not be less than status.capacity"),
        Refusal(name: "a class without allowVolumeExpansion", allow: nil, size: "4Gi",
                message: "pvc default/data: spec.resources.requests.storage: Forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize"),
        Refusal(name: "a class with allowVolumeExpansion: false", allow: false, size: "4Gi",
                message: "pvc default/data: spec.resources.requests.storage: Forbidden: only dynamically provisioned pvc can be resized"),
        Refusal(name: "an unbound claim", allow: true, binding: "WaitForFirstConsumer", size: "4Gi",
                message: "pvc default/data: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"),
    ]

    @Test(arguments: refusals)
    func refusedWithoutChangingTheStore(_ c: Refusal) throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.hostPathClass(allow: c.allow, binding: c.binding) + "---\n" + Self.claim("2Gi"))])
        try pvd.ok(["reconcile", "--once"])
        let phase = try Self.only(pvd, "pvc").path("status.phase") as? String
        #expect(phase == (c.binding == "Immediate" ? "Bound" : "Pending"))
        let before = try #require(pvd.storeBytes())

        let r = try pvd.run(["apply", "-f", try pvd.write("changed.yaml", Self.claim(c.size))])
        #expect(r.status != 0)
        #expect(r.stderr.contains(c.message), "\(r.stderr)")
        #expect(r.stderr.contains("changed.yaml"), "\(r.stderr)")
        #expect(pvd.storeBytes() == before, "the store changed")

        let patch = #"{"spec":{"resources":{"requests":{"storage":"\#(c.size)"}}}}"#
        let p = try pvd.run(["patch", "pvc", "data", "-p", patch])
        #expect(p.status != 0)
        #expect(p.stderr.contains(c.message), "\(p.stderr)")
        #expect(pvd.storeBytes() == before, "the store changed")
    }

    @Test func takingBackAFailedExpansionAboveTheCapacityIsAllowed() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.hostPathClass(allow: true) + "---\n" + Self.claim("1Gi"))])
        try pvd.ok(["reconcile", "--once"])
        try pvd.ok(["apply", "-f", try pvd.write("big.yaml", Self.claim("100Ti"))])
        // Lowered again before any controller ran, still above status.capacity (1Gi): Kubernetes'
        // RecoverVolumeExpansionFailure rule allows it.
        try pvd.ok(["apply", "-f", try pvd.write("less.yaml", Self.claim("2Gi"))])
        try pvd.ok(["reconcile", "--once"])
        #expect(try Self.only(pvd, "pvc").path("status.capacity.storage") as? String == "2Gi")
    }
}

/// The same through a loop volume as root: the image, the device and the filesystem grow, and
/// the data on it stays.
@Suite(.enabled(if: geteuid() == 0, "needs root: attaches loop devices and mounts filesystems"))
struct LoopExpansionTests {
    static func loopClass(_ fs: String) -> String {
        """
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: loop}
        provisioner: pvd.io/loop
        allowVolumeExpansion: true
        parameters: {fsType: \(fs)}
        ---

        """
    }

    static func filesystemBytes(_ path: String) -> Int64 {
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return -1 }
        return Int64(s.f_blocks) * Int64(s.f_frsize)
    }

    @Test(arguments: ["ext4", "xfs"])
    func growingABoundLoopClaim(_ fs: String) throws {
        try #require(LoopProvisioningTests.fsAvailable(fs), "mkfs.\(fs) is not installed")
        let pvd = try PVDProcess()
        defer { OwnDevices.release(under: pvd.root.path); pvd.cleanup() }
        let (first, grown) = fs == "xfs" ? ("300Mi", "400Mi") : ("128Mi", "256Mi")
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.loopClass(fs) + ExpansionTests.claim(first, cls: "loop"))])
        try pvd.ok(["reconcile", "--once"])
        let path = try #require(try ExpansionTests.only(pvd, "pv").path("spec.local.path") as? String)
        try Data("kept".utf8).write(to: URL(fileURLWithPath: path + "/file"))
        let before = Self.filesystemBytes(path)

        try pvd.ok(["apply", "-f", try pvd.write("grown.yaml", ExpansionTests.claim(grown, cls: "loop"))])
        let r = try pvd.ok(["reconcile", "--once"])
        #expect(r.stdout.contains("1 expanded"), "\(r.stdout) \(r.stderr)")
        #expect(try ExpansionTests.only(pvd, "pv").path("spec.capacity.storage") as? String == grown)
        #expect(try ExpansionTests.only(pvd, "pvc").path("status.capacity.storage") as? String == grown)
        #expect(Self.filesystemBytes(path) > before)
        #expect(try String(contentsOfFile: path + "/file", encoding: .utf8) == "kept")
        let described = try pvd.ok(["describe", "pvc", "data"]).stdout
        #expect(described.contains("FileSystemResizeSuccessful"), "\(described)")
        try pvd.ok(["delete", "pvc", "data"])
        try pvd.ok(["reconcile", "--once"])
        #expect(OwnDevices.loops(under: pvd.root.path).isEmpty)
    }

    /// A run killed after the driver grew the volume but before either object was written: the
    /// next run finds the work done (the driver call is a no-op) and records the new size.
    @Test func anExpansionInterruptedAfterTheDriverIsFinishedByTheNextRun() async throws {
        let pvd = try PVDProcess()
        defer { OwnDevices.release(under: pvd.root.path); pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.loopClass("ext4") + ExpansionTests.claim("128Mi", cls: "loop"))])
        try pvd.ok(["reconcile", "--once"])
        let pv = try ExpansionTests.only(pvd, "pv")
        let name = try #require(pv.path("metadata.name") as? String)
        let path = try #require(pv.path("spec.local.path") as? String)
        try pvd.ok(["apply", "-f", try pvd.write("grown.yaml", ExpansionTests.claim("256Mi", cls: "loop"))])
        // The driver's part, as the killed run did it.
        let driver = try #require(try StandardDrivers.make(root: pvd.root.path).first { $0.provisionerName == "pvd.io/loop" })
        #expect(try await driver.expand(name: name, parameters: ["fsType": "ext4"], volumeMode: .filesystem, newCapacityBytes: 256 << 20) == 256 << 20)
        let grownBytes = Self.filesystemBytes(path)
        #expect(try ExpansionTests.only(pvd, "pvc").path("status.capacity.storage") as? String == "128Mi")

        let r = try pvd.ok(["reconcile", "--once"])
        #expect(r.stdout.contains("1 expanded"), "\(r.stdout) \(r.stderr)")
        #expect(try ExpansionTests.only(pvd, "pv").path("spec.capacity.storage") as? String == "256Mi")
        #expect(try ExpansionTests.only(pvd, "pvc").path("status.capacity.storage") as? String == "256Mi")
        #expect(Self.filesystemBytes(path) == grownBytes)
        #expect(OwnDevices.loops(under: pvd.root.path).count == 1)
        try pvd.ok(["delete", "pvc", "data"])
        try pvd.ok(["reconcile", "--once"])
    }
}
