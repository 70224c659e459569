import Foundation
import PVDDrivers
import PVDModel
import Testing

@testable import PVDDrivers

/// A LoopDriver over the real kernel, rooted in the test's own temporary directory.
func makeDriver(_ root: TestRoot) -> LoopDriver {
    LoopDriver(
        root: root.path, loopDevices: LinuxLoopDevices(), mounter: LibMountMounter(), probe: BlkidProbe(), tools: SystemFilesystemTools())
}

func request(_ name: String, _ bytes: Int64, _ parameters: [String: String] = [:], mode: VolumeMode = .filesystem) -> ProvisionRequest {
    ProvisionRequest(name: name, capacityBytes: bytes, volumeMode: mode, parameters: parameters, claimName: "data")
}

/// What must be true once a volume is deleted: nothing of it is left.
func expectGone(_ root: TestRoot, _ name: String, imageDir: String? = nil) throws {
    let image = (imageDir ?? root.sub("images")) + "/\(name).img"
    #expect(try LinuxLoopDevices().devices(backing: image).isEmpty)
    #expect(!FileManager.default.fileExists(atPath: image))
    #expect(!FileManager.default.fileExists(atPath: (imageDir ?? root.sub("images")) + "/.\(name).img.partial"))
    #expect(((try? PVDDrivers.MountTable.entries()) ?? []).first { $0.mountPoint == root.sub("mounts/\(name)") } == nil)
    #expect(!FileManager.default.fileExists(atPath: root.sub("mounts/\(name)")))
    #expect(!FileManager.default.fileExists(atPath: root.sub("devices/\(name)")))
}

@Suite(.serialized, .enabled(if: isRoot, Comment(rawValue: rootOnly)))
struct LoopDriverTests {
    /// ext4 and xfs always (the Makefile installs e2fsprogs and xfsprogs); btrfs where mkfs.btrfs is.
    @Test(arguments: ["ext4", "xfs"] + (Shell.has("mkfs.btrfs") ? ["btrfs"] : []))
    func lifecycle(fsType: String) async throws {
        try #require(SystemFilesystemTools().supportedTypes().contains(fsType), "mkfs.\(fsType) is not installed")
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        let name = "pvc-life-\(fsType)"
        let parameters = ["fsType": fsType]

        let volume = try await driver.provision(request(name, 100 * mebibyte, parameters))
        #expect(volume.path == root.sub("mounts/\(name)"))
        #expect(volume.capacityBytes == max(100 * mebibyte, LoopDriver.minimumBytes(fsType: fsType)))
        let mounted = try #require(try LibMountMounter().mountedSource(at: volume.path))
        #expect(mounted.fsType == fsType)
        let image = root.sub("images/\(name).img")
        let devices = try LinuxLoopDevices().devices(backing: image)
        #expect(devices.map(\.path) == [mounted.source])
        #expect(try LinuxLoopDevices().flags(of: devices[0]).map { $0 & 4 } == 4)  // autoclear once mounted
        let uuid = try filesystemUUID(devices[0].path)
        try "kept".write(toFile: volume.path + "/data.txt", atomically: false, encoding: .utf8)

        let again = try await driver.provision(request(name, 100 * mebibyte, parameters))
        #expect(again == volume)
        #expect(try String(contentsOfFile: volume.path + "/data.txt", encoding: .utf8) == "kept")
        #expect(try filesystemUUID(devices[0].path) == uuid)
        #expect(try LinuxLoopDevices().devices(backing: image) == devices)
        #expect(try driver.existingVolumes(parameters: parameters) == [name])

        try await driver.delete(name: name, parameters: parameters)
        try expectGone(root, name)
        try await driver.delete(name: name, parameters: parameters)  // already gone: fine
        #expect(try driver.existingVolumes(parameters: parameters).isEmpty)
    }

    @Test func anImageThatAlreadyHoldsAFilesystemIsNotFormattedAgain() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let name = "pvc-existing"
        let content = root.sub("content")
        try FileManager.default.createDirectory(atPath: content + "/dir", withIntermediateDirectories: true)
        try "old data".write(toFile: content + "/dir/old.txt", atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: root.sub("images"), withIntermediateDirectories: true)
        let image = root.sub("images/\(name).img")
        try makeSparseFile(image, size: 320 * mebibyte)
        #expect(try Shell.run("mkfs.ext4", ["-q", "-d", content, image]).status == 0)
        let uuid = try filesystemUUID(image)

        // The class now says xfs: the ext4 already there is kept as it is, and the image,
        // larger than asked for, gives the volume its capacity.
        let driver = makeDriver(root)
        let volume = try await driver.provision(request(name, 300 * mebibyte, ["fsType": "xfs"]))
        #expect(try LibMountMounter().mountedSource(at: volume.path)?.fsType == "ext4")
        #expect(try String(contentsOfFile: volume.path + "/dir/old.txt", encoding: .utf8) == "old data")
        #expect(volume.capacityBytes == 320 * mebibyte)
        #expect(try filesystemUUID(image) == uuid)
        try await driver.delete(name: name, parameters: ["fsType": "xfs"])
        try expectGone(root, name)
    }

    @Test func blockVolumeIsTheDeviceWithoutAFilesystem() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        let name = "pvc-block"
        let volume = try await driver.provision(request(name, 20 * mebibyte + 1, mode: .block))
        #expect(volume.path == root.sub("devices/\(name)"))
        #expect(volume.capacityBytes == 21 * mebibyte)
        let target = try FileManager.default.destinationOfSymbolicLink(atPath: volume.path)
        #expect(target.hasPrefix("/dev/loop"))
        #expect(try sizeOf(volume.path) == 21 * mebibyte)
        #expect(try BlkidProbe().probe(volume.path) == nil)
        let devices = try LinuxLoopDevices().devices(backing: root.sub("images/\(name).img"))
        #expect(devices.map(\.path) == [target])
        #expect(try LinuxLoopDevices().flags(of: devices[0]).map { $0 & 4 } == 0)  // never autoclear
        #expect(try LibMountMounter().mountedSource(at: root.sub("mounts/\(name)")) == nil)

        #expect(try await driver.provision(request(name, 20 * mebibyte + 1, mode: .block)) == volume)
        #expect(try LinuxLoopDevices().devices(backing: root.sub("images/\(name).img")) == devices)

        try await driver.delete(name: name, parameters: [:])
        try expectGone(root, name)
    }

    @Test func preallocatedImageHasItsBlocks() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        let name = "pvc-prealloc"
        _ = try await driver.provision(request(name, 16 * mebibyte, ["allocation": "preallocate"]))
        var st = stat()
        #expect(stat(root.sub("images/\(name).img"), &st) == 0)
        #expect(Int64(st.st_blocks) * 512 >= 16 * mebibyte)
        try await driver.delete(name: name, parameters: ["allocation": "preallocate"])
        try expectGone(root, name)
    }

    @Test func twentyVolumesLeaveNothingBehind() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        let names = (0..<20).map { "pvc-many-\($0)" }
        for (i, name) in names.enumerated() {
            _ = try await driver.provision(request(name, 8 * mebibyte, mode: i % 4 == 3 ? .block : .filesystem))
        }
        #expect(try driver.existingVolumes(parameters: [:]) == names.sorted())
        #expect(root.devicesInside().count == 20)
        #expect(root.mountsInside().count == 15)
        for name in names { try await driver.delete(name: name, parameters: [:]) }
        for name in names { try expectGone(root, name) }
        #expect(root.devicesInside().isEmpty)
        #expect(root.mountsInside().isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.sub("images")).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.sub("mounts")).isEmpty)
    }

    @Test func aRequestLargerThanTheDiskFailsNoSpaceAndLeavesNoImage() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        let name = "pvc-huge"
        let error = await #expect(throws: DriverError.self) {
            try await driver.provision(request(name, 1 << 60))
        }
        #expect(error?.code == .noSpace)
        #expect(error?.message.contains("1152921504606846976 bytes (1 EiB)") == true)
        #expect(error?.message.contains(root.sub("images")) == true)
        try expectGone(root, name)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.sub("images")).isEmpty)
    }

    /// Sparse images count what they have not written yet against the free space, unless the
    /// class allows overcommit.
    @Test func sparseImagesReserveTheirSizeUnlessOvercommitted() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        try FileManager.default.createDirectory(atPath: root.sub("images"), withIntermediateDirectories: true)
        let available = try LoopFiles.availableBytes(root.sub("images"))
        // Another volume's image promises all but 64 MiB of the disk (sparse: it takes nothing now).
        try makeSparseFile(root.sub("images/pvc-big.img"), size: available - 64 * mebibyte)

        let error = await #expect(throws: DriverError.self) {
            try await driver.provision(request("pvc-small", 1 << 30, mode: .block))
        }
        #expect(error?.code == .noSpace)
        #expect(error?.message.contains("promised to other sparse images") == true)
        #expect(error?.message.contains("overcommit") == true)

        #expect(!FileManager.default.fileExists(atPath: root.sub("images/pvc-small.img")))
        let volume = try await driver.provision(request("pvc-small", 1 << 30, ["overcommit": "true"], mode: .block))
        #expect(volume.capacityBytes == 1 << 30)
        try await driver.delete(name: "pvc-small", parameters: ["overcommit": "true"])
        try await driver.delete(name: "pvc-big", parameters: [:])
        try expectGone(root, "pvc-small")
    }

    @Test func somethingElseMountedAtTheMountPointIsRefused() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        let name = "pvc-occupied"
        try FileManager.default.createDirectory(atPath: root.sub("mounts/\(name)"), withIntermediateDirectories: true)
        try LibMountMounter().mount(source: "tmpfs", target: root.sub("mounts/\(name)"), fsType: "tmpfs", options: ["size=1m"])
        let error = await #expect(throws: DriverError.self) {
            try await driver.provision(request(name, 16 * mebibyte))
        }
        #expect(error?.code == .refused)
        #expect(error?.message.contains(root.sub("mounts/\(name)")) == true)
    }

    @Test func customImageDirAndExistingVolumes() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        let imageDir = root.sub("elsewhere/img")
        let parameters = ["imageDir": imageDir, "mkfsOptions": "-L pvdtest -m 0"]
        _ = try await driver.provision(request("pvc-b", 16 * mebibyte, parameters))
        _ = try await driver.provision(request("pvc-a", 16 * mebibyte, parameters))
        try "junk".write(toFile: imageDir + "/notes.txt", atomically: false, encoding: .utf8)
        #expect(try driver.existingVolumes(parameters: parameters) == ["pvc-a", "pvc-b"])
        #expect(try Shell.run("blkid", ["-p", "-o", "value", "-s", "LABEL", imageDir + "/pvc-a.img"]).output.contains("pvdtest"))
        for name in ["pvc-a", "pvc-b"] {
            try await driver.delete(name: name, parameters: parameters)
            try expectGone(root, name, imageDir: imageDir)
        }
    }

    /// While a process holds the Block device open, LOOP_CLR_FD is only deferred: delete says
    /// busy and keeps the image, and finishes once the holder lets go.
    @Test func deleteIsBusyWhileTheBlockDeviceIsHeldOpenAndFinishesAfter() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = LoopDriver(
            root: root.path, loopDevices: LinuxLoopDevices(), mounter: LibMountMounter(), probe: BlkidProbe(), tools: SystemFilesystemTools(),
            detachWait: .milliseconds(200))
        let name = "pvc-held"
        let volume = try await driver.provision(request(name, 4 * mebibyte, mode: .block))
        let holder = open(volume.path, O_RDONLY | O_CLOEXEC)
        try #require(holder >= 0)
        let error = await #expect(throws: DriverError.self) { try await driver.delete(name: name, parameters: [:]) }
        #expect(error?.code == .busy)
        #expect(FileManager.default.fileExists(atPath: root.sub("images/\(name).img")))
        close(holder)
        try await driver.delete(name: name, parameters: [:])
        try expectGone(root, name)
    }

    @Test func anExistingImageSmallerThanTheRequestIsRefused() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        try FileManager.default.createDirectory(atPath: root.sub("images"), withIntermediateDirectories: true)
        try makeSparseFile(root.sub("images/pvc-short.img"), size: 2 * mebibyte)
        let error = await #expect(throws: DriverError.self) {
            try await driver.provision(request("pvc-short", 8 * mebibyte, mode: .block))
        }
        #expect(error?.code == .refused)
        #expect(error?.message.contains("2097152 bytes (2 MiB)") == true)
        #expect(root.devicesInside().isEmpty)
    }

    @Test func aSymlinkInPlaceOfTheMountPointIsRefusedAndNotFollowed() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        try FileManager.default.createDirectory(atPath: root.sub("mounts"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root.sub("elsewhere"), withIntermediateDirectories: true)
        #expect(symlink(root.sub("elsewhere"), root.sub("mounts/pvc-sym")) == 0)
        let error = await #expect(throws: DriverError.self) { try await driver.provision(request("pvc-sym", 8 * mebibyte)) }
        #expect(error?.code == .refused)
        #expect(root.mountsInside().isEmpty)
        try await driver.delete(name: "pvc-sym", parameters: [:])
        try expectGone(root, "pvc-sym")
        #expect(FileManager.default.fileExists(atPath: root.sub("elsewhere")))
    }
}
