#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import PVDDrivers

struct FilesystemToolsTests {
    let tools = SystemFilesystemTools()
    let mounter = LibMountMounter()

    @Test func supportedTypesAreTheInstalledOnes() {
        let types = tools.supportedTypes()
        #expect(types.allSatisfy { SystemFilesystemTools.knownTypes.contains($0) })
        for type in SystemFilesystemTools.knownTypes {
            #expect(types.contains(type) == (ToolInvocation.locate("mkfs.\(type)") != nil))
        }
    }

    @Test func unknownTypeIsUnsupported() async {
        let error = await #expect(throws: DriverError.self) {
            try await tools.makeFilesystem(type: "vfat", device: "/dev/null", options: [])
        }
        #expect(error?.code == .unsupported)
        #expect(error?.message.contains("vfat") == true)
    }

    @Test func relativeDeviceIsInvalid() async {
        let error = await #expect(throws: DriverError.self) {
            try await tools.makeFilesystem(type: "ext4", device: "-F", options: [])
        }
        #expect(error?.code == .invalid)
    }

    @Test func mkfsFailureQuotesTheTool() async throws {
        try #require(tools.supportedTypes().contains("xfs"), "mkfs.xfs not installed")
        let dir = try MountFixture.makeTempDir()
        defer { MountFixture.removeTempDir(dir) }
        let image = try MountFixture.makeImage(dir + "/tiny.img", size: 1 << 20)
        let error = await #expect(throws: DriverError.self) {
            try await tools.makeFilesystem(type: "xfs", device: image, options: [])
        }
        let message = error?.message ?? ""
        #expect(message.hasPrefix("mkfs.xfs -q \(image) failed (exit 1): "))
        #expect(message.contains("too small"))
    }

    @Test(arguments: [("xfs", "ext4"), ("ext4", "xfs"), ("ext4", "swap")])
    func mkfsNeverFormatsOverSomething(type: String, existing: String) async throws {
        try #require(tools.supportedTypes().contains(type), "mkfs.\(type) not installed")
        let dir = try MountFixture.makeTempDir()
        defer { MountFixture.removeTempDir(dir) }
        let image = try MountFixture.makeImage(dir + "/\(existing).img", size: 320 << 20)
        if existing == "swap" {
            try MountFixture.run("mkswap", [image])
        } else {
            try await tools.makeFilesystem(type: existing, device: image, options: [])
        }
        let error = await #expect(throws: DriverError.self) {
            try await tools.makeFilesystem(type: type, device: image, options: [])
        }
        #expect(error?.code == .refused)
        #expect(error?.message == "mkfs.\(type) \(image): refusing to format, it already holds \(existing)")
        #expect(try BlkidProbe().probe(image) == existing)
    }

    /// Why the probe above matters: without a terminal, mkfs.ext4 formats over another
    /// filesystem without asking (mkfs.xfs and mkfs.btrfs refuse without -f).
    @Test func bareMkfsExt4OverwritesSilently() throws {
        try #require(tools.supportedTypes().contains("xfs"), "mkfs.xfs not installed")
        let dir = try MountFixture.makeTempDir()
        defer { MountFixture.removeTempDir(dir) }
        let image = try MountFixture.makeImage(dir + "/xfs.img", size: 320 << 20)
        try MountFixture.run("mkfs.xfs", ["-q", image])
        try MountFixture.run("mkfs.ext4", ["-q", image])
        #expect(try BlkidProbe().probe(image) == "ext4")
    }

    @Test func userOptionsReachMkfs() async throws {
        let dir = try MountFixture.makeTempDir()
        defer { MountFixture.removeTempDir(dir) }
        let image = try MountFixture.makeImage(dir + "/ext4.img", size: 64 << 20)
        try await tools.makeFilesystem(type: "ext4", device: image, options: ["-L", "pvdtest"])
        let label = try MountFixture.run("blkid", ["-o", "value", "-s", "LABEL", image]).stdout
        #expect(label.hasPrefix("pvdtest"))
    }

    @Test(.enabled(if: MountFixture.isRoot, "needs root: loop devices and mounts"),
          arguments: [("ext4", Int64(64 << 20)), ("xfs", Int64(320 << 20)), ("btrfs", Int64(320 << 20))])
    func growOnline(type: String, size: Int64) async throws {
        try #require(tools.supportedTypes().contains(type), "mkfs.\(type) not installed")
        let dir = try MountFixture.makeTempDir()
        defer { MountFixture.removeTempDir(dir) }
        let image = try MountFixture.makeImage(dir + "/\(type).img", size: size)
        let mountPoint = dir + "/mnt"
        #expect(mkdir(mountPoint, 0o755) == 0)
        let device = try MountFixture.attach(image)
        defer { MountFixture.detach(device) }
        try await tools.makeFilesystem(type: type, device: device, options: [])
        try mounter.mount(source: device, target: mountPoint, fsType: type, options: [])
        defer { try? mounter.unmount(target: mountPoint) }
        let before = try MountFixture.filesystemBytes(mountPoint)

        try MountFixture.makeImage(image, size: size * 2)
        try MountFixture.run("losetup", ["-c", device])
        if type == "ext4", ProcessCapabilities.current()?.contains(bit: ProcessCapabilities.sysResource) == false {
            // This sandbox's root lacks CAP_SYS_RESOURCE, which ext4 online resize requires:
            // the error must say so, and the filesystem is left as it was.
            let error = await #expect(throws: DriverError.self) {
                try await tools.growFilesystem(type: type, device: device, mountPoint: mountPoint)
            }
            #expect(error?.code == .unsupported)
            #expect(error?.message.contains("CAP_SYS_RESOURCE") == true)
            #expect(try MountFixture.filesystemBytes(mountPoint) == before)
            return
        }
        try await tools.growFilesystem(type: type, device: device, mountPoint: mountPoint)

        let after = try MountFixture.filesystemBytes(mountPoint)
        #expect(after > before + size / 2, "\(type): \(before) → \(after) bytes")
    }

    @Test func growUnmountedXFSFailsWithToolOutput() async throws {
        try #require(ToolInvocation.locate("xfs_growfs") != nil, "xfs_growfs not installed")
        let dir = try MountFixture.makeTempDir()
        defer { MountFixture.removeTempDir(dir) }
        let error = await #expect(throws: DriverError.self) {
            try await tools.growFilesystem(type: "xfs", device: "/dev/null", mountPoint: dir)
        }
        #expect(error?.message.hasPrefix("xfs_growfs -d \(dir) failed (exit ") == true)
    }

    @Test func quotesPreferStderrAndStayShort() {
        #expect(ToolInvocation.quote(stderr: "  bad\n", stdout: "ignored") == "bad")
        #expect(ToolInvocation.quote(stderr: "\n", stdout: " said this \n") == "said this")
        #expect(ToolInvocation.quote(stderr: "", stdout: "") == "no output")
        let long = "why" + String(repeating: "x", count: 5000) + "end"
        let quoted = ToolInvocation.quote(stderr: long, stdout: "")
        #expect(quoted.count <= ToolInvocation.quoteLimit + 3)
        #expect(quoted.hasPrefix("why") && quoted.hasSuffix("end") && quoted.contains(" … "))
    }

    @Test func capabilitiesParse() {
        let caps = ProcessCapabilities.parse("Name:\tx\nCapInh:\t0000000000000000\nCapEff:\t000001fffeffffff\n")
        #expect(caps?.contains(bit: 21) == true)  // CAP_SYS_ADMIN
        #expect(caps?.contains(bit: ProcessCapabilities.sysResource) == false)
        #expect(ProcessCapabilities.parse("Name:\tx\n") == nil)
        #expect(ProcessCapabilities.current() != nil)
    }
}
