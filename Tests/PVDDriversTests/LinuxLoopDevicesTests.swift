import CLinux
import Foundation
import PVDDrivers
import Testing

@testable import PVDDrivers

/// LinuxLoopDevices against the real kernel. Each test attaches only its own images, under its
/// own temporary directory, and `TestRoot.cleanup` detaches exactly those devices.
@Suite(.serialized, .enabled(if: isRoot, Comment(rawValue: rootOnly)))
struct LinuxLoopDevicesTests {
    let loops = LinuxLoopDevices()

    @Test func attachReadsTheImageSizeThroughTheDeviceAndDetaches() throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let image = root.sub("a.img")
        try makeSparseFile(image, size: 64 * mebibyte)

        let device = try loops.attach(image: image, readOnly: false, autoclear: false)
        #expect(try sizeOf(device.path) == 64 * mebibyte)
        #expect(try loops.devices(backing: image) == [device])
        #expect(root.devicesInside() == [device])

        #expect(try loops.detach(device, ifBacking: image))
        #expect(try loops.devices(backing: image).isEmpty)
        // Free now, and maybe someone else's a moment later: the checked detach leaves it alone.
        #expect(try !loops.detach(device, ifBacking: image))
        #expect(root.devicesInside().isEmpty)
    }

    @Test func devicesAreFoundByInodeNotByName() throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let image = root.sub("a.img")
        let other = root.sub("b.img")
        try makeSparseFile(image, size: 8 * mebibyte)
        try makeSparseFile(other, size: 8 * mebibyte)
        let device = try loops.attach(image: image, readOnly: false, autoclear: false)
        let renamed = root.sub("renamed.img")
        defer { _ = try? loops.detach(device, ifBacking: renamed) }

        #expect(try loops.devices(backing: other).isEmpty)
        #expect(try !loops.detach(device, ifBacking: other))  // not other's: untouched
        #expect(try loops.devices(backing: image) == [device])
        #expect(rename(image, renamed) == 0)
        #expect(try loops.devices(backing: renamed) == [device])
        #expect(try loops.devices(backing: image).isEmpty)  // nothing at that name now
        #expect(try loops.backingIdentity(of: device) != nil)
    }

    @Test func setCapacityGrowsTheDeviceAfterTheImageGrows() throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let image = root.sub("grow.img")
        try makeSparseFile(image, size: 32 * mebibyte)
        let device = try loops.attach(image: image, readOnly: false, autoclear: false)
        defer { _ = try? loops.detach(device, ifBacking: image) }

        #expect(truncate(image, off_t(96 * mebibyte)) == 0)
        #expect(try sizeOf(device.path) == 32 * mebibyte)
        try loops.refreshCapacity(device)
        #expect(try sizeOf(device.path) == 96 * mebibyte)
    }

    @Test func readOnlyAttachRefusesWrites() throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let image = root.sub("ro.img")
        try makeSparseFile(image, size: 8 * mebibyte)
        let device = try loops.attach(image: image, readOnly: true, autoclear: false)
        defer { _ = try? loops.detach(device, ifBacking: image) }

        #expect(try loops.flags(of: device).map { $0 & PVD_LO_FLAGS_READ_ONLY } == PVD_LO_FLAGS_READ_ONLY)
        // The kernel lets the device be opened for writing; the write itself fails.
        let fd = open(device.path, O_WRONLY | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 4096)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 1, count: 4096)
        #expect(pwrite(fd, buffer, 4096, 0) < 0)
        #expect(try sizeOf(image) == 8 * mebibyte)
    }

    /// The way LoopDriver uses it: attached without autoclear, mounted, autoclear turned on;
    /// unmounting then detaches the device by itself.
    @Test func autoclearSetAfterMountDetachesOnUnmount() throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let image = root.sub("fs.img")
        try makeSparseFile(image, size: 32 * mebibyte)
        #expect(try Shell.run("mkfs.ext4", ["-q", image]).status == 0)
        let target = root.sub("mnt")
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)

        let device = try loops.attach(image: image, readOnly: false, autoclear: false)
        try LibMountMounter().mount(source: device.path, target: target, fsType: "ext4", options: [])
        try loops.setAutoclear(device)
        try loops.setAutoclear(device)  // again: no change
        #expect(try loops.flags(of: device).map { $0 & PVD_LO_FLAGS_AUTOCLEAR } == PVD_LO_FLAGS_AUTOCLEAR)
        #expect(try loops.devices(backing: image) == [device])  // the mount holds it

        try LibMountMounter().unmount(target: target)
        #expect(try devicesAfterRelease(backing: image).isEmpty)
    }

    /// LOOP_CONFIGURE with LO_FLAGS_AUTOCLEAR straight away: the device lasts while its
    /// descriptor or a mount holds it, and goes with the last of them (close, then unmount).
    @Test func autoclearFromConfigureDetachesAfterCloseAndUnmount() throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let image = root.sub("ac.img")
        try makeSparseFile(image, size: 32 * mebibyte)
        #expect(try Shell.run("mkfs.ext4", ["-q", image]).status == 0)
        let target = root.sub("mnt")
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)

        let backing = open(image, O_RDWR | O_CLOEXEC)
        try #require(backing >= 0)
        defer { close(backing) }
        // The free number is only a hint: another test (or process) may bind it first, and then
        // the device is theirs, not to be touched: ask again.
        var configured: (device: LoopDevice, fd: Int32)?
        for _ in 0..<8 where configured == nil {
            let number = pvd_loop_get_free()
            try #require(number >= 0)
            let device = LoopDevice(number: Int(number))
            let fd = open(device.path, O_RDWR | O_CLOEXEC)
            guard fd >= 0 else { continue }
            let r = pvd_loop_configure(fd, backing, 0, 1, 0)
            if r == 0 { configured = (device, fd) } else { close(fd); #expect(r == -EBUSY) }
        }
        let (device, loopFD) = try #require(configured)
        var held = true
        defer { if held { close(loopFD) } }
        try LibMountMounter().mount(source: device.path, target: target, fsType: "ext4", options: [])
        close(loopFD)
        held = false
        #expect(try loops.devices(backing: image) == [device])  // the mount still holds it
        try LibMountMounter().unmount(target: target)
        #expect(try devicesAfterRelease(backing: image).isEmpty)
    }

    /// Why LoopDriver does not attach with autoclear: with nothing holding the device, closing
    /// the descriptor that configured it detaches it.
    @Test func autoclearAttachWithoutAHolderIsGoneAtOnce() throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let image = root.sub("gone.img")
        try makeSparseFile(image, size: 8 * mebibyte)
        _ = try loops.attach(image: image, readOnly: false, autoclear: true)
        // Gone at the last close: ours, or that of a concurrent attach that was handed the same
        // free number and opened it before losing the race, a moment later.
        #expect(try devicesAfterRelease(backing: image).isEmpty)
    }

    /// LOOP_CTL_GET_FREE hands the same number to callers racing for it; the loser's
    /// LOOP_CONFIGURE fails EBUSY and `attach` asks again.
    @Test func concurrentAttachesGetDistinctDevices() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let images = (0..<6).map { root.sub("c\($0).img") }
        for image in images { try makeSparseFile(image, size: 4 * mebibyte) }
        let loops = self.loops
        let devices = try await withThrowingTaskGroup(of: (String, LoopDevice).self) { group in
            for image in images {
                group.addTask { (image, try loops.attach(image: image, readOnly: false, autoclear: false)) }
            }
            var result: [String: LoopDevice] = [:]
            for try await (image, device) in group { result[image] = device }
            return result
        }
        #expect(Set(devices.values).count == images.count)
        for (image, device) in devices {
            #expect(try loops.devices(backing: image) == [device])
            #expect(try loops.detach(device, ifBacking: image))
        }
        #expect(root.devicesInside().isEmpty)
    }

    @Test func missingImageBacksNothingAndCannotBeAttached() throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        #expect(try loops.devices(backing: root.sub("none.img")).isEmpty)
        let error = #expect(throws: DriverError.self) { try loops.attach(image: root.sub("none.img"), readOnly: false, autoclear: false) }
        #expect(error?.errno == ENOENT)
        #expect(error?.message.contains(root.sub("none.img")) == true)
    }
}

/// pvd_openat2, which the hostPath driver builds its safe deletion on. No root needed.
struct OpenAt2Tests {
    @Test func resolveFlagsRefuseSymlinksAndEscapes() throws {
        let root = try TestRoot("pvd-openat2-test")
        defer { root.cleanup() }
        try "x".write(toFile: root.sub("file"), atomically: false, encoding: .utf8)
        #expect(symlink(root.sub("file"), root.sub("link")) == 0)
        let dir = open(root.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        try #require(dir >= 0)
        defer { close(dir) }

        let fd = pvd_openat2(dir, "file", O_RDONLY | O_CLOEXEC, 0, UInt64(PVD_RESOLVE_BENEATH | PVD_RESOLVE_NO_SYMLINKS))
        #expect(fd >= 0)
        if fd >= 0 { close(fd) }
        #expect(pvd_openat2(dir, "link", O_RDONLY | O_CLOEXEC, 0, UInt64(PVD_RESOLVE_NO_SYMLINKS)) == -ELOOP)
        #expect(pvd_openat2(dir, "../etc", O_RDONLY | O_CLOEXEC, 0, UInt64(PVD_RESOLVE_BENEATH)) == -EXDEV)
        #expect(pvd_openat2(dir, "missing", O_RDONLY | O_CLOEXEC, 0, 0) == -ENOENT)
    }
}
