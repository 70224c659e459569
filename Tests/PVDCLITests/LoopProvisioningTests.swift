import Foundation
import PVDDrivers
import Testing

/// Loop-device volumes end to end, as root: real images, real loop devices, real mkfs and mounts.
/// Each test works under its own temporary root and, whatever happens, unmounts and detaches
/// exactly what lives under that root.
@Suite(.enabled(if: geteuid() == 0, "needs root: attaches loop devices and mounts filesystems"))
struct LoopProvisioningTests {
    static func loopClass(_ fs: String, reclaim: String = "Delete", extra: String = "") -> String {
        """
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: loop}
        provisioner: pvd.io/loop
        reclaimPolicy: \(reclaim)
        parameters: {fsType: \(fs)\(extra)}
        ---

        """
    }

    static func claim(_ name: String, size: String = "128Mi", extra: String = "") -> String {
        """
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: \(name)}
        spec:
          storageClassName: loop
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: \(size)}}
        \(extra)
        ---

        """
    }

    static func fsAvailable(_ fs: String) -> Bool {
        ["/sbin", "/usr/sbin", "/usr/bin", "/bin"].contains { FileManager.default.isExecutableFile(atPath: "\($0)/mkfs.\(fs)") }
    }

    @Test(arguments: ["ext4", "xfs", "btrfs"])
    func lifecycle(_ fs: String) throws {
        try #require(Self.fsAvailable(fs), "mkfs.\(fs) is not installed")
        let pvd = try PVDProcess()
        defer { OwnDevices.release(under: pvd.root.path); pvd.cleanup() }
        // xfs needs at least 300 MiB; the driver raises smaller requests to what mkfs accepts.
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.loopClass(fs) + Self.claim("data"))])
        let r = try pvd.ok(["reconcile", "--once"])
        #expect(r.stdout.contains("1 provisioned"), "\(r.stdout) \(r.stderr)")
        let pv = try #require(try pvd.items("pv").first)
        let path = try #require(pv.path("spec.local.path") as? String)
        #expect(pv.path("spec.local.fsType") as? String == fs)
        let mount = OwnDevices.mounts(under: pvd.root.path).first { $0.mountPoint == path }
        #expect(mount?.fsType == fs, "\(path) should be a \(fs) mount")
        #expect(mount?.source.hasPrefix("/dev/loop") == true)
        try Data("data".utf8).write(to: URL(fileURLWithPath: path + "/file"))
        #expect(OwnDevices.loops(under: pvd.root.path).count == 1)

        try pvd.ok(["delete", "pvc", "data"])
        let d = try pvd.ok(["reconcile", "--once"])
        #expect(d.stdout.contains("1 deleted"), "\(d.stdout)")
        #expect(OwnDevices.mounts(under: pvd.root.path).isEmpty)
        #expect(OwnDevices.loops(under: pvd.root.path).isEmpty)
        let images = (try? FileManager.default.contentsOfDirectory(atPath: pvd.root.appendingPathComponent("images").path)) ?? []
        #expect(images.isEmpty, "\(images)")
        #expect(try pvd.items("pv").isEmpty)
    }

    @Test func dataSurvivesRebindingUnderRetain() throws {
        let pvd = try PVDProcess()
        defer { OwnDevices.release(under: pvd.root.path); pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.loopClass("ext4", reclaim: "Retain") + Self.claim("first"))])
        try pvd.ok(["reconcile", "--once"])
        let pv = try #require(try pvd.items("pv").first)
        let name = try #require(pv.path("metadata.name") as? String)
        let path = try #require(pv.path("spec.local.path") as? String)
        try Data("precious".utf8).write(to: URL(fileURLWithPath: path + "/file"))
        try pvd.ok(["delete", "pvc", "first"])
        try pvd.ok(["reconcile", "--once"])
        #expect(try pvd.items("pv").first?.path("status.phase") as? String == "Released")
        try pvd.ok(["patch", "pv", name, "-p", #"{"spec":{"claimRef":null}}"#])
        try pvd.ok(["apply", "-f", try pvd.write("second.yaml", Self.claim("second", extra: "  volumeName: \(name)"))])
        try pvd.ok(["reconcile", "--once"])
        let c = try pvd.items("pvc").first { $0.path("metadata.name") as? String == "second" }
        #expect(c?.path("status.phase") as? String == "Bound")
        #expect(try String(contentsOfFile: path + "/file", encoding: .utf8) == "precious")
    }

    @Test func blockVolumesGetTheDevice() throws {
        let pvd = try PVDProcess()
        defer { OwnDevices.release(under: pvd.root.path); pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.loopClass("ext4") + Self.claim("raw", size: "64Mi", extra: "  volumeMode: Block"))])
        try pvd.ok(["reconcile", "--once"])
        let pv = try #require(try pvd.items("pv").first)
        #expect(pv.path("spec.volumeMode") as? String == "Block")
        let path = try #require(pv.path("spec.local.path") as? String)
        let target = try FileManager.default.destinationOfSymbolicLink(atPath: path)
        #expect(target.hasPrefix("/dev/loop"))
        let fd = open(path, O_RDONLY)
        #expect(fd >= 0)
        let size = lseek(fd, 0, SEEK_END)
        close(fd)
        #expect(size == 64 << 20)
        #expect(OwnDevices.mounts(under: pvd.root.path).isEmpty, "a Block volume is not mounted")
        try pvd.ok(["delete", "pvc", "raw"])
        try pvd.ok(["reconcile", "--once"])
        #expect(OwnDevices.loops(under: pvd.root.path).isEmpty)
    }

    @Test(arguments: [
        ("unknown fsType", loopClass("ntfs") + claim("data"), "fsType"),
        ("too big for the disk", loopClass("ext4") + claim("data", size: "1Ei"), "space"),
        ("relative imageDir", loopClass("ext4", extra: ", imageDir: images") + claim("data"), "imageDir"),
    ])
    func refusedWithAReason(_ name: String, _ manifests: String, _ mentions: String) throws {
        let pvd = try PVDProcess()
        defer { OwnDevices.release(under: pvd.root.path); pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", manifests)])
        let r = try pvd.ok(["reconcile", "--once"])
        #expect(r.stdout.contains("1 failed"), "\(name): \(r.stdout)")
        let d = try pvd.ok(["describe", "pvc", "data"]).stdout
        #expect(d.contains("ProvisioningFailed"))
        #expect(d.contains(mentions), "\(name): \(d)")
        #expect(try pvd.items("pv").isEmpty)
        #expect(OwnDevices.loops(under: pvd.root.path).isEmpty)
        let images = (try? FileManager.default.contentsOfDirectory(atPath: pvd.root.appendingPathComponent("images").path)) ?? []
        #expect(images.isEmpty, "\(images)")
    }
}

/// The mounts and loop devices that belong to one test root, found by path, so a test can check
/// them and release exactly them even when it fails.
enum OwnDevices {
    /// The mounts whose mount point lies under `root`, as the kernel lists them.
    static func mounts(under root: String) -> [MountInfoEntry] {
        ((try? MountTable.entries()) ?? []).filter { $0.mountPoint.hasPrefix(root) }
    }

    /// Loop devices ("loop3") whose backing file lies under `root`.
    static func loops(under root: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/block")) ?? []
        return names.filter { $0.hasPrefix("loop") }.filter {
            let backing = (try? String(contentsOfFile: "/sys/block/\($0)/loop/backing_file", encoding: .utf8)) ?? ""
            return backing.hasPrefix(root)
        }
    }

    /// Unmounts (deepest first) and detaches what lives under `root`, by name.
    static func release(under root: String) {
        for m in mounts(under: root).sorted(by: { $0.mountPoint.count > $1.mountPoint.count }) { run("/bin/umount", [m.mountPoint]) }
        for l in loops(under: root) { run("/sbin/losetup", ["-d", "/dev/\(l)"]) }
    }

    private static func run(_ path: String, _ args: [String]) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try? p.run()
        p.waitUntilExit()
    }
}
