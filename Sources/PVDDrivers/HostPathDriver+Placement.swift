import CLinux
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Where a new hostPath volume may go, and making its directory so that it is provably pvd's:
/// a volume never lands on, inside or around data it does not own.
extension HostPathDriver {
    /// A volume directory is made under this name in its parent, tagged, then moved into place,
    /// so the volume's path never holds an untagged directory of pvd's, even after a crash.
    static let temporaryPrefix = ".pvd-new-"

    /// What every volume of this node keeps clear of, besides what the caller reserves: pvd's
    /// root, its internal directories and the default basePath and imageDir.
    func reservations(_ request: ProvisionRequest) -> [ReservedPath] {
        PathReservations.internalPaths(root: root) + request.reservedPaths
    }

    /// Refuses a new volume at `path` that would be, hold or lie inside what `reserved` names.
    func checkPlacement(_ path: String, name: String, reserved: [ReservedPath]) throws(DriverError) {
        guard let clash = PathReservations.conflict(volumeAt: path, with: reserved) else { return }
        throw DriverError(
            .refused,
            "volume \(name): its path \(path) \(PathReservations.relation(of: path, to: clash.path)) \(clash); pvd does not put a volume there, so change the class's pathPattern or basePath, or the claim's name")
    }

    /// Makes volume `name`'s directory `below` the open `base`, or finds the one an earlier try
    /// of the same volume made. Parent directories (a `${namespace}/` level) may exist already,
    /// but never as another volume's directory; the last component must not exist unless it is
    /// tagged for this very volume. A new one is made as `<parent>/.pvd-new-<name>`, tagged,
    /// given `mode`, and renamed into place with RENAME_NOREPLACE: a directory that appears in
    /// between is never adopted. Without a tag (`tagRequired` false and trusted attributes
    /// cannot be written) the directory is still one pvd made itself.
    func makeVolumeDirectory(_ below: [String], base: OpenDirectory, name: String, mode: mode_t, tagRequired: Bool) throws(DriverError) -> OpenDirectory {
        guard let leaf = below.last else { throw DriverError(.invalid, "volume \(name): no directory to make below \(base.path)") }
        let visible = RecordedMarker.canSee()
        var parent = base
        for part in below.dropLast() {
            guard let next = try SafeTree.walk([part], from: parent, crossMounts: false, create: 0o755) else {
                throw DriverError(.notFound, "\(parent.path)/\(part) vanished while volume \(name) was made")
            }
            if case .tagged(let owner) = tagState(of: next, visible: visible) {
                throw DriverError(.refused, "volume \(name): \(next.path) is volume \(owner)'s directory, and pvd does not put a volume inside another")
            }
            parent = next
        }
        let path = parent.path + "/" + leaf
        let existing = SafeTree.openChild(parent.fd, leaf, crossMounts: false)
        if existing >= 0 {
            let dir = OpenDirectory(fd: existing, path: path)
            switch tagState(of: dir, visible: visible) {
            case .tagged(name):
                // An earlier try of this volume: finish it.
                if fchmod(dir.fd, mode) != 0 { throw DriverError.system("chmod", path, errno: errno) }
                return dir
            case .tagged(let owner):
                throw DriverError(.refused, "\(path) already belongs to volume \(owner); change pathPattern so volumes get their own directories")
            case .untagged, .unknown:
                throw DriverError(.refused, "volume \(name): \(path) already exists and pvd did not make it; pvd never takes over a directory it did not make (move it away, or change the class's pathPattern)")
            }
        }
        if existing != -ENOENT { throw SafeTree.openError(path, -existing, parent: parent.fd, name: leaf) }

        let temporary = HostPathDriver.temporaryPrefix + name
        try removeTemporary(temporary, in: parent, name: name, visible: visible)
        if mkdirat(parent.fd, temporary, 0o700) != 0 {
            throw DriverError.system("mkdir", parent.path + "/" + temporary, errno: errno)
        }
        let fd = SafeTree.openChild(parent.fd, temporary, crossMounts: false)
        if fd < 0 { throw SafeTree.openError(parent.path + "/" + temporary, -fd) }
        let made = OpenDirectory(fd: fd, path: parent.path + "/" + temporary)
        do throws(DriverError) {
            let bytes = Array(name.utf8)
            let rc = pvd_fsetxattr(made.fd, HostPathDriver.tagAttribute, bytes, bytes.count)
            if rc < 0 {
                if tagRequired {
                    throw DriverError(.unsupported, "cannot tag \(path) with \(HostPathDriver.tagAttribute) (errno \(-rc)); a pathPattern with ${namespace} or ${name} needs it to find the volume again", errno: -rc)
                }
                logger.debug("volume directory left untagged", metadata: ["pvd.path": "\(path)", "pvd.errno": "\(-rc)"])
            }
            if fchmod(made.fd, mode) != 0 { throw DriverError.system("chmod", made.path, errno: errno) }
            let moved = pvd_rename_noreplace(parent.fd, temporary, parent.fd, leaf)
            if moved == -EEXIST {
                throw DriverError(.refused, "volume \(name): \(path) appeared while pvd made the volume; pvd never takes over a directory it did not make")
            }
            if moved < 0 { throw DriverError.system("rename \(made.path) to", path, errno: -moved) }
        } catch {
            _ = unlinkat(parent.fd, temporary, AT_REMOVEDIR)
            throw error
        }
        let copy = dup(made.fd)
        guard copy >= 0 else { throw DriverError.system("dup", path, errno: errno) }
        return OpenDirectory(fd: copy, path: path)
    }

    /// Removes the empty temporary directory a crashed try of volume `name` left in `parent`.
    /// Tagged for it, it is pvd's. Untagged, it is what a crash between the mkdir and the tag
    /// leaves, and it is taken only while empty: rmdir refuses a directory holding anything, so
    /// no data of anyone's goes. Tagged for another volume, or not empty, it is refused.
    private func removeTemporary(_ temporary: String, in parent: OpenDirectory, name: String, visible: Bool) throws(DriverError) {
        let fd = SafeTree.openChild(parent.fd, temporary, crossMounts: false)
        if fd == -ENOENT { return }
        let path = parent.path + "/" + temporary
        if fd < 0 { throw SafeTree.openError(path, -fd, parent: parent.fd, name: temporary) }
        let state = tagState(of: OpenDirectory(fd: fd, path: path), visible: visible)
        let inTheWay = DriverError(.refused, "\(path) is in pvd's way and is not a half-made volume \(name) of pvd's; pvd leaves it")
        if case .tagged(let owner) = state, owner != name { throw inTheWay }
        if unlinkat(parent.fd, temporary, AT_REMOVEDIR) != 0 {
            let e = errno
            if e == ENOENT { return }
            if e == ENOTEMPTY || e == EEXIST { throw inTheWay }
            throw DriverError.system("rmdir", path, errno: e)
        }
    }

    /// Refuses to delete volume `name` (its directory is `below.last` in `parent`) while another
    /// volume's tagged directory lies inside it: deleting it would take that volume's data.
    func refuseNestedVolumes(_ below: [String], parent: OpenDirectory, name: String) throws(DriverError) {
        guard let leaf = below.last else { return }
        let fd = SafeTree.openChild(parent.fd, leaf, crossMounts: false)
        guard fd >= 0 else { return }
        try refuseNestedVolumes(in: OpenDirectory(fd: fd, path: parent.path + "/" + leaf), name: name)
    }

    /// Refuses to delete or empty volume `name`'s open directory `dir` while a directory tagged
    /// as another volume lies inside it.
    func refuseNestedVolumes(in dir: OpenDirectory, name: String) throws(DriverError) {
        let nested = try taggedDirectories(in: dir)
        guard let first = nested.first else { return }
        let more = nested.count > 1 ? " and \(nested.count - 1) more" : ""
        throw DriverError(.refused, "volume \(name): \(dir.path) holds volume \(first.volume)'s directory \(first.path)\(more); pvd does not delete or empty a volume that holds another")
    }
}
