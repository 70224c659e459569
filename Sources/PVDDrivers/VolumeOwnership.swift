#if canImport(Glibc)
import Glibc
#endif

/// A Pod's `fsGroup` as the kubelet applies it to a volume it sets up: every file, directory
/// and symlink gets the group; files gain group read and write (read only for a read-only
/// volume), directories also group search and the setgid bit, so what is created in them
/// later belongs to the group too. Owners never change, nor does any other mode bit.
///
/// The rules here are pure; `apply(to:)` (VolumeOwnership+Walk) walks a volume with them.
public struct VolumeOwnership: Sendable, Hashable {
    /// `spec.securityContext.fsGroupChangePolicy`.
    public enum ChangePolicy: String, Sendable, Hashable {
        /// Walk the whole volume every time it is set up (Kubernetes' default).
        case always = "Always"
        /// Walk only when the volume's root does not have the group and modes already: a
        /// large volume is not walked again at every Pod start.
        case onRootMismatch = "OnRootMismatch"
    }

    /// The group id (gid_t).
    public var group: UInt32
    public var policy: ChangePolicy
    public var readOnly: Bool

    public init(group: UInt32, policy: ChangePolicy = .always, readOnly: Bool = false) {
        self.group = group
        self.policy = policy
        self.readOnly = readOnly
    }

    /// From a Pod's security context: nil without an `fsGroup`, or with one that is not a
    /// group id (validation refuses those first).
    public init?(fsGroup: Int64?, changePolicy: String?, readOnly: Bool = false) {
        guard let fsGroup, let group = UInt32(exactly: fsGroup) else { return nil }
        self.init(group: group, policy: changePolicy.flatMap(ChangePolicy.init(rawValue:)) ?? .always, readOnly: readOnly)
    }

    /// The permission bits every entry of the kind must have.
    public func requiredBits(directory: Bool) -> mode_t {
        let base: mode_t = readOnly ? 0o440 : 0o660
        return directory ? base | 0o110 | S_ISGID : base
    }

    /// An entry's mode after the change: its own permission, setuid, setgid and sticky bits,
    /// plus the required ones.
    public func mode(from current: mode_t, directory: Bool) -> mode_t {
        (current & 0o7777) | requiredBits(directory: directory)
    }

    /// Whether an entry already has what the change would give it.
    public func satisfied(gid: gid_t, mode: mode_t, directory: Bool) -> Bool {
        let required = requiredBits(directory: directory)
        return gid == group && mode & required == required
    }

    /// Whether a volume whose root has this group and mode is walked at all: always with
    /// `Always`; with `OnRootMismatch` only when the root is not a directory that already has
    /// the group and a superset of the required bits (setgid included). The root is changed
    /// last, so a walk cut short leaves it mismatched and the next set-up walks again.
    public func walks(rootGID: gid_t, rootMode: mode_t) -> Bool {
        guard policy == .onRootMismatch else { return true }
        return !(rootMode & S_IFMT == S_IFDIR && satisfied(gid: rootGID, mode: rootMode, directory: true))
    }
}
