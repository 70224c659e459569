import Foundation
import PVDModel
import Testing
#if canImport(Glibc)
import Glibc
#endif

@testable import PVDDrivers

/// Bytes of a fixed pattern, to find again unchanged after the volume grew.
func pattern(_ count: Int) -> Data {
    Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
}

/// Loop volumes grown through the real kernel: image, LOOP_SET_CAPACITY, then the filesystem.
@Suite(.serialized, .enabled(if: isRoot, Comment(rawValue: rootOnly)))
struct LoopDriverExpansionTests {
    /// Whether this process may grow a mounted ext4 (CAP_SYS_RESOURCE); without it pvd grows
    /// ext4 offline.
    static let onlineExt4 = ProcessCapabilities.current()?.contains(bit: ProcessCapabilities.sysResource) ?? false

    /// (fsType, first size, grown size): btrfs where mkfs.btrfs is.
    static let sizes: [(String, Int64, Int64)] = [("ext4", 64 * mebibyte, 200 * mebibyte), ("xfs", 300 * mebibyte, 512 * mebibyte)]
        + (Shell.has("mkfs.btrfs") ? [("btrfs", 128 * mebibyte, 320 * mebibyte)] : [])

    @Test(arguments: sizes)
    func growsTheMountedFilesystemAndKeepsItsData(fsType: String, first: Int64, grown: Int64) async throws {
        try #require(SystemFilesystemTools().supportedTypes().contains(fsType), "mkfs.\(fsType) is not installed")
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        let name = "pvc-grow-\(fsType)"
        let parameters = ["fsType": fsType]
        let volume = try await driver.provision(request(name, first, parameters))
        let data = pattern(3 * Int(mebibyte) + 17)
        try data.write(to: URL(fileURLWithPath: volume.path + "/data.bin"))
        let before = try MountFixture.filesystemBytes(volume.path)
        let original = try #require(try LibMountMounter().mountedSource(at: volume.path))
        let device = original.source

        let capacity = try await driver.expand(name: name, parameters: parameters, volumeMode: .filesystem, newCapacityBytes: grown)
        #expect(capacity == grown)
        #expect(try sizeOf(root.sub("images/\(name).img")) == grown)
        #expect(try sizeOf(device) == grown)
        let after = try MountFixture.filesystemBytes(volume.path)
        #expect(after > before)
        // The filesystem fills the device, less its own metadata.
        #expect(after > grown * 8 / 10, "statvfs says \(after) bytes after growing to \(grown)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: volume.path + "/data.bin")) == data)
        // Same mount point, same device, and autoclear still set: unmounting still detaches it.
        let mounted = try #require(try LibMountMounter().mountedSource(at: volume.path))
        #expect(mounted.source == device)
        #expect(mounted.options == original.options)
        let loop = try #require(Int(device.dropFirst("/dev/loop".count)))
        #expect(try LinuxLoopDevices().flags(of: LoopDevice(number: loop)).map { $0 & 4 } == 4)

        // Again at the same size: nothing to do, and it says so by succeeding.
        #expect(try await driver.expand(name: name, parameters: parameters, volumeMode: .filesystem, newCapacityBytes: grown) == grown)
        #expect(try MountFixture.filesystemBytes(volume.path) == after)
        // A smaller request never shrinks it.
        #expect(try await driver.expand(name: name, parameters: parameters, volumeMode: .filesystem, newCapacityBytes: first) == grown)

        try await driver.delete(name: name, parameters: parameters)
        try expectGone(root, name)
    }

    @Test func growsABlockVolumeDevice() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        let name = "pvc-grow-block"
        let volume = try await driver.provision(request(name, 32 * mebibyte, mode: .block))
        let device = try LoopDriver.readLink(volume.path)
        let head = pattern(4096)
        let fd = try #require(FileHandle(forWritingAtPath: device))
        try fd.write(contentsOf: head)
        try fd.synchronize()
        try fd.close()

        #expect(try await driver.expand(name: name, parameters: [:], volumeMode: .block, newCapacityBytes: 80 * mebibyte) == 80 * mebibyte)
        #expect(try sizeOf(device) == 80 * mebibyte)
        let reader = try #require(FileHandle(forReadingAtPath: device))
        #expect(try reader.read(upToCount: 4096) == head)
        try reader.close()
        try await driver.delete(name: name, parameters: [:])
        try expectGone(root, name)
    }

    /// The offline grow waits for the device to be free of every mount (another mount
    /// namespace may still hold one after our unmount) and gives up busy, not with a failed
    /// e2fsck: here the volume's own mount holds it.
    @Test func aDeviceStillMountedIsBusyForTheOfflineGrow() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        let name = "pvc-grow-held"
        let volume = try await driver.provision(request(name, 64 * mebibyte, ["fsType": "ext4"]))
        let device = try #require(try LibMountMounter().mountedSource(at: volume.path)?.source)
        do {
            try await LoopDriver.waitUntilUnheld(device, volume: name, limit: .milliseconds(200))
            Issue.record("a mounted device counted as free")
        } catch {
            #expect(error.code == .busy)
            #expect(error.filesystemResizePending)
            #expect(error.message.contains(device), "\(error.message)")
        }
        try await driver.delete(name: name, parameters: [:])
        try expectGone(root, name)
    }

    @Test func preallocatedImagesGrowAllocated() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        let name = "pvc-grow-prealloc"
        let parameters = ["fsType": "xfs", "allocation": "preallocate"]
        _ = try await driver.provision(request(name, 300 * mebibyte, parameters))
        #expect(try await driver.expand(name: name, parameters: parameters, volumeMode: .filesystem, newCapacityBytes: 400 * mebibyte) == 400 * mebibyte)
        var st = stat()
        #expect(stat(root.sub("images/\(name).img"), &st) == 0)
        #expect(Int64(st.st_size) == 400 * mebibyte)
        #expect(Int64(st.st_blocks) * 512 >= 400 * mebibyte)
        try await driver.delete(name: name, parameters: parameters)
    }

    /// Without CAP_SYS_RESOURCE, ext4 grows offline, which a file open on the volume prevents:
    /// the expansion fails saying why, and the volume stays mounted, its filesystem as it was.
    @Test(.enabled(if: !onlineExt4, "this process has CAP_SYS_RESOURCE: ext4 grows online"))
    func ext4InUseWithoutTheCapabilityIsRefusedAndStaysMounted() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        let name = "pvc-grow-busy"
        let parameters = ["fsType": "ext4"]
        let volume = try await driver.provision(request(name, 64 * mebibyte, parameters))
        let before = try MountFixture.filesystemBytes(volume.path)
        let open = try #require(FileManager.default.createFile(atPath: volume.path + "/held", contents: Data("x".utf8)) ? FileHandle(forReadingAtPath: volume.path + "/held") : nil)
        do {
            _ = try await driver.expand(name: name, parameters: parameters, volumeMode: .filesystem, newCapacityBytes: 128 * mebibyte)
            Issue.record("expansion of a busy ext4 without CAP_SYS_RESOURCE succeeded")
        } catch {
            #expect(error.code == .busy)
            #expect(error.message.contains("CAP_SYS_RESOURCE"), "\(error.message)")
        }
        #expect(try LibMountMounter().mountedSource(at: volume.path) != nil)
        #expect(try MountFixture.filesystemBytes(volume.path) == before)
        try open.close()
        // Once nothing holds it, the next try grows it.
        #expect(try await driver.expand(name: name, parameters: parameters, volumeMode: .filesystem, newCapacityBytes: 128 * mebibyte) == 128 * mebibyte)
        #expect(try MountFixture.filesystemBytes(volume.path) > before)
        try await driver.delete(name: name, parameters: parameters)
        try expectGone(root, name)
    }

    @Test func aMissingVolumeIsNotFound() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        do {
            _ = try await makeDriver(root).expand(name: "pvc-none", parameters: [:], volumeMode: .filesystem, newCapacityBytes: mebibyte)
            Issue.record("expanded a volume that does not exist")
        } catch {
            #expect(error.code == .notFound)
        }
    }
}
