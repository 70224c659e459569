/// A directory on this node that something already owns, so a new volume (or a class's
/// directory) must keep clear of it: another volume's path, a class's `basePath` or `imageDir`,
/// pvd's root and the directories pvd keeps in it.
///
/// The rules are lexical, on normalised paths: they run before anything is made, and, for a
/// volume, again under the driver's node-wide lock with the store's view of the moment, so two
/// provisioners cannot both pass them for colliding paths.
public struct ReservedPath: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// A PersistentVolume's `hostPath.path` or `local.path`: its data. Nothing may be it, lie
        /// in it or hold it.
        case volume
        /// A hostPath class's `basePath`: volumes are made inside it; nothing may be it or hold it.
        /// Classes may share one.
        case basePath
        /// A loop class's `imageDir`: images only. Classes may share one.
        case imageDir
        /// pvd's root: its internal directories and the default basePath and imageDir are in it.
        case root
        /// A directory pvd keeps in its root for itself (`mounts`, `devices`, `pods`…).
        case internalDirectory
    }

    public var path: String
    public var kind: Kind
    /// Whose it is, as a message names it before the kind: `PersistentVolume pv-1's`,
    /// `StorageClass fast's`, `pvd.io/loop's default`.
    public var owner: String

    /// `path` is kept normalised (as `SafeTree.normalise` makes it; as given when it cannot be),
    /// so the rules compare it as it is, once per check, however many there are.
    public init(path: String, kind: Kind, owner: String) {
        self.path = (try? SafeTree.normalise(path)) ?? path
        self.kind = kind
        self.owner = owner
    }

    /// "StorageClass fast's basePath /srv/fast", as messages name it.
    public var description: String {
        let word = switch kind {
        case .volume: "path"
        case .basePath: "basePath"
        case .imageDir: "imageDir"
        case .root: "root"
        case .internalDirectory: "directory"
        }
        return "\(owner) \(word) \(path)"
    }
}

/// The layout of pvd's root and the rules that keep volumes and class directories apart.
public enum PathReservations {
    /// The directories pvd keeps in its root, besides the default basePath (`hostpath`) and
    /// imageDir (`images`), which the drivers report as their defaults.
    public static let internalNames = ["mounts", "devices", "pods", "runc", "images-oci"]

    /// pvd's root, the internal directories in it, and the drivers' default directories.
    public static func internalPaths(root: String) -> [ReservedPath] {
        let normal = (try? SafeTree.normalise(root)) ?? root
        var out = [
            ReservedPath(path: normal, kind: .root, owner: "pvd's"),
            ReservedPath(path: LoopLayout.join(normal, "hostpath"), kind: .basePath, owner: "pvd.io/hostpath's default"),
            ReservedPath(path: LoopLayout.join(normal, "images"), kind: .imageDir, owner: "pvd.io/loop's default"),
        ]
        for name in internalNames {
            out.append(ReservedPath(path: LoopLayout.join(normal, name), kind: .internalDirectory, owner: "pvd's internal"))
        }
        return out
    }

    /// Where a new volume at `path` would meet what is reserved, or nil when it is clear of all:
    /// it may lie inside a basePath or the root (never inside an internal directory), and may be
    /// none of them nor hold one; it may not be, hold, or lie inside another volume or an imageDir.
    public static func conflict(volumeAt path: String, with reserved: [ReservedPath]) -> ReservedPath? {
        guard let p = try? SafeTree.normalise(path) else { return nil }
        for r in reserved where SafeTree.mayOverlap(p, r.path) {
            let q = r.path
            switch r.kind {
            case .volume, .imageDir, .internalDirectory:
                if SafeTree.overlaps(p, q) { return r }
            case .basePath, .root:
                if p == q || SafeTree.contains(p, q) { return r }
            }
        }
        return nil
    }

    /// Where a class directory (`basePath` or `imageDir`) at `dir` would meet what is reserved,
    /// or nil. Two classes may share a basePath, or an imageDir, but not nest one in the other,
    /// and a basePath never overlaps an imageDir; neither may be pvd's root, hold it, lie inside
    /// one of its internal directories, or be or lie inside a volume.
    public static func conflict(classDirectory dir: String, kind: ReservedPath.Kind, with reserved: [ReservedPath]) -> ReservedPath? {
        guard let p = try? SafeTree.normalise(dir) else { return nil }
        for r in reserved where SafeTree.mayOverlap(p, r.path) {
            let q = r.path
            switch r.kind {
            case .volume:
                if p == q || SafeTree.contains(q, p) { return r }
            case .root:
                if p == q || SafeTree.contains(p, q) { return r }
            case .internalDirectory:
                if SafeTree.overlaps(p, q) { return r }
            case .basePath, .imageDir:
                if p == q ? r.kind != kind : SafeTree.overlaps(p, q) { return r }
            }
        }
        return nil
    }

    /// What lies at or inside `path` (a volume about to be deleted or emptied) among `reserved`:
    /// another volume's data or a class's directory, which deleting `path` would take with it.
    public static func held(by path: String, among reserved: [ReservedPath]) -> [ReservedPath] {
        guard let p = try? SafeTree.normalise(path) else { return [] }
        return reserved.filter { r in
            r.kind != .root && SafeTree.mayOverlap(p, r.path) && (p == r.path || SafeTree.contains(p, r.path))
        }
    }
}

extension PathReservations {
    /// "is", "lies inside" or "holds": how normalised `path` stands to normalised `other`.
    public static func relation(of path: String, to other: String) -> String {
        let p = (try? SafeTree.normalise(path)) ?? path, q = (try? SafeTree.normalise(other)) ?? other
        if p == q { return "is" }
        return SafeTree.contains(q, p) ? "lies inside" : "holds"
    }
}

extension SafeTree {
    /// A cheap first test for `overlaps` on normalised paths: one must begin with the other.
    static func mayOverlap(_ a: String, _ b: String) -> Bool {
        a.utf8.count >= b.utf8.count ? a.hasPrefix(b) : b.hasPrefix(a)
    }

    /// Whether normalised `outer` lies strictly above normalised `inner`, by components.
    static func contains(_ outer: String, _ inner: String) -> Bool {
        let x = components(outer), y = components(inner)
        return y.count > x.count && Array(y.prefix(x.count)) == x
    }
}
