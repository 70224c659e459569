import PVDModel
import PVDStore
import Synchronization

/// What the controller loop knows about changes between the informer and its runs: the
/// revision of each queued key's latest change (so a change that a run already covered is not
/// run again), the revision the last complete run covered, and when each new claim was first
/// seen (for the binding latency).
final class ChangeLog: Sendable {
    private struct State {
        var pending: [String: Int64] = [:]
        var handledThrough: Int64 = -1
        var claimSeen: [String: ContinuousClock.Instant] = [:]
    }

    private let state = Mutex(State())

    /// Notes a change the informer saw.
    func record(_ change: InformerChange) {
        let now = ContinuousClock.now
        state.withLock { s in
            s.pending[change.key] = max(s.pending[change.key] ?? change.revision, change.revision)
            guard change.kind == .persistentVolumeClaim else { return }
            let claimKey = String(change.key.dropFirst(ResourceKind.persistentVolumeClaim.rawValue.count + 1))
            switch change.type {
            case .added?: s.claimSeen[claimKey] = now
            case .deleted?: s.claimSeen[claimKey] = nil
            default: break
            }
        }
    }

    /// Whether a key taken from the queue still needs a run: true unless its latest change is one
    /// a complete run already covered. Keys the informer did not report (retries, resyncs) always
    /// need one.
    func needsRun(_ key: String) -> Bool {
        state.withLock { s in
            guard let revision = s.pending.removeValue(forKey: key) else { return true }
            return revision > s.handledThrough
        }
    }

    /// Records that a run reached a fixed point at `revision`: every change up to it is covered.
    func handled(through revision: Int64) {
        state.withLock { s in s.handledThrough = max(s.handledThrough, revision) }
    }

    /// Claims seen being created and not yet Bound, with how long ago they were seen, for those
    /// `snapshot` now shows Bound; they are forgotten once reported. A focused pass changed only
    /// the claims of its focus, so only those are looked at: thousands of claims that stay
    /// Pending must not make every pass walk all of them.
    func newlyBound(in snapshot: Snapshot) -> [Duration] {
        let now = ContinuousClock.now
        return state.withLock { s in
            guard !s.claimSeen.isEmpty else { return [] }
            var out: [Duration] = []
            func check(_ key: String, seen: ContinuousClock.Instant) {
                guard snapshot.claims[key]?.phase == .bound else { return }
                out.append(now - seen)
                s.claimSeen[key] = nil
            }
            if let focus = snapshot.focus, focus.claims.count < s.claimSeen.count {
                for key in focus.claims { if let seen = s.claimSeen[key] { check(key, seen: seen) } }
            } else {
                for (key, seen) in s.claimSeen { check(key, seen: seen) }
            }
            return out
        }
    }
}
