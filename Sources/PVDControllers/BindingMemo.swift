import PVDModel
import Synchronization

/// The binder's decisions that wrote nothing, kept so a pass decides again only the claims
/// something could have changed for: a pass over 10,000 Pending claims when one more claim
/// arrives then decides one claim, not 10,001.
///
/// A decision is only as good as what it read. A claim that stays Pending read itself and
/// every free volume, class and node, so it holds while the claim's resourceVersion and the
/// `BindingWorld` stamp are as they were. A claim that stays Bound read itself and its own
/// volume, so it holds while those two are as they were. Either expires after the event
/// recorder's repeat interval, so the events a decision records (FailedBinding, ...) are
/// repeated as often as before and a claim is never left undecided for long.
///
/// Skipping such a claim gives what deciding it would: the claims decided before it in queue
/// order took no volume it could have had (taking one is a write, which moves the stamp), and
/// the claims after it lose nothing to it (it takes nothing).
struct BindingMemo: Sendable {
    enum Entry: Sendable, Equatable {
        case unmatched(claim: Int64, world: BindingWorld, at: Int64)
        case bound(claim: Int64, volume: String, volumeRevision: Int64, at: Int64)
    }

    private(set) var entries: [String: Entry] = [:]
    /// The world of the last pass that left every claim with an entry: while it stands, a
    /// focused pass (`SnapshotFocus`) needs to look only at the claims in focus, since every
    /// other claim is as it was when its entry was made.
    var settledWorld: BindingWorld?

    /// Whether the claim's last decision still holds over `volumes` and `world` (nil: the
    /// volumes are being changed in this pass, so no unmatched decision holds).
    func holds(
        _ claim: PersistentVolumeClaim, key: String, world: BindingWorld?, volumes: [String: PersistentVolume], changed: Set<String>,
        now: Int64
    ) -> Bool {
        guard let entry = entries[key], let revision = Self.revision(claim) else { return false }
        switch entry {
        case .unmatched(let c, let w, let at):
            return c == revision && w == world && now - at < EventRecorder.repeatInterval
        case .bound(let c, let name, let v, let at):
            guard c == revision, now - at < EventRecorder.repeatInterval, !changed.contains(name),
                  let volume = volumes[name], Self.revision(volume) == v
            else { return false }
            return true
        }
    }

    /// Keeps a decision that wrote nothing; forgets the claim's entry for any other. Returns
    /// whether an entry was kept.
    @discardableResult
    mutating func record(
        _ action: ClaimAction, claim: PersistentVolumeClaim, world: BindingWorld?, volumes: [String: PersistentVolume],
        changed: Set<String>, now: Int64
    ) -> Bool {
        let entry: Entry?
        if action.volume != nil || action.claim != nil {
            entry = nil
        } else if let revision = Self.revision(claim) {
            switch action.outcome {
            case .pending, .waitForFirstConsumer, .provision:
                entry = world.map { .unmatched(claim: revision, world: $0, at: now) }
            case .bound(let name):
                entry = changed.contains(name)
                    ? nil
                    : volumes[name].flatMap(Self.revision).map {
                        .bound(claim: revision, volume: name, volumeRevision: $0, at: now)
                    }
            case .lost:
                entry = nil
            }
        } else {
            entry = nil
        }
        entries[action.claimKey] = entry
        return entry != nil
    }

    /// Drops the entries of claims that are gone, once they outnumber the claims there are.
    mutating func prune(keeping claims: [String: PersistentVolumeClaim]) {
        guard entries.count > claims.count else { return }
        entries = entries.filter { claims[$0.key] != nil }
    }

    static func revision(_ resourceVersion: String?) -> Int64? { resourceVersion.flatMap { Int64($0) } }
    static func revision(_ claim: PersistentVolumeClaim) -> Int64? { revision(claim.resourceVersion) }
    static func revision(_ volume: PersistentVolume) -> Int64? { revision(volume.resourceVersion) }
}

/// A stamp of every volume, class and node of a snapshot that changes whenever any of them
/// does: per kind, how many there are and the newest resourceVersion. Revisions only grow, so
/// a create or update raises the newest and a delete lowers the count; a delete followed by a
/// create raises the newest too.
struct BindingWorld: Hashable, Sendable {
    var volumes: Tally
    var classes: Tally
    var nodes: Tally

    struct Tally: Hashable, Sendable {
        var count = 0
        var newest: Int64 = 0

        /// Nil when a resourceVersion is not a revision number: then nothing can be compared.
        init?(_ resourceVersions: some Sequence<String?>) {
            for v in resourceVersions {
                guard let r = BindingMemo.revision(v) else { return nil }
                count += 1
                newest = max(newest, r)
            }
        }
    }

    init?(volumes: [String: PersistentVolume], classes: [StorageClass], nodes: [Node]) {
        // A volume's resourceVersion is read without copying its metadata: every volume, every pass.
        guard let v = Tally(volumes.values.lazy.map(\.resourceVersion)), let c = Tally(classes.lazy.map(\.metadata.resourceVersion)),
              let n = Tally(nodes.lazy.map(\.metadata.resourceVersion))
        else { return nil }
        (self.volumes, self.classes, self.nodes) = (v, c, n)
    }
}

/// The memo a reconciler and its copies share across passes and runs. One controller loop
/// decides at a time, so the lock is never contended; it only makes the sharing safe.
final class BindingMemoBox: Sendable {
    private let memo = Mutex(BindingMemo())

    /// The memo, left empty here until `store` puts it back: taken, not copied, so changing it
    /// does not copy every entry.
    func take() -> BindingMemo {
        memo.withLock { m in
            let taken = m
            m = BindingMemo()
            return taken
        }
    }

    func store(_ new: consuming BindingMemo) {
        memo.withLock { $0 = new }
    }
}
