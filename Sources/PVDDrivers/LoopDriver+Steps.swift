#if canImport(Glibc)
import Glibc
#endif
import Logging
import SystemPackage

/// The provisioning steps after the image. Each looks first and acts only when its work is not
/// done yet; provisioning calls them in order, tests call them one by one to stage a crash.
extension LoopDriver {
    /// Filesystems an image may already hold that pvd mounts as they are. Anything else libblkid
    /// names (swap, LVM, a partition table) is refused, and never formatted over.
    static let mountableTypes: Set<String> = ["ext2", "ext3", "ext4", "xfs", "btrfs"]

    /// The device backing the image, attaching one when there is none. A device left from an
    /// earlier try (or still attached after a crash) is found by the image's inode and reused.
    func ensureAttached(_ layout: LoopLayout) throws(DriverError) -> LoopDevice {
        let existing = try loops.devices(backing: layout.image)
        if let device = existing.first {
            if existing.count > 1 {
                logger.warning("image attached more than once", metadata: ["pvd.pv": "\(layout.name)", "pvd.devices": "\(existing)"])
            }
            return device
        }
        let device = try loops.attach(image: layout.image, readOnly: false, autoclear: false)
        logger.debug("attached", metadata: ["pvd.pv": "\(layout.name)", "pvd.device": "\(device)"])
        return device
    }

    /// Runs `body` while a descriptor of ours holds `device` open, after checking that it backs the
    /// volume's image. While it is held the kernel keeps the binding: autoclear waits for the last
    /// close and another process's LOOP_CLR_FD is deferred to it. So the number mkfs, mount or the
    /// link are given is the image's for as long as they use it.
    func holding<T>(
        _ device: LoopDevice, of layout: LoopLayout, _ body: () async throws(DriverError) -> T
    ) async throws(DriverError) -> T {
        let hold = try LoopFiles.open(device.path, .readOnly, options: [.closeOnExec])
        defer { try? hold.close() }
        guard try loops.isBacking(device, image: layout.image) else {
            throw DriverError(.busy, "\(device.path) no longer backs \(layout.image); provision again")
        }
        return try await body()
    }

    /// The device of the image mounted at the volume's mount point, or nil when nothing is.
    /// Something else mounted there is refused, never unmounted or mounted over.
    func mountedDevice(_ layout: LoopLayout) throws(DriverError) -> LoopDevice? {
        guard let mounted = try mounter.mountedSource(at: layout.mountPoint) else { return nil }
        if mounted.source.hasPrefix("/dev/loop"), let number = Int(mounted.source.dropFirst("/dev/loop".count)),
           try loops.isBacking(LoopDevice(number: number), image: layout.image) {
            return LoopDevice(number: number)
        }
        let devices = try loops.devices(backing: layout.image)
        guard let device = devices.first(where: { $0.path == mounted.source }) else {
            throw DriverError(
                .refused,
                "\(layout.mountPoint) has \(mounted.source) (\(mounted.fsType)) mounted, not the image \(layout.image) (attached: \(devices.isEmpty ? "nowhere" : devices.map(\.path).joined(separator: ", ")))"
            )
        }
        return device
    }

    /// The filesystem on the device: the one already there, or a new one of the class's type
    /// when the probe finds nothing at all. An image that holds a filesystem is never formatted
    /// again, whatever the class says now.
    func ensureFilesystem(_ layout: LoopLayout, device: LoopDevice, parameters: LoopParameters) async throws(DriverError) -> String {
        try await ensureFilesystem(at: device.path, parameters: parameters) { () throws(DriverError) in
            // mkfs takes a path: make sure, as late as we can, that the number is still this image's.
            guard try loops.isBacking(device, image: layout.image) else {
                throw DriverError(.busy, "\(device.path) no longer backs \(layout.image); provision again")
            }
        }
    }

    /// The same for an image no device is attached to: the probe and mkfs work on the file itself.
    func ensureFilesystem(onImage layout: LoopLayout, parameters: LoopParameters) async throws(DriverError) -> String {
        try await ensureFilesystem(at: layout.image, parameters: parameters) { () throws(DriverError) in }
    }

    /// Probes `path`, and formats it only when it holds nothing, after `beforeFormat` agrees.
    private func ensureFilesystem(
        at path: String, parameters: LoopParameters, beforeFormat: () throws(DriverError) -> Void
    ) async throws(DriverError) -> String {
        if let found = try probe.probe(path) {
            guard Self.mountableTypes.contains(found) else {
                throw DriverError(.refused, "\(path) already holds \(found), which pvd does not mount; it is never formatted over")
            }
            if found != parameters.fsType {
                logger.notice(
                    "image keeps its existing filesystem", metadata: ["pvd.path": "\(path)", "pvd.found": "\(found)", "pvd.fsType": "\(parameters.fsType)"])
            }
            return found
        }
        try beforeFormat()
        try await tools.makeFilesystem(type: parameters.fsType, device: path, options: parameters.mkfsOptions)
        logger.debug("made filesystem", metadata: ["pvd.path": "\(path)", "pvd.fsType": "\(parameters.fsType)"])
        return parameters.fsType
    }

    /// Mounts the device at the volume's mount point unless it is mounted there already.
    func ensureMounted(_ layout: LoopLayout, device: LoopDevice, fsType: String, options: [String]) throws(DriverError) {
        try LoopFiles.makeDirectories(layout.mountPoint, mode: 0o755)
        if let mounted = try mountedDevice(layout) {
            guard mounted == device else {
                throw DriverError(.refused, "\(layout.mountPoint) has \(mounted.path) mounted, not \(device.path)")
            }
            return
        }
        try mounter.mount(source: device.path, target: layout.mountPoint, fsType: fsType, options: options)
    }

    /// Points `<root>/devices/pvc-<uid>` at the device. A link to another device (the image was
    /// attached again, under another number) is replaced in one rename; anything at that path
    /// that is not a symlink is refused.
    func ensureDeviceLink(_ layout: LoopLayout, device: LoopDevice) throws(DriverError) {
        try LoopFiles.makeDirectories(layout.devicesDir, mode: 0o755)
        if let st = try LoopFiles.lstatIfExists(layout.deviceLink) {
            guard LoopFiles.isSymlink(st) else {
                throw DriverError(.refused, "\(layout.deviceLink) exists and is not a symlink; pvd does not replace it")
            }
            if try Self.readLink(layout.deviceLink) == device.path { return }
        }
        try LoopFiles.unlinkIfExists(layout.deviceLinkPartial)
        if symlink(device.path, layout.deviceLinkPartial) != 0 {
            throw .system("symlink", layout.deviceLinkPartial, errno: errno)
        }
        if rename(layout.deviceLinkPartial, layout.deviceLink) != 0 {
            let e = errno
            try? LoopFiles.unlinkIfExists(layout.deviceLinkPartial)
            throw .system("rename to \(layout.deviceLink) from", layout.deviceLinkPartial, errno: e)
        }
        try LoopFiles.syncDirectory(layout.devicesDir)
    }

    /// `readlink(2)`.
    static func readLink(_ path: String) throws(DriverError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, buffer.count - 1)
        if n < 0 { throw .system("readlink", path, errno: errno) }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
