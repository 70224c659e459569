import CLinux
import Foundation
import Testing

/// The orphan sweep through the real binary removes only provably half-provisioned leftovers:
/// a Retain volume whose PV an admin deleted keeps its data, and so does a backing a static PV
/// of another name points at; the mark that says "its PV was recorded" is set by provisioning
/// and restored by recovery.
@Suite(.enabled(if: geteuid() == 0, "needs root: trusted xattrs, loop devices and mounts"))
struct OrphanSafetyTests {
    /// A static PV of another name pointing at `path`, and a claim pre-bound to it.
    static func staticVolume(_ name: String, path: String) -> String {
        ProtectionTests.staticVolume(name, path: path) + ProvisioningTests.claim("\(name)-claim", cls: "", extra: "  volumeName: \(name)")
    }

    static let recorded = "trusted.pvd.recorded"

    static func isRecorded(_ path: String) -> Bool {
        var byte = [UInt8](repeating: 0, count: 8)
        return XAttr.on(path) { Int(pvd_fgetxattr($0, recorded, &byte, byte.count)) } >= 0
    }

    /// The run's summary reports no removal (it names recovery counts only when one is not 0).
    static func removedNone(_ stdout: String) -> Bool {
        !stdout.contains("orphans removed") || stdout.contains(", 0 orphans removed")
    }

    @Test func retainedAndReferredBackingsSurviveTheSweep() throws {
        let pvd = try PVDProcess()
        defer { OwnDevices.release(under: pvd.root.path); pvd.cleanup() }
        let root = pvd.root.path
        let fm = FileManager.default
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", RebootRecoveryTests.manifest)])
        try pvd.ok(["reconcile", "--once"])
        let reboot = RebootRecoveryTests()
        let fs = try reboot.volume(of: "fs", pvd), dir = try reboot.volume(of: "dir", pvd)
        for pv in [fs, dir] {
            try pvd.ok(["patch", "pv", pv, "-p", #"{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}"#])
        }
        let image = "\(root)/images/\(fs).img", directory = "\(root)/hostpath/\(dir)"
        #expect(Self.isRecorded(image) && Self.isRecorded(directory), "marked once the PV is recorded")
        // A crash between the PV's create and the mark: recovery marks every PV it owns.
        #expect(XAttr.on(directory) { Int(pvd_fremovexattr($0, Self.recorded)) } == 0)
        try pvd.ok(["reconcile", "--once", "--orphan-grace", "0s"])
        #expect(Self.isRecorded(directory))
        try "kept".write(toFile: "\(directory)/f", atomically: false, encoding: .utf8)
        try "kept".write(toFile: "\(root)/mounts/\(fs)/f", atomically: false, encoding: .utf8)

        // The admin's cleanup of Released Retain volumes: the PVs go, the data is meant to stay.
        try pvd.ok(["delete", "pvc", "fs", "dir"])
        try pvd.ok(["reconcile", "--once"])
        try pvd.ok(["delete", "pv", fs, dir])
        try pvd.ok(["reconcile", "--once"])
        let left = try pvd.items("pv").compactMap { $0.path("metadata.name") as? String }
        #expect(!left.contains(fs) && !left.contains(dir), "\(left)")
        let r = try pvd.ok(["reconcile", "--once", "--orphan-grace", "0s"])
        #expect(Self.removedNone(r.stdout), "\(r.stdout)")
        #expect(try String(contentsOfFile: "\(directory)/f", encoding: .utf8) == "kept")
        #expect(fm.fileExists(atPath: image))

        // Static PVs of other names reuse the retained directory, and one a driver made but
        // whose PV was never recorded (tagged, unmarked): both are kept while they point there.
        let adopted = "\(root)/hostpath/pvc-adopted"
        try fm.createDirectory(atPath: adopted, withIntermediateDirectories: false)
        #expect(XAttr.tag(adopted, as: "pvc-adopted") == 0)
        try pvd.ok(["apply", "-f", try pvd.write("s.yaml", Self.staticVolume("reused", path: directory) + Self.staticVolume("adopted", path: adopted))])
        let again = try pvd.ok(["reconcile", "--once", "--orphan-grace", "0s"])
        #expect(Self.removedNone(again.stdout), "\(again.stdout)")
        try pvd.ok(["reconcile", "--once", "--orphan-grace", "0s"])
        #expect(fm.fileExists(atPath: adopted) && fm.fileExists(atPath: "\(directory)/f"))
        #expect(try pvd.items("pvc").allSatisfy { $0.path("status.phase") as? String == "Bound" })

        // Once nothing points at it any more, the never-recorded one is a leftover after all.
        try pvd.ok(["delete", "pvc", "adopted-claim"])
        try pvd.ok(["reconcile", "--once"])
        try pvd.ok(["delete", "pv", "adopted"])
        try pvd.ok(["reconcile", "--once"])
        let last = try pvd.ok(["reconcile", "--once", "--orphan-grace", "0s"])
        #expect(last.stdout.contains(", 1 orphans removed"), "\(last.stdout)")
        #expect(!fm.fileExists(atPath: adopted))
        #expect(fm.fileExists(atPath: "\(directory)/f") && fm.fileExists(atPath: image))
    }
}

/// Extended attributes of a test's own files, through the descriptor calls pvd itself uses
/// (Swift's Glibc module has no sys/xattr.h).
enum XAttr {
    /// `body` on `path` opened read-only (not following a symlink); -errno when it cannot be opened.
    static func on(_ path: String, _ body: (Int32) -> Int) -> Int {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return -Int(errno) }
        defer { close(fd) }
        return body(fd)
    }

    /// Tags `path` as volume `name`'s, as the hostPath driver does when it makes the directory.
    static func tag(_ path: String, as name: String) -> Int {
        let bytes = Array(name.utf8)
        return on(path) { Int(pvd_fsetxattr($0, "trusted.pvd.volume", bytes, bytes.count)) }
    }
}
