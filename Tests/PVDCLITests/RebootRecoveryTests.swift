import Foundation
import Testing

/// `reconcile --once` after a simulated reboot (exactly this root's mounts unmounted and loop
/// devices detached): volumes come back with their data, a lost hostPath directory is reported
/// and not recreated, and leftovers go only after the grace period.
@Suite(.enabled(if: geteuid() == 0, "needs root: attaches loop devices and mounts filesystems"))
struct RebootRecoveryTests {
    static let manifest = """
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: loop}
        provisioner: pvd.io/loop
        parameters: {fsType: ext4}
        ---
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: hp}
        provisioner: pvd.io/hostpath
        ---
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: fs}
        spec: {storageClassName: loop, accessModes: [ReadWriteOnce], resources: {requests: {storage: 16Mi}}}
        ---
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: raw}
        spec: {storageClassName: loop, volumeMode: Block, accessModes: [ReadWriteOnce], resources: {requests: {storage: 4Mi}}}
        ---
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: dir}
        spec: {storageClassName: hp, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Mi}}}
        """

    func volume(of claim: String, _ pvd: PVDProcess) throws -> String {
        let c = try pvd.items("pvc").first { $0.path("metadata.name") as? String == claim }
        return try #require(c?.path("spec.volumeName") as? String)
    }

    @Test func volumesComeBackAfterARebootAndLostDirectoriesAreReported() throws {
        let pvd = try PVDProcess()
        defer { OwnDevices.release(under: pvd.root.path); pvd.cleanup() }
        let root = pvd.root.path
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.manifest)])
        try pvd.ok(["reconcile", "--once"])
        let fs = try volume(of: "fs", pvd), raw = try volume(of: "raw", pvd), dir = try volume(of: "dir", pvd)
        try "kept".write(toFile: "\(root)/mounts/\(fs)/f", atomically: false, encoding: .utf8)

        OwnDevices.release(under: root)
        #expect(OwnDevices.mounts(under: root).isEmpty && OwnDevices.loops(under: root).isEmpty)
        try FileManager.default.removeItem(atPath: "\(root)/hostpath/\(dir)")

        let r = try pvd.ok(["reconcile", "--once"])
        #expect(r.stdout.contains("2 recovered, 1 missing"), "\(r.stdout)")
        #expect(try String(contentsOfFile: "\(root)/mounts/\(fs)/f", encoding: .utf8) == "kept")
        #expect(OwnDevices.mounts(under: root).map(\.mountPoint) == ["\(root)/mounts/\(fs)"])
        #expect(OwnDevices.loops(under: root).count == 2)
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: "\(root)/devices/\(raw)")
        let backing = try String(contentsOfFile: "/sys/block/\((link as NSString).lastPathComponent)/loop/backing_file", encoding: .utf8)
        #expect(backing.hasPrefix("\(root)/images/\(raw).img"))
        #expect(!FileManager.default.fileExists(atPath: "\(root)/hostpath/\(dir)"), "never recreated empty")
        #expect(try pvd.ok(["describe", "pv", fs]).stdout.contains("VolumeRecovered"))
        let missing = try pvd.ok(["describe", "pv", dir]).stdout
        #expect(missing.contains("VolumeMissing") && missing.contains("Warning"), "\(missing)")

        // Nothing more to do the next time; the lost directory is still reported.
        let again = try pvd.ok(["reconcile", "--once"])
        #expect(again.stdout.contains("0 recovered, 1 missing"), "\(again.stdout)")
    }

    @Test func leftoversGoAfterTheGracePeriodOnly() async throws {
        let pvd = try PVDProcess()
        defer { OwnDevices.release(under: pvd.root.path); pvd.cleanup() }
        let root = pvd.root.path
        // A volume older than the store's record of this node (a store replaced or lost) is
        // never taken for a leftover. The store records times in whole seconds.
        try FileManager.default.createDirectory(atPath: "\(root)/images", withIntermediateDirectories: true)
        try Data(count: 1 << 20).write(to: URL(fileURLWithPath: "\(root)/images/pvc-older.img"))
        try await Task.sleep(for: .milliseconds(1100))
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.manifest)])
        try pvd.ok(["reconcile", "--once"])
        // A provisioning interrupted after its claim was deleted: an image and a directory no one wants.
        try Data(count: 1 << 20).write(to: URL(fileURLWithPath: "\(root)/images/pvc-leftover.img"))
        // The directory as the driver makes it: tagged with its volume, never marked recorded.
        try FileManager.default.createDirectory(atPath: "\(root)/hostpath/pvc-leftover2", withIntermediateDirectories: false)
        #expect(XAttr.tag("\(root)/hostpath/pvc-leftover2", as: "pvc-leftover2") == 0)

        let bad = try pvd.run(["reconcile", "--once", "--orphan-grace", "soon"])
        #expect(bad.status != 0 && bad.stderr.contains("--orphan-grace"))
        try pvd.ok(["reconcile", "--once"])  // default grace: both are too fresh
        #expect(FileManager.default.fileExists(atPath: "\(root)/images/pvc-leftover.img"))
        let r = try pvd.ok(["reconcile", "--once", "--orphan-grace", "0s"])
        #expect(r.stdout.contains("2 orphans removed"), "\(r.stdout)")
        #expect(!FileManager.default.fileExists(atPath: "\(root)/images/pvc-leftover.img"))
        #expect(!FileManager.default.fileExists(atPath: "\(root)/hostpath/pvc-leftover2"))
        #expect(FileManager.default.fileExists(atPath: "\(root)/images/pvc-older.img"))
        let node = try pvd.items("no").first?.path("metadata.name") as? String ?? ""
        #expect(try pvd.ok(["describe", "node", node]).stdout.contains("OrphanedVolumeRemoved"))
        // The claims' volumes were never candidates.
        #expect(try pvd.items("pvc").allSatisfy { $0.path("status.phase") as? String == "Bound" })
        #expect(OwnDevices.mounts(under: root).count == 1)
    }
}
