import Foundation
import PVDDrivers
import PVDModel
import Testing

@testable import PVDDrivers

/// Provisioning and deleting again after a crash or a reboot at each step: the state a crash
/// leaves is built with the driver's own steps (or by hand), then the public call finishes it.
@Suite(.serialized, .enabled(if: isRoot, Comment(rawValue: rootOnly)))
struct LoopDriverRecoveryTests {
    @Test func crashAfterAttachBeforeMkfsIsFinishedByProvision() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        let name = "pvc-crash-attach"
        let parameters = try LoopParameters.require([:], root: root.path)
        let layout = LoopLayout(root: root.path, imageDir: parameters.imageDir, name: name)
        _ = try driver.ensureImage(layout, size: 32 * mebibyte, parameters: parameters)
        let device = try driver.ensureAttached(layout)
        #expect(try BlkidProbe().probe(device.path) == nil)

        let volume = try await driver.provision(request(name, 32 * mebibyte))
        #expect(try LinuxLoopDevices().devices(backing: layout.image) == [device])  // reused, no twin
        #expect(try LibMountMounter().mountedSource(at: volume.path)?.source == device.path)
        try await driver.delete(name: name, parameters: [:])
        try expectGone(root, name)
    }

    @Test func crashAfterMkfsBeforeMountIsFinishedWithoutFormattingAgain() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        let name = "pvc-crash-mkfs"
        let parameters = try LoopParameters.require([:], root: root.path)
        let layout = LoopLayout(root: root.path, imageDir: parameters.imageDir, name: name)
        _ = try driver.ensureImage(layout, size: 32 * mebibyte, parameters: parameters)
        let device = try driver.ensureAttached(layout)
        #expect(try await driver.ensureFilesystem(layout, device: device, parameters: parameters) == "ext4")
        let uuid = try filesystemUUID(device.path)

        let volume = try await driver.provision(request(name, 32 * mebibyte))
        #expect(try filesystemUUID(device.path) == uuid)
        #expect(try LibMountMounter().mountedSource(at: volume.path)?.source == device.path)
        try await driver.delete(name: name, parameters: [:])
        try expectGone(root, name)
    }

    @Test func crashAfterMountBeforeAutoclearIsFinishedByProvision() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        let name = "pvc-crash-mount"
        let parameters = try LoopParameters.require([:], root: root.path)
        let layout = LoopLayout(root: root.path, imageDir: parameters.imageDir, name: name)
        _ = try driver.ensureImage(layout, size: 32 * mebibyte, parameters: parameters)
        let device = try driver.ensureAttached(layout)
        let fsType = try await driver.ensureFilesystem(layout, device: device, parameters: parameters)
        try driver.ensureMounted(layout, device: device, fsType: fsType, options: [])
        #expect(try LinuxLoopDevices().flags(of: device).map { $0 & 4 } == 0)

        _ = try await driver.provision(request(name, 32 * mebibyte))
        #expect(try LinuxLoopDevices().flags(of: device).map { $0 & 4 } == 4)
        try await driver.delete(name: name, parameters: [:])
        try expectGone(root, name)
    }

    @Test func aHalfMadeImageFromACrashIsReplaced() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        let name = "pvc-partial"
        try FileManager.default.createDirectory(atPath: root.sub("images"), withIntermediateDirectories: true)
        try makeSparseFile(root.sub("images/.\(name).img.partial"), size: 3 * mebibyte)
        #expect(try driver.existingVolumes(parameters: [:]).isEmpty)

        let volume = try await driver.provision(request(name, 16 * mebibyte))
        #expect(volume.capacityBytes == 16 * mebibyte)
        #expect(!FileManager.default.fileExists(atPath: root.sub("images/.\(name).img.partial")))
        try await driver.delete(name: name, parameters: [:])
        try expectGone(root, name)
    }

    @Test func deleteFinishesAfterACrashHalfwayThroughDelete() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        let name = "pvc-half-deleted"
        let volume = try await driver.provision(request(name, 16 * mebibyte))
        try LibMountMounter().unmount(target: volume.path)  // the crash came after the unmount
        try await driver.delete(name: name, parameters: [:])
        try expectGone(root, name)
    }

    /// After a reboot the image is all that is left (unmounting detached its autoclear device);
    /// provisioning again attaches and mounts it with its data.
    @Test func provisionAgainAfterARebootRemountsTheData() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        let name = "pvc-reboot"
        let volume = try await driver.provision(request(name, 32 * mebibyte))
        try "before".write(toFile: volume.path + "/f", atomically: false, encoding: .utf8)
        try LibMountMounter().unmount(target: volume.path)
        #expect(try devicesAfterRelease(backing: root.sub("images/\(name).img")).isEmpty)

        #expect(try await driver.provision(request(name, 32 * mebibyte)) == volume)
        #expect(try String(contentsOfFile: volume.path + "/f", encoding: .utf8) == "before")
        try await driver.delete(name: name, parameters: [:])
        try expectGone(root, name)
    }

    @Test func blockVolumeLinkFollowsTheDeviceAfterReattach() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        let name = "pvc-relink"
        let volume = try await driver.provision(request(name, 4 * mebibyte, mode: .block))
        let image = root.sub("images/\(name).img")
        // A reboot, as far as the volume can tell: its device is gone, and the next free one
        // has another number.
        let holder = try rebootBlockVolume(root, image: image, link: volume.path)
        defer { _ = try? LinuxLoopDevices().detach(holder, ifBacking: root.sub("spare.img")) }

        #expect(try await driver.provision(request(name, 4 * mebibyte, mode: .block)) == volume)
        let second = try #require(try LinuxLoopDevices().devices(backing: image).first)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: volume.path) == second.path)
        try await driver.delete(name: name, parameters: [:])
        try expectGone(root, name)
    }
}
