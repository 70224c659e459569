#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import PVDDrivers

struct MounterTests {
    let mounter = LibMountMounter()
    let tools = SystemFilesystemTools()

    // MARK: Without root

    @Test func optionListsSplitOutsideQuotes() {
        #expect(MountOptionList.split("rw,relatime,context=\"a,b\",,x") == ["rw", "relatime", "context=\"a,b\"", "x"])
        #expect(MountOptionList.split("") == [])
        #expect(MountOptionList.join(["bind", "", "ro"]) == "bind,ro")
    }

    @Test func rootIsMounted() throws {
        let root = try #require(try mounter.mountedSource(at: "/"))
        #expect(root.target == "/")
        #expect(!root.fsType.isEmpty)
    }

    @Test func missingOrPlainDirectoriesAreNotMounted() throws {
        let dir = try MountFixture.makeTempDir()
        defer { MountFixture.removeTempDir(dir) }
        #expect(try mounter.mountedSource(at: dir) == nil)
        #expect(try mounter.mountedSource(at: dir + "/missing/deeper") == nil)
        try mounter.unmount(target: dir)
        try mounter.unmount(target: dir + "/missing")
    }

    /// A remount keeps the flags statvfs reports, each as its own mount(2) flag: ST_RELATIME's
    /// bit is MS_BIND's, so passing f_flag's bits through unchanged would ask for something else.
    @Test(arguments: [
        (UInt(0x2), UInt(MS_NOSUID)), (UInt(0x4), UInt(MS_NODEV)), (UInt(0x8), UInt(MS_NOEXEC)),
        (UInt(0x400), UInt(MS_NOATIME)), (UInt(0x800), UInt(MS_NODIRATIME)), (UInt(0x1000), UInt(1 << 21)),
    ])
    func statvfsFlagsMapToMountFlags(_ st: UInt, _ ms: UInt) {
        #expect(LibMountMounter.keptFlags.first { $0.st == st }?.ms == ms)
    }

    @Test func relativeTargetsAreInvalid() {
        let error = #expect(throws: DriverError.self) {
            try mounter.mount(source: "/dev/null", target: "relative", fsType: "ext4", options: [])
        }
        #expect(error?.code == .invalid)
    }

    @Test func failureMessagesNameTheErrno() {
        let error = LibMountMounter.failure("mount /dev/loop9 on /x (ext4)", rc: -ENOENT, syscallErrno: nil, explanation: nil)
        #expect(error.message == "mount /dev/loop9 on /x (ext4): \(String(cString: strerror(ENOENT))) (errno \(ENOENT))")
        #expect(error.code == .notFound)
        let busy = LibMountMounter.failure("umount /x", rc: EBUSY, syscallErrno: EBUSY, explanation: "target is busy.")
        #expect(busy.code == .busy && busy.errno == EBUSY)
        #expect(busy.message.hasSuffix("(errno \(EBUSY)) — target is busy."))
        let own = LibMountMounter.failure("mount a on /b (ext4)", rc: 5004, syscallErrno: nil, explanation: "failed to parse mount options")
        #expect(own.errno == nil && own.message == "mount a on /b (ext4): failed to parse mount options")
    }

    // MARK: As root, on a loop device of our own

    /// A fresh ext4 on a loop device over an image in a temp dir, and an empty mount point.
    private func withFilesystem(_ body: (_ device: String, _ mountPoint: String, _ dir: String) async throws -> Void) async throws {
        let dir = try MountFixture.makeTempDir()
        defer { MountFixture.removeTempDir(dir) }
        let image = try MountFixture.makeImage(dir + "/ext4.img", size: 64 << 20)
        let mountPoint = dir + "/mnt"
        #expect(mkdir(mountPoint, 0o755) == 0)
        let device = try MountFixture.attach(image)
        defer { MountFixture.detach(device) }
        try await tools.makeFilesystem(type: "ext4", device: device, options: [])
        try await body(device, mountPoint, dir)
    }

    @Test(.enabled(if: MountFixture.isRoot, "needs root: loop devices and mounts"))
    func mountReportWriteUnmount() async throws {
        try await withFilesystem { device, mountPoint, _ in
            try mounter.mount(source: device, target: mountPoint, fsType: "ext4", options: ["noatime"])
            defer { try? mounter.unmount(target: mountPoint) }

            let info = try #require(try mounter.mountedSource(at: mountPoint))
            #expect(info.source == device)
            #expect(info.fsType == "ext4")
            #expect(info.target == mountPoint)
            #expect(info.options.contains("noatime"))
            #expect(info.options.contains("rw"))
            // A spelling of the same directory finds the same mount.
            #expect(try mounter.mountedSource(at: mountPoint + "/../mnt/")?.source == device)

            let fd = open(mountPoint + "/hello", O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
            #expect(fd >= 0)
            #expect(write(fd, "hi", 2) == 2)
            close(fd)

            try mounter.unmount(target: mountPoint)
            #expect(try mounter.mountedSource(at: mountPoint) == nil)
            #expect(access(mountPoint + "/hello", F_OK) != 0)
            try mounter.unmount(target: mountPoint)
        }
    }

    @Test(.enabled(if: MountFixture.isRoot, "needs root: bind mounts"))
    func readOnlyBindRefusesWrites() throws {
        let dir = try MountFixture.makeTempDir()
        defer { MountFixture.removeTempDir(dir) }
        // A space in the name: mountinfo escapes it as \040 and libmount must undo that.
        let source = dir + "/src", target = dir + "/dst dir"
        #expect(mkdir(source, 0o755) == 0 && mkdir(target, 0o755) == 0)

        try mounter.mount(source: source, target: target, fsType: nil, options: ["bind", "ro"])
        defer { try? mounter.unmount(target: target) }

        let info = try #require(try mounter.mountedSource(at: target))
        #expect(info.target == target)
        #expect(info.options.contains("ro"))
        let fd = open(target + "/file", O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        let e = errno
        if fd >= 0 { close(fd) }
        #expect(fd < 0 && e == EROFS)
        // The source itself stays writable.
        let fd2 = open(source + "/file", O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        #expect(fd2 >= 0)
        if fd2 >= 0 { close(fd2) }
        #expect(access(target + "/file", F_OK) == 0)

        try mounter.unmount(target: target)
        #expect(try mounter.mountedSource(at: target) == nil)
    }

    @Test(.enabled(if: MountFixture.isRoot, "needs root: loop devices and mounts"))
    func badOptionNamesSourceTargetAndErrno() async throws {
        try await withFilesystem { device, mountPoint, _ in
            let error = #expect(throws: DriverError.self) {
                try mounter.mount(source: device, target: mountPoint, fsType: "ext4", options: ["pvd_no_such_option"])
            }
            let message = error?.message ?? ""
            #expect(message.hasPrefix("mount \(device) on \(mountPoint) (ext4): "))
            #expect(message.contains("(errno \(EINVAL))"))
            #expect(error?.errno == EINVAL)
            let after = try mounter.mountedSource(at: mountPoint)
            #expect(after == nil)
        }
    }

    @Test(.enabled(if: MountFixture.isRoot, "needs root: loop devices and mounts"))
    func missingTargetNamesSourceTargetAndErrno() async throws {
        try await withFilesystem { device, _, dir in
            let missing = dir + "/missing"
            let error = #expect(throws: DriverError.self) {
                try mounter.mount(source: device, target: missing, fsType: "ext4", options: [])
            }
            #expect(error?.message.hasPrefix("mount \(device) on \(missing) (ext4): ") == true)
            #expect(error?.message.contains("(errno \(ENOENT))") == true)
            #expect(error?.code == .notFound)
        }
    }

    @Test(.enabled(if: MountFixture.isRoot, "needs root: loop devices and mounts"))
    func busyUnmountIsBusy() async throws {
        try await withFilesystem { device, mountPoint, _ in
            try mounter.mount(source: device, target: mountPoint, fsType: "ext4", options: [])
            defer { try? mounter.unmount(target: mountPoint) }

            let fd = open(mountPoint + "/held", O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
            try #require(fd >= 0)
            let error = #expect(throws: DriverError.self) { try mounter.unmount(target: mountPoint) }
            close(fd)
            #expect(error?.code == .busy)
            #expect(error?.errno == EBUSY)
            #expect(error?.message.hasPrefix("umount \(mountPoint): ") == true)
            #expect(try mounter.mountedSource(at: mountPoint)?.source == device)

            try mounter.unmount(target: mountPoint)
            #expect(try mounter.mountedSource(at: mountPoint) == nil)
        }
    }
}
