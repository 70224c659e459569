import Logging
import PVDStore
import Synchronization

/// Why an etcd term ended.
enum EtcdTermEnd: Sendable, CustomStringConvertible {
    case resigned
    /// A renewal answered that the lease is gone (expired, or revoked by someone).
    case leaseGone
    /// No renewal succeeded in time; the last failure.
    case notRenewed(String)
    /// The leader key is not the term's any more (seen by a renewal or a fenced write).
    case keyLost(String)

    var description: String {
        switch self {
        case .resigned: "the term was resigned"
        case .leaseGone: "etcd says the lease is gone (expired or revoked)"
        case .notRenewed(let why): "the lease was not renewed in time (\(why))"
        case .keyLost(let why): why
        }
    }
}

/// What a term's renewals, its watchdog, its fenced store and those waiting for its end share:
/// when the lease was last renewed, until when this process may still count on it, and whether
/// (and why) the term is over. Ended once; `over` is notified then.
final class EtcdTermState: Sendable {
    private struct State {
        var end: EtcdTermEnd?
        var lastRenewalSent: ContinuousClock.Instant
        var deadline: ContinuousClock.Instant
        var lastFailure: String?
    }

    let identity: String
    let lease: Int64
    let logger: Logger
    let over = ChangeSignal()
    private let state: Mutex<State>

    init(identity: String, lease: Int64, grantSent: ContinuousClock.Instant, renewDeadline: Duration, logger: Logger) {
        self.identity = identity
        self.lease = lease
        self.logger = logger
        state = Mutex(State(lastRenewalSent: grantSent, deadline: grantSent + renewDeadline))
    }

    var leaseText: String { EtcdLeaderElection.leaseText(lease) }
    var endReason: EtcdTermEnd? { state.withLock { $0.end } }
    var lastRenewalSent: ContinuousClock.Instant { state.withLock { $0.lastRenewalSent } }
    /// The renew deadline: the term ends here unless a renewal succeeds first.
    var deadline: ContinuousClock.Instant { state.withLock { $0.deadline } }
    var lastFailure: String? { state.withLock { $0.lastFailure } }

    /// A renewal sent at `sentAt` succeeded, etcd holding the lease for `grantedTTL` from when
    /// it got it. Set, not only moved forward: a renewal restarts the lease's clock at etcd, so
    /// a TTL shorter than asked for (nothing does that today) must shorten the deadline too.
    func renewed(sentAt: ContinuousClock.Instant, grantedTTL: Duration, config: LeaderElectionConfig) {
        let deadline = sentAt + min(config.renewDeadline, grantedTTL * 2 / 3)
        state.withLock { s in
            s.lastRenewalSent = sentAt
            s.deadline = deadline
            s.lastFailure = nil
        }
    }

    func renewalFailed(_ why: String) {
        state.withLock { $0.lastFailure = why }
    }

    /// Ends the term unless it is over already; logs the one line that says so and wakes the
    /// waiters. True when this call ended it.
    @discardableResult
    func end(_ reason: EtcdTermEnd) -> Bool {
        let ended = state.withLock { s -> Bool in
            if s.end != nil { return false }
            s.end = reason
            return true
        }
        guard ended else { return false }
        let metadata: Logger.Metadata = ["pvd.leader": "\(identity)", "pvd.lease": "\(leaseText)"]
        if case .resigned = reason {
            logger.info("resigned", metadata: metadata)
        } else {
            logger.warning("leadership lost", metadata: metadata.merging(["pvd.error": "\(reason)"]) { a, _ in a })
        }
        over.notify()
        return true
    }
}
