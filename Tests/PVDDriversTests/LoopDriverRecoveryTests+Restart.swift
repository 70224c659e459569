import Foundation
import PVDDrivers
import PVDModel
import Testing

@testable import PVDDrivers

/// `recover` (a start after a reboot or a crash) and `removeOrphans` of the loop driver, on real
/// images, loop devices and mounts.
extension LoopDriverRecoveryTests {
    @Test func recoverAfterARebootReattachesAndRemountsWithTheData() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        let volume = try await driver.provision(request("pvc-r1", 16 * mebibyte))
        try "kept".write(toFile: volume.path + "/f", atomically: false, encoding: .utf8)
        let uuid = try filesystemUUID(root.sub("images/pvc-r1.img"))
        try LibMountMounter().unmount(target: volume.path)  // autoclear lets the device go
        #expect(try devicesAfterRelease(backing: root.sub("images/pvc-r1.img")).isEmpty)

        let results = try #require(await driver.recover([RecoveryRequest(name: "pvc-r1")]).first)
        guard case .recovered(let what) = results.outcome else { Issue.record("\(results)"); return }
        #expect(what.contains("mounted"))
        #expect(try String(contentsOfFile: volume.path + "/f", encoding: .utf8) == "kept")
        #expect(try filesystemUUID(root.sub("images/pvc-r1.img")) == uuid, "never formatted again")
        #expect(try LinuxLoopDevices().devices(backing: root.sub("images/pvc-r1.img")).count == 1)
        // A second recovery finds it ready, and a delete still lets everything go.
        #expect(await driver.recover([RecoveryRequest(name: "pvc-r1")]).first?.outcome == .ready)
        try await driver.delete(name: "pvc-r1", parameters: [:])
        try expectGone(root, "pvc-r1")
    }

    @Test func recoverMountsADeviceLeftAttachedInsteadOfAttachingATwin() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        let name = "pvc-r2"
        let volume = try await driver.provision(request(name, 16 * mebibyte))
        let image = root.sub("images/\(name).img")
        // A crash between attach and mount: attached without autoclear, nothing mounted.
        try LibMountMounter().unmount(target: volume.path)
        #expect(try devicesAfterRelease(backing: image).isEmpty)
        let device = try driver.ensureAttached(LoopLayout(root: root.path, imageDir: root.sub("images"), name: name))
        #expect(try LinuxLoopDevices().devices(backing: image) == [device])

        #expect(await driver.recover([RecoveryRequest(name: name)]).first?.outcome == .recovered("mounted \(device) at \(volume.path)"))
        #expect(try LinuxLoopDevices().devices(backing: image) == [device])
        #expect(try LinuxLoopDevices().flags(of: device).map { $0 & 4 } == 4, "autoclear, so an unmount lets it go")
        try await driver.delete(name: name, parameters: [:])
        try expectGone(root, name)
    }

    @Test func recoverAttachesABlockVolumeAndRelinksIt() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        let name = "pvc-r3"
        let volume = try await driver.provision(request(name, 4 * mebibyte, mode: .block))
        let image = root.sub("images/\(name).img")
        let holder = try rebootBlockVolume(root, image: image, link: volume.path)
        defer { _ = try? LinuxLoopDevices().detach(holder, ifBacking: root.sub("spare.img")) }

        let result = try #require(await driver.recover([RecoveryRequest(name: name, volumeMode: .block)]).first)
        let second = try #require(try LinuxLoopDevices().devices(backing: image).first)
        #expect(result.outcome == .recovered("attached \(image) to \(second), linked \(volume.path) to \(second)"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: volume.path) == second.path)
        #expect(await driver.recover([RecoveryRequest(name: name, volumeMode: .block)]).first?.outcome == .ready)
        try await driver.delete(name: name, parameters: [:])
        try expectGone(root, name)
    }

    @Test func recoverNeverFormatsAndNeverMakesAMissingImage() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        // An image with no filesystem (damaged): refused, left as it is, nothing attached.
        try FileManager.default.createDirectory(atPath: root.sub("images"), withIntermediateDirectories: true)
        try makeSparseFile(root.sub("images/pvc-blank.img"), size: 8 * mebibyte)
        let results = await driver.recover([RecoveryRequest(name: "pvc-blank"), RecoveryRequest(name: "pvc-gone")])
        #expect(results.map(\.name) == ["pvc-blank", "pvc-gone"])
        guard case .failed(let why) = results[0].outcome else { Issue.record("\(results[0])"); return }
        #expect(why.contains("holds no filesystem"))
        #expect(try BlkidProbe().probe(root.sub("images/pvc-blank.img")) == nil)
        #expect(try LinuxLoopDevices().devices(backing: root.sub("images/pvc-blank.img")).isEmpty)
        #expect(results[1].outcome == .missing("image \(root.sub("images/pvc-gone.img")) is missing"))
        #expect(!FileManager.default.fileExists(atPath: root.sub("images/pvc-gone.img")))
        #expect(root.mountsInside().isEmpty)
    }

    @Test func orphansGoOnlyWhenOldEnoughAndUnwanted() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        _ = try await driver.provision(request("pvc-kept", 8 * mebibyte))
        _ = try await driver.provision(request("pvc-orphan", 8 * mebibyte))
        try makeSparseFile(root.sub("images/.pvc-half.img.partial"), size: mebibyte)
        let lockPath = root.sub(".pvd-loop.lock")

        // Fresh leftovers wait out the grace period; `wanted` is not even asked.
        let early = try await driver.removeOrphans(parameterSets: [[:]], grace: .seconds(3600), madeAfter: 0) { nil }.removed
        #expect(early.isEmpty)
        // Volumes made before the store recorded this node are never leftovers.
        let later = Date().timeIntervalSince1970 + 3600
        #expect(try await driver.removeOrphans(parameterSets: [[:]], grace: .zero, madeAfter: later) { [] }.removed.isEmpty)
        // The store is asked while the lock is held: another process could not be making one now.
        let removed = try await driver.removeOrphans(parameterSets: [[:], [:]], grace: .zero, madeAfter: 0) {
            let fd = open(lockPath, O_RDWR | O_CLOEXEC)
            defer { close(fd) }
            return flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK ? ["pvc-kept"] : nil
        }.removed
        #expect(removed.sorted() == ["pvc-half", "pvc-orphan"])
        try expectGone(root, "pvc-orphan")
        try expectGone(root, "pvc-half")
        #expect(try driver.existingVolumes(parameters: [:]) == ["pvc-kept"])
        #expect(root.mountsInside() == [root.sub("mounts/pvc-kept")])
        // An unreadable store removes nothing.
        #expect(try await driver.removeOrphans(parameterSets: [[:]], grace: .zero, madeAfter: 0) { nil }.removed.isEmpty)
        try await driver.delete(name: "pvc-kept", parameters: [:])
        try expectGone(root, "pvc-kept")
    }
}

/// A reboot as a Block volume sees it: its device detached, and the number its link names
/// taken by a spare image of the test's own, so the next attach gets another. The spare may not
/// be given the freed number (a test running alongside can take it first), so the link is
/// pointed at whatever device the spare got: that is the state a reboot leaves either way.
/// Returns the spare's device, for the test to detach when it is done.
func rebootBlockVolume(_ root: TestRoot, image: String, link: String) throws -> LoopDevice {
    let first = try #require(try LinuxLoopDevices().devices(backing: image).first)
    let spare = root.sub("spare.img")
    try makeSparseFile(spare, size: mebibyte)
    #expect(try LinuxLoopDevices().detach(first, ifBacking: image))
    let holder = try LinuxLoopDevices().attach(image: spare, readOnly: false, autoclear: false)
    try FileManager.default.removeItem(atPath: link)
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: holder.path)
    return holder
}
