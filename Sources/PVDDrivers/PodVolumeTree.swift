#if canImport(Glibc)
import Glibc
#endif

/// What `PodVolumeTree.publish` found or did.
public enum PublishOutcome: String, Sendable {
    /// The volume was already there as asked: nothing done.
    case unchanged
    /// A bind mount was made.
    case published
    /// The bind mount was there, with the other read-only setting: remounted.
    case remounted
}

/// `<root>/pods`: where each Pod's claimed volumes are made reachable, at
/// `<root>/pods/<pod-uid>/volumes/<claim>`: a bind mount of the volume's directory (read-only
/// when asked), or for a Block volume a bind of the volume's device node onto an empty file.
///
/// Everything below `<root>/pods` is opened from a descriptor with openat2 and never through a
/// symlink (`SafeTree`); mounts are found in /proc/self/mountinfo and unmounted by their exact
/// path (`Mounter.unmount(exactly:)`), never lazily. A pod directory is removed only once no
/// mount is left under it.
public struct PodVolumeTree: Sendable {
    /// `<root>/pods`, as configured.
    public let podsDir: String
    let tree: SafeTree
    let mounter: any Mounter

    public init(root: String, mounter: any Mounter = LibMountMounter()) throws(DriverError) {
        podsDir = try SafeTree.normalise(LoopLayout.join(root, "pods"), what: "pods directory")
        tree = try SafeTree(roots: [podsDir])
        self.mounter = mounter
    }

    /// Where a pod's claim is published (`<pods>/<uid>/volumes/<claim>`), as configured.
    public func path(podUID: String, claim: String) -> String {
        "\(podsDir)/\(podUID)/volumes/\(claim)"
    }

    /// Takes the node-wide publishing lock (`flock` on `<root>/.pvd-pods.lock`), held until the
    /// returned value is released: a daemon and a `reconcile --once` on one node then publish
    /// and unpublish in turn, so neither stacks a second bind on the other's or removes a
    /// directory the other is filling.
    public func lock() throws(DriverError) -> PodsLock {
        let root = String(podsDir.dropLast("/pods".count))
        try SafeTree.makeRoot(root.isEmpty ? "/" : root)
        let path = LoopLayout.join(root.isEmpty ? "/" : root, ".pvd-pods.lock")
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw DriverError.system("open lock", path, errno: errno) }
        while flock(fd, LOCK_EX) != 0 {
            let e = errno
            guard e == EINTR else {
                _ = close(fd)
                throw DriverError.system("flock", path, errno: e)
            }
        }
        return PodsLock(fd: fd)
    }

    // MARK: Listing

    /// The pod directories present (their names: pod uids). Entries that are not directories
    /// (a stray file or symlink) are listed too, so that `unpublish` clears them.
    public func podUIDs() throws(DriverError) -> [String] {
        guard let anchor = try anchor(create: false) else { return [] }
        return try SafeTree.entries(of: anchor).map(\.display).sorted()
    }

    /// For every pod directory, the claims whose entry is in place: a mount point. (An empty file
    /// a Block volume's bind left at a reboot, or a device node an older pvd made, is not.)
    /// `mounts`: the mount table, if the caller has just read it (nil: read it here).
    public func published(mounts: [MountInfoEntry]? = nil) throws(DriverError) -> [String: Set<String>] {
        guard let anchor = try anchor(create: false) else { return [:] }
        let base = try canonicalPodsDir()
        let mountPoints = Set(try Self.table(mounts).map(\.mountPoint))
        var result: [String: Set<String>] = [:]
        for uid in try SafeTree.entries(of: anchor).filter(\.isDirectory).map(\.display) {
            guard Self.validName(uid), let dir = try? SafeTree.walk([uid, "volumes"], from: anchor, crossMounts: false, create: nil)
            else { continue }
            var claims: Set<String> = []
            for entry in try SafeTree.entries(of: dir) {
                let name = entry.display
                if mountPoints.contains("\(base)/\(uid)/volumes/\(name)") { claims.insert(name) }
            }
            result[uid] = claims
        }
        return result
    }

    /// The claim entries under a pod's `volumes/` directory, whatever state they are in.
    public func claims(of podUID: String) throws(DriverError) -> [String] {
        try Self.check(podUID, what: "pod uid")
        guard let anchor = try anchor(create: false),
              let dir = try SafeTree.walk([podUID, "volumes"], from: anchor, crossMounts: false, create: nil)
        else { return [] }
        return try SafeTree.entries(of: dir).map(\.display).sorted()
    }

    // MARK: Publishing

    /// Makes the Filesystem volume at `source` (a directory) reachable at the pod's claim path
    /// by a bind mount, read-only with `readOnly`. With `sourceMustBeMounted` (a loop volume's
    /// mount point) the source must itself be a mount point: an unmounted mount point is an
    /// empty directory of the root filesystem, and a Pod's writes must never land there.
    /// Publishing what is already published does nothing; a bind of something else at the path
    /// is replaced. `mounts`: the mount table as the caller last read it (nil: read it here); one
    /// read serves a whole pass, since each publication changes only its own path.
    @discardableResult
    public func publishDirectory(
        podUID: String, claim: String, source: String, readOnly: Bool, sourceMustBeMounted: Bool, mounts: [MountInfoEntry]? = nil
    ) throws(DriverError) -> PublishOutcome {
        try publishDirectory(
            podUID: podUID, claim: claim, source: source, readOnly: readOnly, sourceMustBeMounted: sourceMustBeMounted,
            ownership: nil, mounts: mounts).outcome
    }

    /// What a publication did, and the ownership change made before its bind.
    public struct Publication: Sendable {
        public var outcome: PublishOutcome
        /// Set when `ownership` was asked for and the volume was bound here, not when it was
        /// already in place.
        public var ownership: VolumeOwnership.Report?
        public init(outcome: PublishOutcome, ownership: VolumeOwnership.Report? = nil) {
            self.outcome = outcome
            self.ownership = ownership
        }
    }

    /// `publishDirectory`, and with `ownership` (a Pod's fsGroup) the volume is given its group
    /// and modes before it is bound, so that the bind's existence says the change is complete:
    /// a pvd killed during the walk finds the volume unpublished and walks again.
    public func publishDirectory(
        podUID: String, claim: String, source: String, readOnly: Bool, sourceMustBeMounted: Bool,
        ownership: VolumeOwnership?, mounts: [MountInfoEntry]? = nil
    ) throws(DriverError) -> Publication {
        var volume = stat()
        guard stat(source, &volume) == 0 else { throw DriverError.system("stat volume directory", source, errno: errno) }
        guard volume.st_mode & S_IFMT == S_IFDIR else { throw DriverError(.invalid, "volume path \(source) is not a directory") }
        let mounts = try Self.table(mounts)
        if sourceMustBeMounted {
            guard let canonical = try LibMountMounter.canonicalPath(source), mounts.contains(where: { $0.mountPoint == canonical }) else {
                throw DriverError(.notFound, "volume directory \(source) is not mounted; not publishing the empty directory under it")
            }
        }
        let dir = try volumesDirectory(podUID, claim: claim)
        let target = "\(try canonicalPodsDir())/\(podUID)/volumes/\(claim)"
        if mkdirat(dir.fd, claim, 0o750) != 0 && errno != EEXIST {
            throw DriverError.system("mkdir", target, errno: errno)
        }
        // The lookup crosses into whatever is mounted there: its root is what a Pod would see.
        guard let here = Self.lstat(dir, claim), here.st_mode & S_IFMT == S_IFDIR else {
            throw DriverError(.refused, "\(target) exists and is not a directory (a symlink is never followed)")
        }
        if let top = mounts.last(where: { $0.mountPoint == target }) {
            if here.st_dev == volume.st_dev && here.st_ino == volume.st_ino {
                // The kernel lists a mount's own flags first, and "ro" or "rw" always leads them.
                if (top.options.first == "ro") == readOnly { return Publication(outcome: .unchanged) }
                try mounter.remount(target: target, readOnly: readOnly)
                return Publication(outcome: .remounted)
            }
            try mounter.unmount(exactly: target)
            return try publishDirectory(
                podUID: podUID, claim: claim, source: source, readOnly: readOnly, sourceMustBeMounted: false, ownership: ownership, mounts: nil)
        }
        let report = try ownership?.apply(to: source)
        try mounter.bind(source: source, target: target, readOnly: readOnly)
        return Publication(outcome: .published, ownership: report)
    }

    /// Makes the Block volume whose device is `source` (a device node, or a link to one)
    /// reachable at the pod's claim path: a bind mount of the device node onto an empty regular
    /// file, read-only with `readOnly` (a mount flag, which does not stop writes to a device:
    /// the device itself stays writable). Never a device node on disk: loop numbers change at a
    /// reboot, and a node left from before would open whatever volume has that number now; a
    /// bind vanishes with the reboot and leaves the empty file, which is bound again here. A bind
    /// of the same device is left alone; one of another device, or an entry of any other kind
    /// (a device node made by an older pvd), is replaced.
    public func publishDevice(
        podUID: String, claim: String, source: String, readOnly: Bool, mounts: [MountInfoEntry]? = nil
    ) throws(DriverError) -> PublishOutcome {
        var device = stat()
        guard stat(source, &device) == 0 else { throw DriverError.system("stat volume device", source, errno: errno) }
        guard device.st_mode & S_IFMT == S_IFBLK else { throw DriverError(.invalid, "volume path \(source) is not a block device") }
        let mounts = try Self.table(mounts)
        let dir = try volumesDirectory(podUID, claim: claim)
        let target = "\(try canonicalPodsDir())/\(podUID)/volumes/\(claim)"
        if let top = mounts.last(where: { $0.mountPoint == target }) {
            // The lookup crosses into the bind: what is there is the device node it shows.
            if let here = Self.lstat(dir, claim), here.st_mode & S_IFMT == S_IFBLK, here.st_rdev == device.st_rdev {
                if (top.options.first == "ro") == readOnly { return .unchanged }
                try mounter.remount(target: target, readOnly: readOnly)
                return .remounted
            }
            try unmountAll(under: target)
        }
        if let here = Self.lstat(dir, claim), here.st_mode & S_IFMT != S_IFREG || here.st_size != 0 {
            try Self.removeEntry(claim, in: dir)
        }
        let fd = openat(dir.fd, claim, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw DriverError.system("create", target, errno: errno) }
        _ = close(fd)
        try mounter.bind(source: source, target: target, readOnly: readOnly)
        return .published
    }

    // MARK: Unpublishing

    /// Unmounts everything mounted under the pod's directory (deepest first, by exact path) and
    /// removes the directory. A pod directory that is not there is success. A stray file or
    /// symlink in its place is unlinked, never followed.
    /// `mounts`: the mount table as the caller last read it, for the first round (nil: read it
    /// here); whether anything is left is always checked on a fresh read.
    /// - Throws: `.busy` when a mount cannot be unmounted; the directory then stays.
    public func unpublish(podUID: String, mounts: [MountInfoEntry]? = nil) throws(DriverError) {
        try Self.check(podUID, what: "pod uid")
        guard let anchor = try anchor(create: false) else { return }
        try unmountAll(under: "\(try canonicalPodsDir())/\(podUID)", mounts: mounts)
        try Self.removeEntry(podUID, in: anchor)
    }

    /// Unmounts and removes one claim's entry of a pod; the pod directory stays.
    public func unpublish(podUID: String, claim: String) throws(DriverError) {
        try Self.check(podUID, what: "pod uid")
        try Self.check(claim, what: "claim name")
        guard let anchor = try anchor(create: false),
              let dir = try SafeTree.walk([podUID, "volumes"], from: anchor, crossMounts: false, create: nil)
        else { return }
        try unmountAll(under: "\(try canonicalPodsDir())/\(podUID)/volumes/\(claim)")
        try Self.removeEntry(claim, in: dir)
    }

    /// Unmounts every mount at or below `path`, deepest and newest first, until mountinfo shows
    /// none. A mount that is busy does not stop the others from going: each is tried, and the
    /// first failure is thrown once all were.
    func unmountAll(under path: String, mounts: [MountInfoEntry]? = nil) throws(DriverError) {
        var table = mounts
        for _ in 0..<8 {
            let inside = try Self.table(table).filter { $0.mountPoint == path || $0.mountPoint.hasPrefix(path + "/") }
            table = nil
            if inside.isEmpty { return }
            let order = inside.sorted { a, b in a.mountPoint.count != b.mountPoint.count ? a.mountPoint.count > b.mountPoint.count : a.id > b.id }
            var failure: DriverError?
            for m in order {
                do throws(DriverError) {
                    try mounter.unmount(exactly: m.mountPoint)
                } catch {
                    failure = failure ?? error
                }
            }
            if let failure { throw failure }
        }
        let left = try MountTable.entries().filter { $0.mountPoint == path || $0.mountPoint.hasPrefix(path + "/") }
        if !left.isEmpty {
            throw DriverError(.busy, "mounts remain under \(path): \(left.map(\.mountPoint).joined(separator: ", "))")
        }
    }

    /// Removes the entry `name` of `dir`: a directory tree through `SafeTree` (never through a
    /// symlink or across a mount), anything else unlinked.
    static func removeEntry(_ name: String, in dir: OpenDirectory) throws(DriverError) {
        guard let st = lstat(dir, name) else { return }
        if st.st_mode & S_IFMT == S_IFDIR {
            try SafeTree.removeTree([name], below: dir, keepTop: false)
        } else if unlinkat(dir.fd, name, 0) != 0 && errno != ENOENT {
            throw DriverError.system("unlink", "\(dir.path)/\(name)", errno: errno)
        }
    }

    // MARK: Helpers

    /// `<root>/pods`, opened (and with `create`, made); refused when it is a symlink, which
    /// would move every Pod's mounts somewhere else.
    private func anchor(create: Bool) throws(DriverError) -> OpenDirectory? {
        var st = stat()
        if Glibc.lstat(podsDir, &st) == 0 && st.st_mode & S_IFMT == S_IFLNK {
            throw DriverError(.refused, "\(podsDir) is a symlink; pvd never follows symlinks under its pods directory")
        }
        return try tree.openAnchor(podsDir, create: create)
    }

    /// The pod's `volumes/` directory, made (mode 0750) if missing, never through a symlink.
    private func volumesDirectory(_ podUID: String, claim: String) throws(DriverError) -> OpenDirectory {
        try Self.check(podUID, what: "pod uid")
        try Self.check(claim, what: "claim name")
        guard let anchor = try anchor(create: true),
              let dir = try SafeTree.walk([podUID, "volumes"], from: anchor, crossMounts: false, create: 0o750)
        else { throw DriverError(.notFound, "\(podsDir)/\(podUID)/volumes vanished") }
        return dir
    }

    /// `<root>/pods` as the kernel names it in mountinfo (the configured root may pass through a symlink).
    private func canonicalPodsDir() throws(DriverError) -> String {
        try LibMountMounter.canonicalPath(podsDir) ?? podsDir
    }

    /// The mount table the caller passed, or a fresh read of it.
    static func table(_ given: [MountInfoEntry]?) throws(DriverError) -> [MountInfoEntry] {
        if let given { return given }
        return try MountTable.entries()
    }

    /// `fstatat(2)` of an entry without following a symlink; nil when it does not exist.
    static func lstat(_ dir: OpenDirectory, _ name: String) -> stat? {
        var st = stat()
        return fstatat(dir.fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? st : nil
    }

    static func validName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 253 && name != "." && name != ".." && !name.contains("/") && !name.contains("\0")
    }

    static func check(_ name: String, what: String) throws(DriverError) {
        guard validName(name) else { throw DriverError(.invalid, "\(what) \"\(name)\" cannot name a directory under pods/") }
    }
}

/// The publishing lock of one node, held while this value lives (`PodVolumeTree.lock()`); the
/// kernel drops it with the descriptor, also when the process dies.
public final class PodsLock {
    private let fd: Int32
    init(fd: Int32) { self.fd = fd }
    deinit { _ = close(fd) }
}
