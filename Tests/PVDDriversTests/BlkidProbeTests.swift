#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import PVDDrivers

struct BlkidProbeTests {
    let probe = BlkidProbe()
    let tools = SystemFilesystemTools()

    @Test func zeroedImageHoldsNothing() throws {
        let dir = try MountFixture.makeTempDir()
        defer { MountFixture.removeTempDir(dir) }
        let image = try MountFixture.makeImage(dir + "/zero.img", size: 64 << 20)
        #expect(try probe.probe(image) == nil)
    }

    @Test func missingPathIsNotFound() throws {
        let error = #expect(throws: DriverError.self) { try probe.probe("/tmp/pvd-no-such-image-\(getpid())") }
        #expect(error?.code == .notFound)
        #expect(error?.errno == ENOENT)
    }

    @Test func dosPartitionTableIsSomething() throws {
        let dir = try MountFixture.makeTempDir()
        defer { MountFixture.removeTempDir(dir) }
        let image = try MountFixture.makeImage(dir + "/mbr.img", size: 64 << 20)
        // One primary Linux partition from sector 2048 to the end, and the 0x55AA signature.
        var entry = [UInt8](repeating: 0, count: 16)
        entry[4] = 0x83
        entry[8..<12] = [0x00, 0x08, 0x00, 0x00]  // LBA 2048, little-endian
        let sectors = UInt32((64 << 20) / 512 - 2048)
        entry[12..<16] = [UInt8(sectors & 0xff), UInt8((sectors >> 8) & 0xff), UInt8((sectors >> 16) & 0xff), UInt8(sectors >> 24)]
        try MountFixture.write(entry, to: image, at: 446)
        try MountFixture.write([0x55, 0xAA], to: image, at: 510)
        #expect(try probe.probe(image) == "dos")
    }

    @Test(.enabled(if: MountFixture.isRoot, "needs root: makes filesystems on loop devices"),
          arguments: ["ext4", "xfs", "btrfs"])
    func filesystemOnLoopDevice(type: String) async throws {
        try #require(tools.supportedTypes().contains(type), "mkfs.\(type) not installed")
        let dir = try MountFixture.makeTempDir()
        defer { MountFixture.removeTempDir(dir) }
        let image = try MountFixture.makeImage(dir + "/\(type).img", size: 320 << 20)
        let device = try MountFixture.attach(image)
        defer { MountFixture.detach(device) }
        #expect(try probe.probe(device) == nil)
        try await tools.makeFilesystem(type: type, device: device, options: [])
        #expect(try probe.probe(device) == type)
        #expect(try probe.probe(image) == type)
    }

    @Test func filesystemInImageFile() async throws {
        let dir = try MountFixture.makeTempDir()
        defer { MountFixture.removeTempDir(dir) }
        let image = try MountFixture.makeImage(dir + "/ext4.img", size: 64 << 20)
        try await tools.makeFilesystem(type: "ext4", device: image, options: [])
        #expect(try probe.probe(image) == "ext4")
    }

    @Test func swapIsSomething() throws {
        let dir = try MountFixture.makeTempDir()
        defer { MountFixture.removeTempDir(dir) }
        let image = try MountFixture.makeImage(dir + "/swap.img", size: 64 << 20)
        try MountFixture.run("mkswap", [image])
        #expect(try probe.probe(image) == "swap")
    }

    /// An ext4 image whose unused first sector also carries a valid XFS superblock: libblkid
    /// sees both and `blkid_do_safeprobe` refuses to choose. That must never read as empty.
    @Test func rivalSignaturesAreAmbiguousNotEmpty() async throws {
        try #require(tools.supportedTypes().contains("xfs"), "mkfs.xfs not installed")
        let dir = try MountFixture.makeTempDir()
        defer { MountFixture.removeTempDir(dir) }
        let xfs = try MountFixture.makeImage(dir + "/xfs.img", size: 320 << 20)
        try await tools.makeFilesystem(type: "xfs", device: xfs, options: [])
        let ext4 = try MountFixture.makeImage(dir + "/ext4.img", size: 320 << 20)
        try await tools.makeFilesystem(type: "ext4", device: ext4, options: [])
        try MountFixture.write(try MountFixture.read(xfs, at: 0, count: 512), to: ext4, at: 0)

        let result = try #require(try probe.probe(ext4))
        #expect(result.hasPrefix("ambiguous"))
        #expect(result.contains("ext4") && result.contains("xfs"))
    }
}
