import SystemPackage

/// A loop device pvd attached: its node ("/dev/loop7") and number.
public struct LoopDevice: Sendable, Hashable, CustomStringConvertible {
    public var number: Int
    public var path: String { "/dev/loop\(number)" }
    public init(number: Int) { self.number = number }
    public var description: String { path }
}

/// Loop devices, through /dev/loop-control and the loop ioctls (LOOP_CTL_GET_FREE,
/// LOOP_CONFIGURE, LOOP_CLR_FD, LOOP_SET_CAPACITY, LOOP_GET_STATUS64, LOOP_SET_STATUS64).
public protocol LoopDevices: Sendable {
    /// Attaches an image file to a free loop device. `autoclear` makes the kernel detach it at
    /// its last close. `attach` closes its own descriptor before it returns, so a device attached
    /// with `autoclear` that nothing else holds open is gone again at once: filesystem volumes are
    /// attached without it and get it from `setAutoclear` once mounted; a Block volume, which
    /// nothing mounts, never gets it and is detached explicitly.
    func attach(image: String, readOnly: Bool, autoclear: Bool) throws(DriverError) -> LoopDevice
    /// Turns autoclear on for an attached device (LOOP_SET_STATUS64), so that it detaches itself
    /// once its last holder (the mount) lets go. Call it only while something holds the device open.
    func setAutoclear(_ device: LoopDevice) throws(DriverError)
    /// Detaches a device (LOOP_CLR_FD). Detaching a device that is already free is not an error.
    /// A number is only safe to detach while it is known to be held: once it is free, another
    /// process may bind it, so prefer `detach(_:ifBacking:)`.
    func detach(_ device: LoopDevice) throws(DriverError)
    /// Detaches `device` only if `image` still backs it, checked (LOOP_GET_STATUS64) and cleared
    /// (LOOP_CLR_FD) through one open descriptor, which keeps the device from changing hands in
    /// between. Returns false, touching nothing, when it is free or backed by another file.
    func detach(_ device: LoopDevice, ifBacking image: String) throws(DriverError) -> Bool
    /// The devices currently backed by `image` (by inode, not by name), as the kernel reports them.
    func devices(backing image: String) throws(DriverError) -> [LoopDevice]
    /// `attach`, returning the device's descriptor still open, so an autoclear device stays
    /// bound until the caller (or a mount made meanwhile) lets go of it.
    func attachHeld(image: String, readOnly: Bool, autoclear: Bool) throws(DriverError) -> (LoopDevice, FileDescriptor)
    /// Whether `device` is backed by `image` right now (LOOP_GET_STATUS64 on that one device):
    /// the cheap check once the device is known, where `devices(backing:)` scans them all.
    func isBacking(_ device: LoopDevice, image: String) throws(DriverError) -> Bool
    /// Tells the device its backing file changed size (LOOP_SET_CAPACITY).
    func refreshCapacity(_ device: LoopDevice) throws(DriverError)

    // MARK: Recovery

    /// Every bound device and its backing file's identity, in one scan (sysfs and a `stat` of
    /// each backing file; no device is opened).
    func bindings() throws(DriverError) -> LoopBindings
}

/// Mounts, through libmount.
public protocol Mounter: Sendable {
    /// Mounts `source` at `target` (a directory that exists) with a filesystem type (nil for a bind
    /// mount) and options ("ro", "noatime", "bind"…).
    func mount(source: String, target: String, fsType: String?, options: [String]) throws(DriverError)
    /// Unmounts `target`. Unmounting something not mounted is not an error.
    func unmount(target: String) throws(DriverError)
    /// What is mounted exactly at `target` (from /proc/self/mountinfo), or nil.
    func mountedSource(at target: String) throws(DriverError) -> MountInfo?

    // MARK: Pod publishing

    /// Bind-mounts the directory (or file) `source` onto `target`, then, with `readOnly`, makes
    /// that bind read-only (a second `mount(2)` with MS_REMOUNT | MS_BIND | MS_RDONLY: a bind
    /// mount takes its read-only flag only on a remount).
    func bind(source: String, target: String, readOnly: Bool) throws(DriverError)
    /// Turns the read-only flag of the mount at `target` on or off (MS_REMOUNT | MS_BIND), keeping
    /// its nosuid, nodev, noexec and atime flags as they are.
    func remount(target: String, readOnly: Bool) throws(DriverError)
    /// Unmounts the mount at exactly `path`, as mountinfo names it: `umount2(2)` with
    /// UMOUNT_NOFOLLOW and no canonicalisation, so a symlink put in its place is never followed
    /// and nothing but that mount is touched. Returns false when nothing is mounted there
    /// (EINVAL or ENOENT); EBUSY is thrown, never turned into a lazy detach.
    @discardableResult
    func unmount(exactly path: String) throws(DriverError) -> Bool
}

/// One mount, as the kernel lists it.
public struct MountInfo: Sendable, Hashable {
    public var source: String
    public var target: String
    public var fsType: String
    public var options: [String]
    public init(source: String, target: String, fsType: String, options: [String]) {
        self.source = source
        self.target = target
        self.fsType = fsType
        self.options = options
    }
}

/// What a device or image already holds, through libblkid.
public protocol FilesystemProbe: Sendable {
    /// The filesystem type ("ext4", "xfs", "btrfs"…) found on `path`, or nil when it holds none.
    /// Anything else libblkid recognises (a partition table, swap, LVM) comes back as its type too,
    /// so pvd never formats over it.
    func probe(_ path: String) throws(DriverError) -> String?
}

/// Makes and grows filesystems with the system's tools (mkfs.<type>, resize2fs, xfs_growfs,
/// btrfs filesystem resize), their output captured into the error on failure.
public protocol FilesystemTools: Sendable {
    /// Makes a filesystem of `type` on `device`, with extra `options` given to mkfs.
    func makeFilesystem(type: String, device: String, options: [String]) async throws(DriverError)
    /// Grows the mounted filesystem at `mountPoint` (on `device`) to fill its device.
    func growFilesystem(type: String, device: String, mountPoint: String) async throws(DriverError)
    /// Checks and grows the filesystem on `device`, which nothing mounts, to fill the device
    /// (ext2/3/4: `e2fsck -f -y`, then `resize2fs`): the way to grow ext4 without the
    /// CAP_SYS_RESOURCE its online resize needs.
    func growUnmountedFilesystem(type: String, device: String) async throws(DriverError)
    /// The filesystem types this machine can make (mkfs.<type> found on PATH), from ext4, xfs, btrfs.
    func supportedTypes() -> [String]
}
