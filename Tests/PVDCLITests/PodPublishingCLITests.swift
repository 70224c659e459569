import Foundation
import PVDDrivers
import Testing

/// Pod publishing end to end through the real binary, as root: claimed volumes (hostPath
/// directories and loop filesystems) appear under `<root>/pods/<uid>/volumes/<claim>`, go when
/// the Pod does, and come back for the next Pod with the same data. Every test works under its
/// own temporary root and unmounts and detaches exactly what lives there, whatever happens.
@Suite(.enabled(if: geteuid() == 0, "needs root: bind mounts, loop devices"))
struct PodPublishingCLITests {
    static let node = "n1"

    static func classes() -> String {
        """
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: hostpath}
        provisioner: pvd.io/hostpath
        ---
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: loop}
        provisioner: pvd.io/loop
        parameters: {fsType: ext4}
        ---

        """
    }

    static func claim(_ name: String, cls: String, mode: String = "ReadWriteOnce", block: Bool = false) -> String {
        """
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: \(name)}
        spec:
          storageClassName: \(cls)
          accessModes: [\(mode)]
          resources: {requests: {storage: 64Mi}}
        \(block ? "  volumeMode: Block" : "")
        ---

        """
    }

    static func pod(_ name: String, claim: String = "data", readOnly: Bool = false, fsGroup: Int? = nil) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: \(name)}
        spec:
          nodeName: \(node)
        \(fsGroup.map { "  securityContext: {fsGroup: \($0)}" } ?? "")
          containers: [{name: app, image: busybox}]
          volumes: [{name: vol, persistentVolumeClaim: {claimName: \(claim)\(readOnly ? ", readOnly: true" : "")}}]
        ---

        """
    }

    @discardableResult
    static func reconcile(_ pvd: PVDProcess, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let r = try pvd.run(["reconcile", "--once", "--node", node])
        #expect(r.status == 0, "reconcile failed: \(r.stderr)", sourceLocation: sourceLocation)
        return r.stdout
    }

    static func uid(_ pvd: PVDProcess, pod: String) throws -> String {
        let p = try #require(try pvd.items("pods").first { $0.path("metadata.name") as? String == pod })
        return try #require(p.path("metadata.uid") as? String)
    }

    static func volumePath(_ pvd: PVDProcess, uid: String, claim: String = "data") -> String {
        pvd.root.appendingPathComponent("pods/\(uid)/volumes/\(claim)").path
    }

    /// A path's group and its permission bits (setuid, setgid and sticky included).
    struct GroupMode: Equatable {
        var gid: Int
        var mode: Int
    }

    static func groupAndMode(_ path: String) -> GroupMode? {
        guard let a = try? FileManager.default.attributesOfItem(atPath: path),
              let gid = (a[.groupOwnerAccountID] as? NSNumber)?.intValue, let mode = (a[.posixPermissions] as? NSNumber)?.intValue
        else { return nil }
        return GroupMode(gid: gid, mode: mode)
    }

    /// A path's owner.
    static func owner(_ path: String) -> Int? {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.ownerAccountID] as? NSNumber)?.intValue
    }

    static func isMountPoint(_ path: String) -> Bool {
        ((try? MountTable.entries()) ?? []).contains { $0.mountPoint == path }
    }

    static func podMounts(_ pvd: PVDProcess) -> [MountInfoEntry] {
        OwnDevices.mounts(under: pvd.root.appendingPathComponent("pods").path)
    }

    @Test(arguments: ["hostpath", "loop"])
    func dataOutlivesThePodAndReachesTheNext(_ cls: String) throws {
        let pvd = try PVDProcess()
        defer { OwnDevices.release(under: pvd.root.path); pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.classes() + Self.claim("data", cls: cls) + Self.pod("first"))])
        let out = try Self.reconcile(pvd)
        #expect(out.contains("1 pod volume published"), "\(out)")
        let first = try Self.uid(pvd, pod: "first")
        let path = Self.volumePath(pvd, uid: first)
        #expect(Self.isMountPoint(path), "\(path) should be a bind mount")
        try Data("written by first".utf8).write(to: URL(fileURLWithPath: path + "/note"))
        // A second pass finds everything in place and does nothing.
        #expect(!(try Self.reconcile(pvd)).contains("published"))
        #expect(Self.podMounts(pvd).count == 1)

        try pvd.ok(["delete", "pod", "first"])
        let gone = try Self.reconcile(pvd)
        #expect(gone.contains("1 unpublished"), "\(gone)")
        #expect(Self.podMounts(pvd).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: pvd.root.appendingPathComponent("pods/\(first)").path))

        try pvd.ok(["apply", "-f", try pvd.write("p2.yaml", Self.pod("second"))])
        try Self.reconcile(pvd)
        let second = Self.volumePath(pvd, uid: try Self.uid(pvd, pod: "second"))
        #expect(Self.isMountPoint(second))
        #expect(String(decoding: FileManager.default.contents(atPath: second + "/note") ?? Data(), as: UTF8.self) == "written by first")

        // Pod and claim go together: the mount is gone before the volume's backing is deleted.
        try pvd.ok(["delete", "pod", "second"])
        try pvd.ok(["delete", "pvc", "data"])
        let end = try Self.reconcile(pvd)
        #expect(end.contains("1 deleted"), "\(end)")
        #expect(OwnDevices.mounts(under: pvd.root.path).isEmpty)
        #expect(OwnDevices.loops(under: pvd.root.path).isEmpty)
        #expect((try? FileManager.default.contentsOfDirectory(atPath: pvd.root.appendingPathComponent("pods").path)) ?? [] == [])
    }

    @Test func aLostMountIsMadeAgain() throws {
        let pvd = try PVDProcess()
        defer { OwnDevices.release(under: pvd.root.path); pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.classes() + Self.claim("data", cls: "loop") + Self.pod("app"))])
        try Self.reconcile(pvd)
        let path = Self.volumePath(pvd, uid: try Self.uid(pvd, pod: "app"))
        try Data("kept".utf8).write(to: URL(fileURLWithPath: path + "/note"))
        // What a reboot does to the Pod's bind mount (the volume's own mount stays: recovery's part).
        #expect(umount2(path, Int32(UMOUNT_NOFOLLOW)) == 0)
        #expect(!Self.isMountPoint(path))
        let out = try Self.reconcile(pvd)
        #expect(out.contains("1 pod volume published"), "\(out)")
        #expect(Self.isMountPoint(path))
        #expect(FileManager.default.contents(atPath: path + "/note") == Data("kept".utf8))
    }

    @Test func aReadOnlyPodVolumeRefusesWrites() throws {
        let pvd = try PVDProcess()
        defer { OwnDevices.release(under: pvd.root.path); pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.classes() + Self.claim("data", cls: "hostpath") + Self.pod("reader", readOnly: true))])
        try Self.reconcile(pvd)
        let path = Self.volumePath(pvd, uid: try Self.uid(pvd, pod: "reader"))
        #expect(Self.isMountPoint(path))
        let fd = open(path + "/x", O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        let e = errno
        if fd >= 0 { close(fd) }
        #expect(fd < 0 && e == EROFS, "write through a readOnly volume: fd \(fd), errno \(e)")
        let pv = try #require(try pvd.items("pv").first)
        let source = try #require(pv.path("spec.hostPath.path") as? String)
        #expect(FileManager.default.createFile(atPath: source + "/x", contents: Data()), "the volume itself stays writable")
    }

    /// fsGroup as the kubelet applies it: a loop volume (`local`) gets the group when it is
    /// published for the first Pod; a second Pod of the node asking for another group is told,
    /// and the volume keeps the first; a hostPath volume is never changed.
    @Test func fsGroupOwnsALoopVolumeButNeverAHostPath() throws {
        let pvd = try PVDProcess()
        defer { OwnDevices.release(under: pvd.root.path); pvd.cleanup() }
        let manifest = Self.classes() + Self.claim("data", cls: "loop") + Self.claim("host", cls: "hostpath")
            + Self.pod("first", fsGroup: 2000) + Self.pod("other", claim: "host", fsGroup: 2000)
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", manifest)])
        try Self.reconcile(pvd)
        let first = Self.volumePath(pvd, uid: try Self.uid(pvd, pod: "first"))
        #expect(Self.groupAndMode(first) == GroupMode(gid: 2000, mode: 0o2775))
        #expect(Self.groupAndMode(first + "/lost+found") == GroupMode(gid: 2000, mode: 0o2770))
        let host = Self.volumePath(pvd, uid: try Self.uid(pvd, pod: "other"), claim: "host")
        #expect(Self.isMountPoint(host) && Self.groupAndMode(host)?.gid == 0 && (Self.groupAndMode(host)?.mode ?? 0) & 0o2000 == 0)

        try pvd.ok(["apply", "-f", try pvd.write("p2.yaml", Self.pod("second", fsGroup: 3000))])
        try Self.reconcile(pvd)
        let second = Self.volumePath(pvd, uid: try Self.uid(pvd, pod: "second"))
        #expect(Self.isMountPoint(second) && Self.groupAndMode(second)?.gid == 2000)
        let d = try pvd.ok(["describe", "pod", "second"]).stdout
        #expect(d.contains("AlreadyMountedVolume") && d.contains("The requested fsGroup is 3000"), "\(d)")
    }

    @Test func aSecondPodOfAReadWriteOncePodClaimIsRefused() throws {
        let pvd = try PVDProcess()
        defer { OwnDevices.release(under: pvd.root.path); pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.classes() + Self.claim("data", cls: "hostpath", mode: "ReadWriteOncePod") + Self.pod("first"))])
        try Self.reconcile(pvd)
        try pvd.ok(["apply", "-f", try pvd.write("p2.yaml", Self.pod("second"))])
        try Self.reconcile(pvd)
        let secondUID = try Self.uid(pvd, pod: "second")
        #expect(Self.isMountPoint(Self.volumePath(pvd, uid: try Self.uid(pvd, pod: "first"))))
        #expect(!Self.isMountPoint(Self.volumePath(pvd, uid: secondUID)))
        #expect(Self.podMounts(pvd).count == 1)
        let d = try pvd.ok(["describe", "pod", "second"]).stdout
        #expect(d.contains("FailedMount"), "\(d)")
        #expect(d.contains("ReadWriteOncePod access mode already in-use by another pod (default/first)"), "\(d)")
        // Once the first Pod is gone, the second gets the volume.
        try pvd.ok(["delete", "pod", "first"])
        try Self.reconcile(pvd)
        #expect(Self.isMountPoint(Self.volumePath(pvd, uid: secondUID)))
        #expect(Self.podMounts(pvd).count == 1)
    }

    @Test func aStalePodDirectoryIsRemoved() throws {
        let pvd = try PVDProcess()
        defer { OwnDevices.release(under: pvd.root.path); pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.classes())])
        // Left by hand: a pod directory no Pod owns, with a bind mount of the test's own inside.
        let source = pvd.root.appendingPathComponent("elsewhere").path
        let stale = pvd.root.appendingPathComponent("pods/0000-stale/volumes/data").path
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: stale, withIntermediateDirectories: true)
        try Data("survives".utf8).write(to: URL(fileURLWithPath: source + "/file"))
        #expect(mount(source, stale, nil, UInt(MS_BIND), nil) == 0, "bind mount errno \(errno)")
        #expect(Self.isMountPoint(stale))
        let out = try Self.reconcile(pvd)
        #expect(out.contains("1 unpublished"), "\(out)")
        #expect(!Self.isMountPoint(stale))
        #expect(!FileManager.default.fileExists(atPath: pvd.root.appendingPathComponent("pods/0000-stale").path))
        #expect(FileManager.default.contents(atPath: source + "/file") == Data("survives".utf8))
    }

    /// A file's type, device numbers (major:minor, hex) and size as GNU stat prints them, without
    /// following a symlink. Through stat(1) rather than the C struct: which module owns `struct
    /// stat` in this test target differs from build to build, and with MemberImportVisibility its
    /// members then fail to compile on a clean build.
    struct FileInfo: Equatable { var type: String; var device: String; var size: String }

    static func fileInfo(_ path: String) -> FileInfo {
        let text = RuntimeFixture.capture("/usr/bin/stat", ["-c", "%F|%t:%T|%s", path])
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|").map(String.init)
        guard parts.count == 3 else { return FileInfo(type: "missing: \(path)", device: "", size: "") }
        return FileInfo(type: parts[0], device: parts[1], size: parts[2])
    }

    @Test func aBlockVolumeIsABindOfItsDeviceAndComesBackAfterAReboot() throws {
        let pvd = try PVDProcess()
        defer { OwnDevices.release(under: pvd.root.path); pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.classes() + Self.claim("raw", cls: "loop", block: true) + Self.pod("app", claim: "raw"))])
        try Self.reconcile(pvd)
        let path = Self.volumePath(pvd, uid: try Self.uid(pvd, pod: "app"), claim: "raw")
        #expect(Self.isMountPoint(path), "\(path) should be a bind mount of the device node")
        let loops = OwnDevices.loops(under: pvd.root.path)
        #expect(loops.count == 1)
        let real = Self.fileInfo("/dev/\(loops.first ?? "")")
        #expect(real.type == "block special file")
        #expect(Self.fileInfo(path) == real, "the published node is the loop device itself")

        // A reboot takes the bind away and leaves the empty file under it, which opens nothing.
        #expect(umount2(path, Int32(UMOUNT_NOFOLLOW)) == 0)
        #expect(Self.fileInfo(path) == FileInfo(type: "regular empty file", device: "0:0", size: "0"))
        let again = try Self.reconcile(pvd)
        #expect(again.contains("1 pod volume published"), "\(again)")
        #expect(Self.isMountPoint(path))
        #expect(Self.fileInfo(path) == real)

        try pvd.ok(["delete", "pod", "app"])
        try pvd.ok(["delete", "pvc", "raw"])
        let end = try Self.reconcile(pvd)
        #expect(end.contains("1 deleted"), "\(end)")
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(OwnDevices.loops(under: pvd.root.path).isEmpty)
    }

    /// A volume whose pod mount cannot be unmounted (a process works inside it) is not deleted
    /// under it; once the process is gone, the next run unmounts and deletes.
    @Test(arguments: ["hostpath", "loop"])
    func aVolumeStillMountedForAPodIsNotDeleted(_ cls: String) throws {
        let pvd = try PVDProcess()
        defer { OwnDevices.release(under: pvd.root.path); pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.classes() + Self.claim("data", cls: cls) + Self.pod("app"))])
        try Self.reconcile(pvd)
        let path = Self.volumePath(pvd, uid: try Self.uid(pvd, pod: "app"))
        try Data("precious".utf8).write(to: URL(fileURLWithPath: path + "/note"))
        let pv = try #require(try pvd.items("pv").first)
        let name = try #require(pv.path("metadata.name") as? String)

        // A process with its working directory in the Pod's mount makes umount fail with EBUSY.
        let busy = Process()
        busy.executableURL = URL(fileURLWithPath: "/bin/sleep")
        busy.arguments = ["600"]
        busy.currentDirectoryURL = URL(fileURLWithPath: path)
        try busy.run()
        let pid = busy.processIdentifier
        defer { if busy.isRunning { kill(pid, SIGKILL); busy.waitUntilExit() } }

        try pvd.ok(["delete", "pod", "app"])
        try pvd.ok(["delete", "pvc", "data"])
        let held = try Self.reconcile(pvd)
        #expect(!held.contains("deleted"), "\(held)")
        #expect(Self.isMountPoint(path))
        #expect(FileManager.default.contents(atPath: path + "/note") == Data("precious".utf8))
        #expect(try pvd.items("pv").contains { $0.path("metadata.name") as? String == name })

        kill(pid, SIGKILL)
        busy.waitUntilExit()
        let end = try Self.reconcile(pvd)
        #expect(end.contains("1 unpublished") && end.contains("1 deleted"), "\(end)")
        #expect(OwnDevices.mounts(under: pvd.root.path).isEmpty)
        #expect(OwnDevices.loops(under: pvd.root.path).isEmpty)
        // Deleted, or Terminating until protection lets it go on the next pass.
        let left = try pvd.items("pv").first { $0.path("metadata.name") as? String == name }
        #expect(left == nil || left?.path("metadata.deletionTimestamp") != nil)
    }
}
