#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import PVDDrivers

/// Pod publishing on the real kernel, as root: bind mounts (read-write and read-only) of
/// directories and device nodes, unpublishing by exact path, and never following a symlink under `<root>/pods`. Each
/// test works in its own temp dir and unmounts what it made there, whatever happens.
@Suite(.enabled(if: geteuid() == 0, "needs root: bind mounts and device nodes"))
struct PodVolumeTreeTests {
    /// A temp root with a volume directory `vol` holding `hello`, and the tree over it.
    private func withTree(_ body: (_ root: String, _ tree: PodVolumeTree) throws -> Void) throws {
        let root = try MountFixture.makeTempDir()
        defer {
            for m in mounts(under: root).sorted(by: { $0.mountPoint.count > $1.mountPoint.count }) {
                // A lazy detach only if a plain unmount failed: the directory must go either way.
                if umount2(m.mountPoint, Int32(UMOUNT_NOFOLLOW)) != 0 { _ = umount2(m.mountPoint, Int32(UMOUNT_NOFOLLOW | MNT_DETACH)) }
            }
            MountFixture.removeTempDir(root)
        }
        #expect(mkdir(root + "/vol", 0o755) == 0)
        try write("hello", to: root + "/vol/hello")
        try body(root, try PodVolumeTree(root: root))
    }

    private func mounts(under root: String) -> [MountInfoEntry] {
        ((try? MountTable.entries()) ?? []).filter { $0.mountPoint.hasPrefix(root + "/") }
    }

    private func write(_ text: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DriverError.system("open", path, errno: errno) }
        defer { close(fd) }
        guard Glibc.write(fd, text, text.utf8.count) == text.utf8.count else { throw DriverError.system("write", path, errno: errno) }
    }

    /// Unpublishes, retrying EBUSY for up to two seconds. Other suites fork children in
    /// parallel, and a child holds a copy of every descriptor (ours included) from fork until
    /// its exec closes the O_CLOEXEC ones, so the mount can stay busy a moment after `close`.
    private func unpublishOnceFree(_ tree: PodVolumeTree, podUID: String) throws {
        for _ in 0..<40 {
            do {
                return try tree.unpublish(podUID: podUID)
            } catch {
                guard error.code == .busy else { throw error }
                usleep(50_000)
            }
        }
        try tree.unpublish(podUID: podUID)
    }

    private func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    @Test func oneBusyMountDoesNotKeepThePodsOtherMounts() throws {
        try withTree { root, tree in
            #expect(mkdir(root + "/vol2", 0o755) == 0)
            // The busy one newest, so it is tried first.
            for (claim, source) in [("free", root + "/vol2"), ("busy", root + "/vol")] {
                #expect(try tree.publishDirectory(podUID: "u9", claim: claim, source: source, readOnly: false, sourceMustBeMounted: false) == .published)
            }
            // An open file keeps its mount busy: umount2 without MNT_DETACH answers EBUSY.
            let held = open(tree.path(podUID: "u9", claim: "busy") + "/hello", O_RDONLY | O_CLOEXEC)
            #expect(held >= 0)
            #expect(throws: DriverError.self) { try tree.unpublish(podUID: "u9") }
            let left = mounts(under: root).map(\.mountPoint)
            #expect(left == [tree.path(podUID: "u9", claim: "busy")], "the free mount went in the same run: \(left)")
            close(held)
            try unpublishOnceFree(tree, podUID: "u9")
            #expect(mounts(under: root).isEmpty && !exists(root + "/pods/u9"))
        }
    }

    @Test func bindMountIsIdempotentAndUnpublishRemovesIt() throws {
        try withTree { root, tree in
            let target = tree.path(podUID: "u1", claim: "data")
            #expect(try tree.publishDirectory(podUID: "u1", claim: "data", source: root + "/vol", readOnly: false, sourceMustBeMounted: false) == .published)
            #expect(exists(target + "/hello"))
            try write("through the pod", to: target + "/new")
            #expect(exists(root + "/vol/new"), "a write through the pod path lands in the volume")
            #expect(try tree.publishDirectory(podUID: "u1", claim: "data", source: root + "/vol", readOnly: false, sourceMustBeMounted: false) == .unchanged)
            #expect(mounts(under: root).filter { $0.mountPoint == target }.count == 1)
            #expect(try tree.published() == ["u1": ["data"]])

            try tree.unpublish(podUID: "u1")
            #expect(mounts(under: root).isEmpty)
            #expect(!exists(root + "/pods/u1"))
            #expect(exists(root + "/vol/new"), "the data stays in the volume")
            try tree.unpublish(podUID: "u1")
        }
    }

    @Test func readOnlyBindRefusesWritesAndCanBeRemounted() throws {
        try withTree { root, tree in
            let target = tree.path(podUID: "u1", claim: "data")
            #expect(try tree.publishDirectory(podUID: "u1", claim: "data", source: root + "/vol", readOnly: true, sourceMustBeMounted: false) == .published)
            let fd = open(target + "/x", O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
            let e = errno
            if fd >= 0 { close(fd) }
            #expect(fd < 0 && e == EROFS, "open for writing: fd \(fd), errno \(e)")
            #expect(mounts(under: root).first { $0.mountPoint == target }?.options.first == "ro")
            // Asking for read-write now remounts the same bind.
            #expect(try tree.publishDirectory(podUID: "u1", claim: "data", source: root + "/vol", readOnly: false, sourceMustBeMounted: false) == .remounted)
            try write("ok", to: target + "/x")
            #expect(mounts(under: root).filter { $0.mountPoint == target }.count == 1)
            // The source itself was never made read-only.
            try write("ok", to: root + "/vol/y")
        }
    }

    @Test func anUnmountedSourceIsNotPublished() throws {
        try withTree { root, tree in
            let error = #expect(throws: DriverError.self) {
                try tree.publishDirectory(podUID: "u1", claim: "data", source: root + "/vol", readOnly: false, sourceMustBeMounted: true)
            }
            #expect(error?.code == .notFound)
            #expect(mounts(under: root).isEmpty)
        }
    }

    @Test func symlinksUnderPodsAreNeverFollowed() throws {
        try withTree { root, tree in
            #expect(mkdir(root + "/outside", 0o755) == 0)
            try write("keep", to: root + "/outside/keep")
            #expect(mkdir(root + "/pods", 0o755) == 0)
            // A pod "directory" that is a symlink to elsewhere: unpublishing removes the link only.
            #expect(symlink(root + "/outside", root + "/pods/evil") == 0)
            #expect(try tree.podUIDs() == ["evil"])
            try tree.unpublish(podUID: "evil")
            #expect(!exists(root + "/pods/evil"))
            #expect(exists(root + "/outside/keep"))
            // A pod whose volumes/ is a symlink: publishing refuses rather than mounting elsewhere.
            #expect(mkdir(root + "/pods/u2", 0o755) == 0)
            #expect(symlink(root + "/outside", root + "/pods/u2/volumes") == 0)
            let error = #expect(throws: DriverError.self) {
                try tree.publishDirectory(podUID: "u2", claim: "data", source: root + "/vol", readOnly: false, sourceMustBeMounted: false)
            }
            #expect(error?.code == .refused)
            #expect(mounts(under: root).isEmpty)
            #expect(!exists(root + "/outside/data"))
            try tree.unpublish(podUID: "u2")
            #expect(!exists(root + "/pods/u2"))
            #expect(exists(root + "/outside/keep"))
            // Names that would leave the pod directory are refused before any syscall.
            #expect(throws: DriverError.self) { try tree.unpublish(podUID: "..") }
            #expect(throws: DriverError.self) { try tree.unpublish(podUID: "a/b") }
        }
    }

    @Test func aPodsDirectoryThatIsASymlinkIsRefused() throws {
        try withTree { root, tree in
            #expect(mkdir(root + "/outside", 0o755) == 0)
            #expect(symlink(root + "/outside", root + "/pods") == 0)
            let error = #expect(throws: DriverError.self) {
                try tree.publishDirectory(podUID: "u1", claim: "data", source: root + "/vol", readOnly: false, sourceMustBeMounted: false)
            }
            #expect(error?.code == .refused)
            #expect(throws: DriverError.self) { try tree.podUIDs() }
            #expect(!exists(root + "/outside/u1"))
            #expect(mounts(under: root).isEmpty)
        }
    }

    /// The device node a Block volume's pod entry shows, or nil when the entry is no such node.
    private func shownDevice(_ path: String) -> dev_t? {
        var node = stat()
        guard lstat(path, &node) == 0, node.st_mode & S_IFMT == S_IFBLK else { return nil }
        return node.st_rdev
    }

    private func rdev(_ device: String) -> dev_t {
        var real = stat()
        return stat(device, &real) == 0 ? real.st_rdev : 0
    }

    @Test func blockVolumesAreBindsOfTheDeviceNode() throws {
        try withTree { root, tree in
            let device = try MountFixture.attach(try MountFixture.makeImage(root + "/block.img", size: 8 << 20))
            defer { MountFixture.detach(device) }
            // The loop driver hands out a link to the device; publish goes through it.
            #expect(symlink(device, root + "/dev-link") == 0)
            #expect(try tree.publishDevice(podUID: "u1", claim: "raw", source: root + "/dev-link", readOnly: false) == .published)
            let target = tree.path(podUID: "u1", claim: "raw")
            let mount = try #require(mounts(under: root).first { $0.mountPoint == target }, "\(target) should be a bind mount")
            #expect(!mount.options.contains { $0.hasPrefix("shared:") || $0.hasPrefix("master:") }, "the bind is private: \(mount.options)")
            #expect(shownDevice(target) == rdev(device))
            #expect(try tree.publishDevice(podUID: "u1", claim: "raw", source: root + "/dev-link", readOnly: false) == .unchanged)
            #expect(try tree.publishDevice(podUID: "u1", claim: "raw", source: root + "/dev-link", readOnly: true) == .remounted)
            #expect(mounts(under: root).first { $0.mountPoint == target }?.options.first == "ro")
            #expect(try tree.published() == ["u1": ["raw"]])
            try tree.unpublish(podUID: "u1")
            #expect(mounts(under: root).isEmpty)
            #expect(!exists(root + "/pods/u1"))
        }
    }

    @Test func aBlockEntryLeftByARebootIsBoundToTheDeviceItNamesNow() throws {
        try withTree { root, tree in
            let first = try MountFixture.attach(try MountFixture.makeImage(root + "/a.img", size: 8 << 20))
            defer { MountFixture.detach(first) }
            let second = try MountFixture.attach(try MountFixture.makeImage(root + "/b.img", size: 8 << 20))
            defer { MountFixture.detach(second) }
            _ = try tree.publishDevice(podUID: "u1", claim: "raw", source: first, readOnly: false)
            let target = tree.path(podUID: "u1", claim: "raw")
            // A reboot: the bind is gone, an empty file stays, and the volume's image comes
            // back on another loop number (here: `second`).
            #expect(umount2(target, Int32(UMOUNT_NOFOLLOW)) == 0)
            var left = stat()
            #expect(lstat(target, &left) == 0 && left.st_mode & S_IFMT == S_IFREG && left.st_size == 0)
            #expect(shownDevice(target) == nil, "what stays on disk opens no device")
            #expect(try tree.published() == ["u1": []])
            #expect(try tree.publishDevice(podUID: "u1", claim: "raw", source: second, readOnly: false) == .published)
            #expect(shownDevice(target) == rdev(second))
            // A bind of another device is replaced, not stacked.
            #expect(try tree.publishDevice(podUID: "u1", claim: "raw", source: first, readOnly: false) == .published)
            #expect(shownDevice(target) == rdev(first))
            #expect(mounts(under: root).filter { $0.mountPoint == target }.count == 1)
        }
    }

    @Test func aDeviceNodeFromAnOlderPvdIsReplacedByABind() throws {
        try withTree { root, tree in
            let device = try MountFixture.attach(try MountFixture.makeImage(root + "/a.img", size: 8 << 20))
            defer { MountFixture.detach(device) }
            let target = tree.path(podUID: "u1", claim: "raw")
            #expect(mkdir(root + "/pods", 0o750) == 0 && mkdir(root + "/pods/u1", 0o750) == 0 && mkdir(root + "/pods/u1/volumes", 0o750) == 0)
            #expect(mknod(target, S_IFBLK | 0o660, rdev(device)) == 0)
            #expect(try tree.published() == ["u1": []], "a node on disk is not a publication")
            #expect(try tree.publishDevice(podUID: "u1", claim: "raw", source: device, readOnly: false) == .published)
            #expect(mounts(under: root).contains { $0.mountPoint == target })
            #expect(shownDevice(target) == rdev(device))
        }
    }

    @Test func theMountsShowingAVolumeAreFoundByDeviceAndRoot() throws {
        try withTree { root, tree in
            #expect(mkdir(root + "/other", 0o755) == 0)
            #expect(mkdir(root + "/vol/sub", 0o755) == 0)
            #expect(symlink(root + "/vol", root + "/vol-link") == 0)
            let device = try MountFixture.attach(try MountFixture.makeImage(root + "/a.img", size: 8 << 20))
            defer { MountFixture.detach(device) }
            #expect(try tree.mounts(showing: root + "/vol", mounts: MountTable.entries()).isEmpty)

            _ = try tree.publishDirectory(podUID: "u1", claim: "data", source: root + "/vol/sub", readOnly: false, sourceMustBeMounted: false)
            _ = try tree.publishDevice(podUID: "u2", claim: "raw", source: device, readOnly: true)
            let table = try MountTable.entries()
            // Each pod mount's line names its source's device: only device and root tell them apart.
            #expect(try tree.mounts(showing: root + "/vol", mounts: table).map(\.mountPoint) == [tree.path(podUID: "u1", claim: "data")])
            #expect(try tree.mounts(showing: root + "/vol-link", mounts: table).count == 1, "a link to the volume is followed")
            #expect(try tree.mounts(showing: root + "/vol/sub", mounts: table).count == 1)
            #expect(try tree.mounts(showing: root + "/other", mounts: table).isEmpty)
            #expect(try tree.mounts(showing: root + "/missing", mounts: table).isEmpty)
            #expect(try tree.mounts(showing: device, mounts: table).map(\.mountPoint) == [tree.path(podUID: "u2", claim: "raw")])

            try tree.unpublish(podUID: "u1")
            try tree.unpublish(podUID: "u2")
            #expect(try tree.mounts(showing: root + "/vol", mounts: MountTable.entries()).isEmpty)
            #expect(try tree.mounts(showing: device, mounts: MountTable.entries()).isEmpty)
        }
    }

    @Test func unpublishingOneClaimKeepsThePod() throws {
        try withTree { root, tree in
            _ = try tree.publishDirectory(podUID: "u1", claim: "a", source: root + "/vol", readOnly: false, sourceMustBeMounted: false)
            _ = try tree.publishDirectory(podUID: "u1", claim: "b", source: root + "/vol", readOnly: true, sourceMustBeMounted: false)
            try tree.unpublish(podUID: "u1", claim: "a")
            #expect(try tree.claims(of: "u1") == ["b"])
            #expect(mounts(under: root).map(\.mountPoint) == [tree.path(podUID: "u1", claim: "b")])
            try tree.unpublish(podUID: "u1")
            #expect(mounts(under: root).isEmpty)
        }
    }
}
