#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import PVDDrivers

/// The kubelet's fsGroup rules over plain values: the modes an entry ends with, and when
/// `OnRootMismatch` walks at all.
struct VolumeOwnershipRulesTests {
    static let group: UInt32 = 4242

    @Test(arguments: [
        // current, directory, readOnly, expected
        (0o644, false, false, 0o664),
        (0o600, false, true, 0o640),
        (0o000, false, false, 0o660),
        (0o4755, false, false, 0o4775),
        (0o755, true, false, 0o2775),
        (0o700, true, true, 0o2750),
        (0o1777, true, false, 0o3777),
    ] as [(mode_t, Bool, Bool, mode_t)])
    func modes(current: mode_t, directory: Bool, readOnly: Bool, expected: mode_t) {
        let rules = VolumeOwnership(group: Self.group, readOnly: readOnly)
        #expect(rules.mode(from: S_IFREG | current, directory: directory) == expected)
        #expect(rules.satisfied(gid: Self.group, mode: expected, directory: directory))
    }

    @Test(arguments: [
        // policy, root gid, root mode, walks
        (VolumeOwnership.ChangePolicy.always, group, S_IFDIR | 0o2775, true),
        (.onRootMismatch, group, S_IFDIR | 0o2775, false),
        (.onRootMismatch, group, S_IFDIR | 0o2770, false),
        (.onRootMismatch, 0, S_IFDIR | 0o2775, true),
        (.onRootMismatch, group, S_IFDIR | 0o775, true),
        (.onRootMismatch, group, S_IFDIR | 0o2750, true),
        (.onRootMismatch, group, S_IFDIR | 0o2760, true),
        (.onRootMismatch, group, S_IFREG | 0o2775, true),
    ] as [(VolumeOwnership.ChangePolicy, UInt32, mode_t, Bool)])
    func rootMismatch(policy: VolumeOwnership.ChangePolicy, gid: UInt32, mode: mode_t, walks: Bool) {
        #expect(VolumeOwnership(group: Self.group, policy: policy).walks(rootGID: gid, rootMode: mode) == walks)
    }

    @Test func fromThePodsSecurityContext() {
        #expect(VolumeOwnership(fsGroup: nil, changePolicy: "OnRootMismatch") == nil)
        #expect(VolumeOwnership(fsGroup: -1, changePolicy: nil) == nil)
        #expect(VolumeOwnership(fsGroup: 7, changePolicy: nil) == VolumeOwnership(group: 7, policy: .always))
        #expect(VolumeOwnership(fsGroup: 7, changePolicy: "OnRootMismatch")?.policy == .onRootMismatch)
    }
}

/// The walk on the real kernel, as root: every entry gets the group, modes as the rules say,
/// a symlink is changed itself and never followed, another mount inside is left alone.
@Suite(.enabled(if: geteuid() == 0, "needs root: chown to another group, a tmpfs mount"))
struct VolumeOwnershipWalkTests {
    static let group: UInt32 = 4242

    /// A temp dir holding `vol` (the volume: files, a setuid file, nested directories, a FIFO,
    /// a symlink out, a file with a non-UTF-8 name, a tmpfs mounted at `mnt`) and `outside`.
    private func withVolume(_ body: (_ root: String, _ vol: String) throws -> Void) throws {
        let root = try MountFixture.makeTempDir()
        let vol = root + "/vol"
        defer {
            _ = umount2(vol + "/mnt", Int32(UMOUNT_NOFOLLOW))
            MountFixture.removeTempDir(root)
        }
        #expect(mkdir(vol, 0o755) == 0)
        try make(vol + "/a.txt", 0o644)
        try make(vol + "/setuid", 0o4755)
        #expect(mkdir(vol + "/sub", 0o700) == 0)
        #expect(mkdir(vol + "/sub/deep", 0o755) == 0)
        try make(vol + "/sub/deep/b", 0o600)
        #expect(mkfifo(vol + "/fifo", 0o644) == 0)
        try make(root + "/outside", 0o600)
        #expect(symlink("../outside", vol + "/link") == 0)
        let odd: [CChar] = Array((vol + "/odd-").utf8CString.dropLast()) + [CChar(bitPattern: 0xFF), 0]
        let fd = open(odd, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        #expect(fd >= 0)
        close(fd)
        #expect(mkdir(vol + "/mnt", 0o755) == 0)
        #expect(mount("tmpfs", vol + "/mnt", "tmpfs", 0, "size=1m,mode=0700") == 0)
        try make(vol + "/mnt/theirs", 0o600)
        // chmod after creation: the umask must not decide the starting modes.
        for (path, mode) in [("a.txt", 0o644), ("setuid", 0o4755), ("sub", 0o700), ("sub/deep", 0o755), ("sub/deep/b", 0o600), ("fifo", 0o644)] {
            #expect(chmod(vol + "/" + path, mode_t(mode)) == 0)
        }
        try body(root, vol)
    }

    private func make(_ path: String, _ mode: mode_t) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, mode)
        guard fd >= 0 else { throw DriverError.system("open", path, errno: errno) }
        close(fd)
        #expect(chmod(path, mode) == 0)
    }

    private func lstatOf(_ path: String) -> stat {
        var st = stat()
        _ = lstat(path, &st)
        return st
    }

    @Test func alwaysWalksEverythingBelowTheRootOnce() throws {
        try withVolume { root, vol in
            let report = try VolumeOwnership(group: Self.group).apply(to: vol)
            // root, a.txt, setuid, sub, sub/deep, b, fifo, link, odd-\xff; not mnt or what is in it
            #expect(report.visited == 9 && report.changed == 9 && report.failed == 0 && !report.skipped)
            #expect(report.otherMounts == 1)
            let expected: [(String, mode_t)] = [
                ("", 0o2775), ("/a.txt", 0o664), ("/setuid", 0o4775), ("/sub", 0o2770), ("/sub/deep", 0o2775),
                ("/sub/deep/b", 0o660), ("/fifo", 0o664),
            ]
            for (path, mode) in expected {
                let st = lstatOf(vol + path)
                #expect(st.st_gid == Self.group, "\(path)")
                #expect(st.st_mode & 0o7777 == mode, "\(path): \(String(st.st_mode & 0o7777, radix: 8))")
                #expect(st.st_uid == 0, "\(path): the owner never changes")
            }
            // The symlink itself has the group; what it points at is untouched.
            #expect(lstatOf(vol + "/link").st_gid == Self.group)
            let outside = lstatOf(root + "/outside")
            #expect(outside.st_gid == 0 && outside.st_mode & 0o7777 == 0o600)
            // The tmpfs mounted inside keeps its own root and files.
            #expect(lstatOf(vol + "/mnt").st_gid == 0 && lstatOf(vol + "/mnt").st_mode & 0o7777 == 0o700)
            #expect(lstatOf(vol + "/mnt/theirs").st_gid == 0)
            var odd = stat()
            let oddPath: [CChar] = Array((vol + "/odd-").utf8CString.dropLast()) + [CChar(bitPattern: 0xFF), 0]
            #expect(lstat(oddPath, &odd) == 0 && odd.st_gid == Self.group && odd.st_mode & 0o7777 == 0o660)

            // A second walk finds everything as wanted and writes nothing.
            let again = try VolumeOwnership(group: Self.group).apply(to: vol)
            #expect(again.visited == 9 && again.changed == 0)
        }
    }

    @Test func onRootMismatchWalksOnlyWhenTheRootIsWrong() throws {
        try withVolume { _, vol in
            let policy = VolumeOwnership(group: Self.group, policy: .onRootMismatch)
            #expect(try policy.apply(to: vol).visited == 9)
            // Below the root something drifts: the root still matches, so it stays as it is.
            #expect(chown(vol + "/sub/deep/b", uid_t.max, 0) == 0)
            #expect(try policy.apply(to: vol).skipped)
            #expect(lstatOf(vol + "/sub/deep/b").st_gid == 0)
            // A walk cut short leaves the root as it was (it is changed last): the next walks.
            #expect(chown(vol, uid_t.max, 0) == 0)
            let report = try policy.apply(to: vol)
            #expect(!report.skipped && report.changed == 2)
            #expect(lstatOf(vol + "/sub/deep/b").st_gid == Self.group)
        }
    }

    @Test func aReadOnlyVolumeGetsGroupReadOnly() throws {
        try withVolume { _, vol in
            #expect(chmod(vol + "/a.txt", 0o600) == 0)
            _ = try VolumeOwnership(group: Self.group, readOnly: true).apply(to: vol)
            #expect(lstatOf(vol + "/a.txt").st_mode & 0o7777 == 0o640)
            #expect(lstatOf(vol + "/sub").st_mode & 0o7777 == 0o2750)
        }
    }

    @Test func aMissingVolumeIsAnErrorNamingIt() throws {
        let root = try MountFixture.makeTempDir()
        defer { MountFixture.removeTempDir(root) }
        #expect(throws: DriverError.self) { try VolumeOwnership(group: Self.group).apply(to: root + "/gone") }
        do {
            _ = try VolumeOwnership(group: Self.group).apply(to: root + "/gone")
        } catch {
            #expect(error.message.contains(root + "/gone") && error.errno == ENOENT)
        }
    }

    /// Publishing with ownership changes the volume before its bind, and only then: a volume
    /// already published is not walked again.
    @Test func publishingAppliesOwnershipBeforeTheBind() throws {
        try withVolume { root, vol in
            let tree = try PodVolumeTree(root: root)
            defer { _ = umount2(tree.path(podUID: "u1", claim: "data"), Int32(UMOUNT_NOFOLLOW)) }
            let wanted = VolumeOwnership(group: Self.group)
            let first = try tree.publishDirectory(
                podUID: "u1", claim: "data", source: vol, readOnly: false, sourceMustBeMounted: false, ownership: wanted)
            #expect(first.outcome == .published && first.ownership?.changed == 9)
            #expect(lstatOf(tree.path(podUID: "u1", claim: "data") + "/a.txt").st_gid == Self.group)
            let second = try tree.publishDirectory(
                podUID: "u1", claim: "data", source: vol, readOnly: false, sourceMustBeMounted: false, ownership: wanted)
            #expect(second.outcome == .unchanged && second.ownership == nil)
        }
    }
}
