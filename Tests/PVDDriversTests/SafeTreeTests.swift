import Foundation
import PVDDrivers
import Testing
#if canImport(Glibc)
import Glibc
#endif

struct SafeTreeTests {
    @Test(arguments: [
        ("/a/b/../c", DriverError.Code.invalid),
        ("relative/path", .invalid),
        ("/etc/passwd", .refused),
        ("/srv/pvdx/vol", .refused),
    ])
    func refusesPathsOutsideRootsLexically(path: String, code: DriverError.Code) throws {
        let tree = try SafeTree(roots: ["/srv/pvd", "/data"])
        #expect(throws: DriverError.self) { try tree.locate(path) }
        do {
            _ = try tree.locate(path)
        } catch {
            #expect(error.code == code)
        }
    }

    @Test func normalisesAndPicksTheLongestRoot() throws {
        let tree = try SafeTree(roots: ["/srv/pvd", "/srv/pvd/fast/"])
        let found = try tree.locate("/srv//pvd/./fast/hostpath/pvc-1")
        #expect(found.root == "/srv/pvd/fast")
        #expect(found.below == ["hostpath", "pvc-1"])
    }

    @Test(.enabled(if: geteuid() == 0, "makes and removes trees under /tmp as root"))
    func removeUnlinksSymlinksNeverTheirTargets() throws {
        let scratch = try Scratch()
        let root = scratch.path + "/root"
        let outside = scratch.path + "/outside"
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/base/vol/sub/deeper", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: outside + "/keep"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/base/vol/sub/deeper/file"))
        try fm.createSymbolicLink(atPath: root + "/base/vol/link-dir", withDestinationPath: outside)
        try fm.createSymbolicLink(atPath: root + "/base/vol/sub/link-file", withDestinationPath: outside + "/keep")
        // A name that is not UTF-8 must be removed by its exact bytes.
        let rawName: [CChar] = Array("\(root)/base/vol/sub/odd-".utf8CString.dropLast()) + [CChar(bitPattern: 0xFF), 0]
        let fd = open(rawName, O_CREAT | O_WRONLY, 0o644)
        #expect(fd >= 0)
        _ = close(fd)

        let tree = try SafeTree(roots: [root])
        try tree.remove(root + "/base/vol", below: root + "/base")
        #expect(!fm.fileExists(atPath: root + "/base/vol"))
        #expect(fm.fileExists(atPath: root + "/base"))
        #expect(fm.fileExists(atPath: outside + "/keep"))
        // Gone already: still success.
        try tree.remove(root + "/base/vol", below: root + "/base")
    }

    @Test(.enabled(if: geteuid() == 0, "mounts a tmpfs of its own"))
    func removeStopsAtAMountPoint() throws {
        let scratch = try Scratch()
        let root = scratch.path + "/root"
        let inner = root + "/base/vol/mounted"
        let fm = FileManager.default
        try fm.createDirectory(atPath: inner, withIntermediateDirectories: true)
        try Data("y".utf8).write(to: URL(fileURLWithPath: root + "/base/vol/plain"))
        try run("/usr/bin/mount", "-t", "tmpfs", "-o", "size=1m", "pvd-test", inner)
        defer { _ = try? run("/usr/bin/umount", inner) }
        try Data("precious".utf8).write(to: URL(fileURLWithPath: inner + "/precious"))

        let tree = try SafeTree(roots: [root])
        do {
            try tree.remove(root + "/base/vol", below: root + "/base")
            Issue.record("removing across a mount point succeeded")
        } catch {
            #expect(error.code == .refused)
            #expect(error.message.contains(inner))
        }
        #expect(fm.fileExists(atPath: inner + "/precious"))
        #expect(!fm.fileExists(atPath: root + "/base/vol/plain"))

        // The volume directory itself being a mount point is refused before anything is removed.
        do {
            try tree.remove(inner, below: root + "/base/vol")
            Issue.record("removing a mount point succeeded")
        } catch {
            #expect(error.code == .refused)
        }
        #expect(fm.fileExists(atPath: inner + "/precious"))
    }

    @Test(.enabled(if: geteuid() == 0, "makes trees under /tmp"))
    func scrubKeepsTheDirectory() throws {
        let scratch = try Scratch()
        let root = scratch.path
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/base/vol/a/b", withIntermediateDirectories: true)
        try Data("z".utf8).write(to: URL(fileURLWithPath: root + "/base/vol/a/b/f"))
        let tree = try SafeTree(roots: [root])
        try tree.scrub(root + "/base/vol", below: root + "/base")
        #expect(try fm.contentsOfDirectory(atPath: root + "/base/vol").isEmpty)
    }

    @Test(.enabled(if: geteuid() == 0, "makes trees under /tmp"))
    func refusesASymlinkOnTheWay() throws {
        let scratch = try Scratch()
        let root = scratch.path + "/root"
        let fm = FileManager.default
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: scratch.path + "/elsewhere/vol", withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: root + "/base", withDestinationPath: scratch.path + "/elsewhere")
        let tree = try SafeTree(roots: [root])
        #expect(throws: DriverError.self) { try tree.remove(root + "/base/vol", below: root + "/base") }
        #expect(fm.fileExists(atPath: scratch.path + "/elsewhere/vol"))
        // The anchor itself is never removed.
        #expect(throws: DriverError.self) { try tree.remove(root, below: root) }
    }
}

extension SafeTreeTests {
    @Test(.enabled(if: geteuid() == 0, "makes trees under /tmp"))
    func removesADeepTreeWithoutRecursion() throws {
        let scratch = try Scratch()
        var path = scratch.path + "/base/vol"
        for level in 0..<300 { path += "/d\(level % 10)" }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Data("leaf".utf8).write(to: URL(fileURLWithPath: path + "/leaf"))
        let tree = try SafeTree(roots: [scratch.path])
        try tree.remove(scratch.path + "/base/vol", below: scratch.path + "/base")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/base/vol"))
    }
}

struct MountTableTests {
    @Test func parsesAMountinfoLineWithEscapesAndOptionalFields() throws {
        let line: Substring = "36 35 7:3 / /srv/my\\040disk rw,noatime master:1 shared:2 - xfs /dev/loop3 rw,attr2,inode64,prjquota"
        let entry = try #require(PVDDrivers.MountTable.parse(line))
        #expect(entry.id == 36)
        #expect(entry.mountPoint == "/srv/my disk")
        #expect(entry.fsType == "xfs")
        #expect(entry.source == "/dev/loop3")
        #expect(entry.options.contains("prjquota"))
        #expect(entry.options.contains("noatime"))
    }
}
