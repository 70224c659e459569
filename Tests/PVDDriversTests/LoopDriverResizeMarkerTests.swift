import Foundation
import PVDModel
import Testing
#if canImport(Glibc)
import Glibc
#endif

@testable import PVDDrivers

/// The durable note of an offline ext grow: a crash between the unmount and the remount (pvd
/// killed during resize2fs: autoclear detaches the device) leaves the image unmounted with the
/// note, and recovery checks and grows the filesystem before it mounts it again.
@Suite(.serialized, .enabled(if: isRoot, Comment(rawValue: rootOnly)))
struct LoopDriverResizeMarkerTests {
    /// `stillAttached`: the crash left the device attached (something held it a moment longer)
    /// rather than detached by autoclear.
    @Test(arguments: [false, true])
    func recoveryFinishesAnInterruptedOfflineResize(stillAttached: Bool) async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        let name = "pvc-resize-crash-\(stillAttached ? "attached" : "detached")"
        let parameters = ["fsType": "ext4"]
        let volume = try await driver.provision(request(name, 64 * mebibyte, parameters))
        let data = pattern(2 * Int(mebibyte) + 5)
        try data.write(to: URL(fileURLWithPath: volume.path + "/data.bin"))
        let before = try MountFixture.filesystemBytes(volume.path)
        let layout = LoopLayout(root: root.path, imageDir: root.sub("images"), name: name)
        let device = try #require(try driver.mountedDevice(layout))

        // The state the killed run left: image grown, note made, unmounted, device gone.
        try driver.growImage(layout, to: 192 * mebibyte, parameters: LoopParameters.require(parameters, root: root.path))
        try driver.setResizeMarker(layout)
        try Self.unmount(layout.mountPoint)
        _ = try LinuxLoopDevices().detach(device, ifBacking: layout.image)
        #expect(try devicesAfterRelease(backing: layout.image).isEmpty)
        if stillAttached { _ = try driver.ensureAttached(layout) }
        #expect(try driver.hasResizeMarker(layout))

        let results = await driver.recover([RecoveryRequest(name: name, parameters: parameters)])
        guard case .recovered = try #require(results.first).outcome else {
            Issue.record("recovery said \(results)")
            return
        }
        let after = try MountFixture.filesystemBytes(volume.path)
        #expect(after > before)
        #expect(after > 192 * mebibyte * 8 / 10, "statvfs says \(after) bytes after recovery")
        #expect(try Data(contentsOf: URL(fileURLWithPath: volume.path + "/data.bin")) == data)
        #expect(try !driver.hasResizeMarker(layout))
        #expect(!FileManager.default.fileExists(atPath: driver.resizeMarker(layout)))

        try await driver.delete(name: name, parameters: parameters)
        try expectGone(root, name)
    }

    /// The offline grow itself leaves no note behind, whether it grew the volume or found it
    /// busy; a busy one says its filesystem waits (and nothing changed on it).
    @Test(.enabled(if: !LoopDriverExpansionTests.onlineExt4, "this process has CAP_SYS_RESOURCE: ext4 grows online"))
    func offlineGrowClearsItsNote() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        let name = "pvc-resize-note"
        let parameters = ["fsType": "ext4"]
        let volume = try await driver.provision(request(name, 64 * mebibyte, parameters))
        let layout = LoopLayout(root: root.path, imageDir: root.sub("images"), name: name)
        let held = try #require(FileManager.default.createFile(atPath: volume.path + "/held", contents: Data("x".utf8)) ? FileHandle(forReadingAtPath: volume.path + "/held") : nil)
        do {
            _ = try await driver.expand(name: name, parameters: parameters, volumeMode: .filesystem, newCapacityBytes: 128 * mebibyte)
            Issue.record("grew a busy ext4 offline")
        } catch {
            #expect(error.filesystemResizePending)
        }
        #expect(try !driver.hasResizeMarker(layout))
        try held.close()
        #expect(try await driver.expand(name: name, parameters: parameters, volumeMode: .filesystem, newCapacityBytes: 128 * mebibyte) == 128 * mebibyte)
        #expect(try !driver.hasResizeMarker(layout))
        try await driver.delete(name: name, parameters: parameters)
        try expectGone(root, name)
    }

    /// Unmounts the test's own mount point, waiting out a moment of EBUSY: while the whole suite
    /// runs, a child process another test spawns can inherit, for an instant, a descriptor of a
    /// file this test wrote there.
    static func unmount(_ target: String) throws {
        for _ in 0..<50 {
            do throws(DriverError) {
                try LibMountMounter().unmount(target: target)
                return
            } catch {
                if error.code != .busy { throw error }
            }
            usleep(100_000)
        }
        try LibMountMounter().unmount(target: target)
    }
}
