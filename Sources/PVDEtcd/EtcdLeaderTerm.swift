import Foundation
import Logging
import PVDStore

/// One term of an etcd leader: the lease that holds the leader key, kept alive every third of
/// its TTL, and a store whose writes are fenced on the key's create_revision.
///
/// The term ends, and `ended()` returns, when a renewal answers that the lease is gone, when
/// the key is found not to be the term's any more, when a fenced write is refused, or when no
/// renewal has succeeded for `renewDeadline` (two thirds of the TTL) since the last successful
/// one was sent; etcd keeps the lease for at least the TTL from then, so the term is over here
/// before it can be over there. A watchdog ends it at that deadline even while a renewal is
/// still in flight. A term that ends on its own revokes its lease if it still can.
///
/// Dropping a term without `resign()` stops its renewals and leaves the lease to expire, as if
/// the process had died.
public final class EtcdLeaderTerm: LeaderTerm {
    public var identity: String { state.identity }
    /// The lease the leader key is attached to.
    public var lease: Int64 { state.lease }
    /// The leader key's create_revision: what every write of `store` compares.
    public let createRevision: Int64
    public let store: any ObjectStore
    let state: EtcdTermState
    private let election: EtcdLeaderElection
    /// The renewals and the watchdog.
    private let upkeep: Task<Void, Never>

    /// When the last successful renewal (at first, the grant) was sent: etcd holds the lease
    /// for at least the TTL from then.
    public var lastRenewalSent: ContinuousClock.Instant { state.lastRenewalSent }

    private init(election: EtcdLeaderElection, state: EtcdTermState, createRevision: Int64, upkeep: Task<Void, Never>) {
        self.election = election
        self.state = state
        self.createRevision = createRevision
        self.upkeep = upkeep
        store = EtcdStore(fencing: election.store, with: LeaderFence(key: election.key, createRevision: createRevision, term: state))
    }

    /// The term of a won campaign, its renewals running.
    static func start(election: EtcdLeaderElection, lease: Int64, createRevision: Int64, grantSent: ContinuousClock.Instant) -> EtcdLeaderTerm {
        let state = EtcdTermState(
            identity: election.identity, lease: lease, grantSent: grantSent, renewDeadline: election.config.renewDeadline, logger: election.logger)
        // The task holds the election and the state, not the term, so that dropping the term
        // (its deinit cancels the task) stops the renewals.
        let upkeep = Task { await Self.keepUp(election: election, state: state, createRevision: createRevision) }
        return EtcdLeaderTerm(election: election, state: state, createRevision: createRevision, upkeep: upkeep)
    }

    deinit {
        upkeep.cancel()
    }

    public func ended() async {
        await state.over.wait(since: 0)
    }

    public func resign() async {
        state.end(.resigned)
        upkeep.cancel()
        await upkeep.value
        await election.revoke(lease)
    }

    /// Renews until the term ends; the watchdog ends it at the renew deadline; the first of
    /// them to finish (or the term ended from outside: resigned, a fenced write) stops both.
    private static func keepUp(election: EtcdLeaderElection, state: EtcdTermState, createRevision: Int64) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await renew(election: election, state: state, createRevision: createRevision) }
            group.addTask { await watchdog(state) }
            group.addTask { await state.over.wait(since: 0) }
            await group.next()
            group.cancelAll()
        }
        // Cancelled: the term was dropped (or is resigning, which revokes itself).
        if Task.isCancelled { return }
        switch state.endReason {
        case .leaseGone?, .resigned?, nil:
            return
        case .notRenewed?, .keyLost?:
            // Given back rather than left to expire: if etcd can still be reached at all, the
            // next leader starts a third of a TTL sooner.
            await election.revoke(state.lease)
        }
    }

    private static func renew(election: EtcdLeaderElection, state: EtcdTermState, createRevision: Int64) async {
        let config = election.config
        while true {
            do {
                try await Task.sleep(until: state.lastRenewalSent + config.renewInterval, clock: .continuous)
            } catch {
                return
            }
            // Tried again, a little apart, until one lands or the deadline passes.
            while true {
                let deadline = state.deadline
                let sent = ContinuousClock.now
                if sent >= deadline {
                    state.end(.notRenewed(state.lastFailure ?? "no renewal answered"))
                    return
                }
                do {
                    let ttl = try await election.keepAlive(state.lease, deadline: deadline)
                    if Task.isCancelled { return }
                    guard ttl > 0 else {
                        state.end(.leaseGone)
                        return
                    }
                    state.renewed(sentAt: sent, grantedTTL: .seconds(ttl), config: config)
                    break
                } catch {
                    if Task.isCancelled { return }
                    state.renewalFailed(error.message)
                    let pause = min(Duration.milliseconds(200), deadline - ContinuousClock.now)
                    if pause > .zero {
                        do { try await Task.sleep(for: pause) } catch { return }
                    }
                }
            }
            // The lease lives; the key might not be its any more (deleted by hand). A failed
            // read proves nothing either way: the next round looks again. Bounded well inside
            // the interval, so a slow read cannot eat the next renewal's time.
            if let read = try? await election.readLeader(deadline: ContinuousClock.now + config.renewInterval / 2), !Task.isCancelled {
                if read.kv?.createRevision != createRevision {
                    let holder = read.kv.map { "now \(String(decoding: $0.value ?? Data(), as: UTF8.self))'s" } ?? "gone"
                    state.end(.keyLost("the leader key is \(holder)"))
                    return
                }
            }
        }
    }

    /// Ends the term at the renew deadline unless a renewal moved it meanwhile.
    private static func watchdog(_ state: EtcdTermState) async {
        while true {
            let deadline = state.deadline
            do {
                try await Task.sleep(until: deadline, clock: .continuous)
            } catch {
                return
            }
            if ContinuousClock.now >= state.deadline {
                state.end(.notRenewed(state.lastFailure ?? "the renewal in flight did not answer in time"))
                return
            }
        }
    }
}
