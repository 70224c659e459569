#if canImport(Glibc)
import Glibc
#endif
import CLinux
import SystemPackage

/// Loop devices on this kernel: `/dev/loop-control` (LOOP_CTL_GET_FREE) and the loop ioctls
/// LOOP_CONFIGURE, LOOP_CLR_FD, LOOP_SET_CAPACITY, LOOP_GET_STATUS64 and LOOP_SET_STATUS64,
/// through the `pvd_loop_*` functions of CLinux. Stateless: every call opens what it needs and
/// closes it before returning. Needs root (CAP_SYS_ADMIN) and Linux ≥ 5.8 (LOOP_CONFIGURE).
public struct LinuxLoopDevices: LoopDevices {
    /// How often `attach` asks for another free device when the one it was given was taken
    /// by another process between LOOP_CTL_GET_FREE and LOOP_CONFIGURE.
    public var attachAttempts: Int

    public init(attachAttempts: Int = 8) {
        self.attachAttempts = max(1, attachAttempts)
    }

    /// Opens `image`, asks for a free device (LOOP_CTL_GET_FREE), opens it and binds the image
    /// to it (LOOP_CONFIGURE). LOOP_CTL_GET_FREE only names a device that was free a moment ago:
    /// when another process binds it first, LOOP_CONFIGURE fails with EBUSY and this asks again.
    public func attach(image: String, readOnly: Bool, autoclear: Bool) throws(DriverError) -> LoopDevice {
        let (device, hold) = try attachHeld(image: image, readOnly: readOnly, autoclear: autoclear)
        try? hold.close()
        return device
    }

    /// `attach`, returning the device still open: with autoclear, the kernel keeps the binding
    /// while this descriptor (and later a mount) holds it, and drops it when the last goes.
    public func attachHeld(image: String, readOnly: Bool, autoclear: Bool) throws(DriverError) -> (LoopDevice, FileDescriptor) {
        let access: FileDescriptor.AccessMode = readOnly ? .readOnly : .readWrite
        let backing = try LoopFiles.open(image, access, options: [.closeOnExec, .noFollow])
        defer { try? backing.close() }
        var lastError = DriverError(.busy, "attach \(image): no free loop device after \(attachAttempts) attempts")
        for attempt in 1...attachAttempts {
            let number = pvd_loop_get_free()
            if number < 0 {
                if -number == ENOENT {
                    throw DriverError(.unsupported, "attach \(image): /dev/loop-control is missing (is the loop module loaded?)", errno: ENOENT)
                }
                throw .system("LOOP_CTL_GET_FREE for", image, errno: -number)
            }
            let device = LoopDevice(number: Int(number))
            let loop: FileDescriptor
            do {
                loop = try FileDescriptor.open(device.path, access, options: [.closeOnExec])
            } catch let e as Errno where e == .noSuchFileOrDirectory || e == .noSuchAddressOrDevice {
                // Removed (LOOP_CTL_REMOVE) by someone else between the two calls: ask again.
                lastError = .system("open", device.path, errno: e.rawValue)
                continue
            } catch let e as Errno {
                throw .system("open", device.path, errno: e.rawValue)
            } catch {
                throw DriverError(.system, "open \(device.path): \(error)")
            }
            let r = pvd_loop_configure(loop.rawValue, backing.rawValue, readOnly ? 1 : 0, autoclear ? 1 : 0, 0)
            if r == 0 { return (device, loop) }
            try? loop.close()
            if -r == EBUSY {
                lastError = .system("LOOP_CONFIGURE \(device.path) with", image, errno: EBUSY)
                // Lost the race for this number; a short pause lets the winner finish.
                usleep(useconds_t(1000 * attempt))
                continue
            }
            if -r == ENOTTY {
                throw DriverError(.unsupported, "LOOP_CONFIGURE \(device.path) with \(image): not supported by this kernel (needs Linux 5.8)", errno: -r)
            }
            if -r == EINVAL {
                // Kernels before 5.8 answer an unknown loop ioctl with EINVAL too.
                throw DriverError(.system, "LOOP_CONFIGURE \(device.path) with \(image): invalid argument (errno \(EINVAL); Linux < 5.8 has no LOOP_CONFIGURE)", errno: EINVAL)
            }
            throw .system("LOOP_CONFIGURE \(device.path) with", image, errno: -r)
        }
        throw lastError
    }

    /// LOOP_CLR_FD. A device that is free (ENXIO) or gone (ENOENT) is already detached. When
    /// something else still holds the device open (a mount), the kernel only marks it to detach
    /// at its last close; `devices(backing:)` still lists it until then.
    public func detach(_ device: LoopDevice) throws(DriverError) {
        guard let loop = try openDevice(device) else { return }
        defer { try? loop.close() }
        let r = pvd_loop_clear(loop.rawValue)
        if r == 0 || -r == ENXIO { return }
        throw .system("LOOP_CLR_FD", device.path, errno: -r)
    }

    /// LOOP_GET_STATUS64, compared with `stat` of the image, then LOOP_CLR_FD, on one descriptor:
    /// while it is open the kernel cannot let the device go (autoclear waits for the last close,
    /// another LOOP_CLR_FD is deferred to it), so the device cleared is the one checked.
    public func detach(_ device: LoopDevice, ifBacking image: String) throws(DriverError) -> Bool {
        guard let st = try LoopFiles.statIfExists(image) else { return false }
        guard let loop = try openDevice(device) else { return false }
        defer { try? loop.close() }
        var dev: UInt64 = 0
        var ino: UInt64 = 0
        let r = pvd_loop_backing(loop.rawValue, &dev, &ino)
        if -r == ENXIO { return false }
        if r != 0 { throw .system("LOOP_GET_STATUS64", device.path, errno: -r) }
        guard LoopFiles.Identity(device: dev, inode: ino) == LoopFiles.identity(of: st) else { return false }
        let c = pvd_loop_clear(loop.rawValue)
        if c == 0 || -c == ENXIO { return true }
        throw .system("LOOP_CLR_FD", device.path, errno: -c)
    }

    /// LOOP_GET_STATUS64 then LOOP_SET_STATUS64 with LO_FLAGS_AUTOCLEAR added.
    public func setAutoclear(_ device: LoopDevice) throws(DriverError) {
        guard let loop = try openDevice(device) else {
            throw DriverError(.notFound, "set autoclear on \(device.path): no such device")
        }
        defer { try? loop.close() }
        let r = pvd_loop_set_autoclear(loop.rawValue)
        if r == 0 { return }
        if -r == ENXIO { throw DriverError(.notFound, "set autoclear on \(device.path): not attached", errno: ENXIO) }
        throw .system("LOOP_SET_STATUS64", device.path, errno: -r)
    }

    /// Which devices are backed by `image`, compared by device and inode number: a loop device
    /// keeps its file, not its name. Bound devices are found through sysfs
    /// (`/sys/block/loopN/loop/backing_file` exists only while bound), so devices of other
    /// images are never opened; a candidate is confirmed with LOOP_GET_STATUS64. An image that
    /// does not exist backs nothing.
    public func devices(backing image: String) throws(DriverError) -> [LoopDevice] {
        guard let st = try LoopFiles.statIfExists(image) else { return [] }
        let wanted = LoopFiles.identity(of: st)
        var found: [LoopDevice] = []
        for (identity, device) in try boundDevices() where identity == wanted {
            if try backingIdentity(of: device) == wanted { found.append(device) }
        }
        return found.sorted { $0.number < $1.number }
    }

    public func bindings() throws(DriverError) -> LoopBindings {
        LoopBindings(try boundDevices())
    }

    /// Each bound device with the identity of the file sysfs names as its backing.
    private func boundDevices() throws(DriverError) -> [(LoopFiles.Identity, LoopDevice)] {
        var found: [(LoopFiles.Identity, LoopDevice)] = []
        for name in try LoopFiles.entries(of: "/sys/block") ?? [] where name.hasPrefix("loop") {
            guard let number = Int(name.dropFirst(4)) else { continue }
            guard var backingFile = try LoopFiles.readSmallFile("/sys/block/\(name)/loop/backing_file") else { continue }
            while backingFile.hasSuffix("\n") { backingFile.removeLast() }
            // The kernel appends " (deleted)" once the file is unlinked: not a live image.
            if backingFile.isEmpty || backingFile.hasSuffix(" (deleted)") { continue }
            guard let other = try? LoopFiles.statIfExists(backingFile) else { continue }
            found.append((LoopFiles.identity(of: other), LoopDevice(number: number)))
        }
        return found
    }

    /// LOOP_SET_CAPACITY: the device takes its backing file's current size.
    public func refreshCapacity(_ device: LoopDevice) throws(DriverError) {
        guard let loop = try openDevice(device) else {
            throw DriverError(.notFound, "LOOP_SET_CAPACITY \(device.path): no such device")
        }
        defer { try? loop.close() }
        let r = pvd_loop_set_capacity(loop.rawValue)
        if r == 0 { return }
        if -r == ENXIO { throw DriverError(.notFound, "LOOP_SET_CAPACITY \(device.path): not attached", errno: ENXIO) }
        throw .system("LOOP_SET_CAPACITY", device.path, errno: -r)
    }

    public func isBacking(_ device: LoopDevice, image: String) throws(DriverError) -> Bool {
        guard let st = try LoopFiles.statIfExists(image) else { return false }
        return try backingIdentity(of: device) == LoopFiles.identity(of: st)
    }

    /// The backing file of a device (LOOP_GET_STATUS64), or nil when it is free or gone.
    func backingIdentity(of device: LoopDevice) throws(DriverError) -> LoopFiles.Identity? {
        guard let loop = try openDevice(device) else { return nil }
        defer { try? loop.close() }
        var dev: UInt64 = 0
        var ino: UInt64 = 0
        let r = pvd_loop_backing(loop.rawValue, &dev, &ino)
        if r == 0 { return LoopFiles.Identity(device: dev, inode: ino) }
        if -r == ENXIO { return nil }
        throw .system("LOOP_GET_STATUS64", device.path, errno: -r)
    }

    /// The LO_FLAGS_* of an attached device, or nil when it is free or gone.
    func flags(of device: LoopDevice) throws(DriverError) -> Int32? {
        guard let loop = try openDevice(device) else { return nil }
        defer { try? loop.close() }
        let r = pvd_loop_flags(loop.rawValue)
        if r >= 0 { return r }
        if -r == ENXIO { return nil }
        throw .system("LOOP_GET_STATUS64", device.path, errno: -r)
    }

    /// Opens a device node read-only for an ioctl, or nil when the node is gone. Read-only is
    /// enough for every loop ioctl as root and never blocks a read-only device.
    private func openDevice(_ device: LoopDevice) throws(DriverError) -> FileDescriptor? {
        do {
            return try FileDescriptor.open(device.path, .readOnly, options: [.closeOnExec])
        } catch let e as Errno where e == .noSuchFileOrDirectory || e == .noSuchAddressOrDevice {
            return nil
        } catch let e as Errno {
            throw .system("open", device.path, errno: e.rawValue)
        } catch {
            throw DriverError(.system, "open \(device.path): \(error)")
        }
    }
}
