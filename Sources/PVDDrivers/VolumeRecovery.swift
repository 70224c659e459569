import CLinux
#if canImport(Glibc)
import Glibc
#endif
import Logging
import PVDModel

/// A volume recovery should make ready again: what its PersistentVolume records.
public struct RecoveryRequest: Sendable, Hashable {
    /// The volume's name ("pvc-<claim-uid>").
    public var name: String
    /// The class parameters it was made with (the PV's `pvd.io/driver-parameters`).
    public var parameters: [String: String]
    public var volumeMode: VolumeMode
    /// The PV's mountOptions.
    public var mountOptions: [String]
    /// The filesystem the PV records (`local.fsType`); the one found on the image wins.
    public var fsType: String?

    public init(
        name: String, parameters: [String: String] = [:], volumeMode: VolumeMode = .filesystem, mountOptions: [String] = [],
        fsType: String? = nil
    ) {
        self.name = name
        self.parameters = parameters
        self.volumeMode = volumeMode
        self.mountOptions = mountOptions
        self.fsType = fsType
    }
}

/// What recovery found and did for one volume.
public struct RecoveryResult: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        /// Nothing to do: attached, mounted, linked (or a directory that is there).
        case ready
        /// Made ready again; says what was done ("attached /dev/loop3, mounted at …").
        case recovered(String)
        /// The backing is gone (an image or a directory); says what is missing. Never recreated.
        case missing(String)
        /// Recovery failed; the error's message.
        case failed(String)
    }
    public var name: String
    public var outcome: Outcome
    /// Seconds the driver spent on this volume.
    public var seconds: Double

    public init(name: String, outcome: Outcome, seconds: Double = 0) {
        self.name = name
        self.outcome = outcome
        self.seconds = seconds
    }
}

/// What an orphan sweep must leave, as the store says: backings by volume name (every PV's, and
/// those of claims still waiting for one), and every path a PV refers to (`hostPath.path`,
/// `local.path`), whatever its name. A backing at, inside or above such a path is kept.
public struct KeptBackings: Sendable, Hashable, ExpressibleByArrayLiteral {
    public var names: Set<String>
    public var paths: Set<String>

    public init(names: Set<String> = [], paths: Set<String> = []) {
        self.names = names
        self.paths = paths
    }

    /// Names only.
    public init(arrayLiteral names: String...) {
        self.init(names: Set(names))
    }

    /// Whether a PV's path is one of `backing`'s paths, lies inside one, or contains one; paths
    /// are compared component by component, both as written and with symlinks resolved.
    /// A path that is not absolute cannot be placed and is ignored.
    func refers(to backing: [String]) -> Bool {
        let mine = backing.flatMap(Self.forms)
        for path in paths where path.hasPrefix("/") {
            for kept in Self.forms(path) where mine.contains(where: { Self.nested(kept, $0) }) { return true }
        }
        return false
    }

    /// A path's components as written, and (when it exists) with symlinks resolved.
    static func forms(_ path: String) -> [[Substring]] {
        var forms = [components(path)]
        if let resolved = realpath(path, nil) {
            defer { free(resolved) }
            let r = components(String(cString: resolved))
            if r != forms[0] { forms.append(r) }
        }
        return forms
    }

    static func components(_ path: String) -> [Substring] {
        path.split(separator: "/").filter { $0 != "." }
    }

    /// Whether one of the two paths is the other or lies below it.
    static func nested(_ a: [Substring], _ b: [Substring]) -> Bool {
        a.count <= b.count ? b.starts(with: a) : a.starts(with: b)
    }
}

/// What one driver's orphan sweep did: the volumes it removed, and the parameter sets (classes)
/// it could not look through, each with the reason, so one bad class does not stop the rest.
public struct OrphanSweepResult: Sendable, Equatable {
    public struct Skipped: Sendable, Equatable {
        public var parameters: [String: String]
        public var reason: String
        public init(parameters: [String: String], reason: String) {
            self.parameters = parameters
            self.reason = reason
        }
    }
    public var removed: [String]
    public var skipped: [Skipped]
    public init(removed: [String] = [], skipped: [Skipped] = []) {
        self.removed = removed
        self.skipped = skipped
    }
}

/// The candidates of an orphan sweep: backings with the parameters they were found under and
/// when they last changed, and the part both drivers share (age filter, asking, removing).
struct OrphanSweep {
    struct Candidate {
        var name: String
        var parameters: [String: String]
        /// max(ctime, mtime) of the backing, seconds since the epoch.
        var changed: Double
        /// The backing's birth time, seconds since the epoch; nil when the filesystem has none.
        var born: Double?
        /// Where the backing is on this node (and where the volume is used from), so a PV
        /// referring to one of them by path keeps it.
        var paths: [String]
    }

    var candidates: [Candidate] = []
    private var seen: Set<String> = []

    /// Adds a backing once (several classes may share a directory).
    mutating func add(_ name: String, parameters: [String: String], changed: Double, born: Double?, paths: [String]) {
        guard seen.insert(name).inserted else { return }
        candidates.append(Candidate(name: name, parameters: parameters, changed: changed, born: born, paths: paths))
    }

    /// The birth time (statx STATX_BTIME) of `path` under `dirfd`, or of `dirfd` itself when
    /// `path` is empty; nil when the filesystem does not record it.
    static func born(_ dirfd: Int32, _ path: String) -> Double? {
        var seconds: Int64 = 0
        var nanoseconds: UInt32 = 0
        let rc = pvd_birth_time(dirfd, path, &seconds, &nanoseconds)
        return rc == 0 ? Double(seconds) + Double(nanoseconds) / 1e9 : nil
    }

    /// The last change of a file (max of ctime and mtime, from `lstat`), seconds since the epoch.
    static func changed(_ st: stat) -> Double {
        let c = Double(st.st_ctim.tv_sec) + Double(st.st_ctim.tv_nsec) / 1e9
        let m = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
        return max(c, m)
    }

    /// Now on the wall clock (the clock ctime and mtime are on), seconds since the epoch.
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Removes, with `remove`, every candidate made after `madeAfter`, unchanged for `grace`,
    /// that `wanted` neither names nor refers to by path. The drivers add only backings without
    /// the recorded mark (`RecordedMarker`), and half-made images.
    /// A removal that fails is logged and left for the next sweep; the others go on.
    func sweep(
        grace: Duration, madeAfter: Double, logger: Logger, wanted: @Sendable () async -> KeptBackings?,
        remove: (Candidate) async throws(DriverError) -> Void
    ) async -> [String] {
        let (s, atto) = grace.components
        let cutoff = Self.now() - (Double(s) + Double(atto) / 1e18)
        let old = candidates.filter { c in
            // Made before this node was recorded in the store (a store replaced or lost): not a
            // leftover of ours to judge, whatever the store says now.
            guard let born = c.born, born >= madeAfter else {
                logger.debug("volume predates the store's record of this node; left alone", metadata: ["pvd.pv": "\(c.name)"])
                return false
            }
            return c.changed <= cutoff
        }
        guard !old.isEmpty, let keep = await wanted() else { return [] }
        var removed: [String] = []
        for c in old where !keep.names.contains(c.name) {
            if keep.refers(to: c.paths) {
                logger.debug("a PersistentVolume's path refers to this volume; left alone", metadata: ["pvd.pv": "\(c.name)"])
                continue
            }
            do {
                try await remove(c)
                removed.append(c.name)
            } catch {
                logger.warning("orphaned volume not removed", metadata: ["pvd.pv": "\(c.name)", "pvd.error": "\(error.message)"])
            }
        }
        return removed
    }
}
