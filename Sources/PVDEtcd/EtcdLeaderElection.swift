import Foundation
import Logging
import PVDStore

/// Leader election among the daemons of one etcd store: whoever creates the leader key
/// (`<prefix>/pvd-leader`, its value the identity) leads, for as long as the lease the key is
/// attached to lives.
///
/// A candidate waits while the key exists (watching it, looking again every TTL), and when it
/// is gone grants a lease and sends the txn `create_revision(key) == 0 → put(key, identity,
/// lease)`; of several candidates exactly one txn succeeds. The winner's term keeps the lease
/// alive (`EtcdLeaderTerm`) and fences its writes on the key's create_revision. See
/// docs/DESIGN.md §2.2.
public final class EtcdLeaderElection: LeaderElection {
    public let identity: String
    public let config: LeaderElectionConfig
    let store: EtcdStore
    let logger: Logger

    /// The pause after a failed round (etcd unreachable, no leader) before the next.
    static let retryPause: Duration = .milliseconds(500)
    /// The longest a revoke may take: it is a courtesy to the next leader, and resign must not
    /// hold a shutdown up for a whole request timeout.
    static let revokeTimeout: Duration = .seconds(2)

    /// An election on `store`'s prefix. Fails with `.invalid` for a TTL under 2 s or not in
    /// whole seconds.
    public init(store: EtcdStore, config: LeaderElectionConfig, logger: Logger) throws(StoreError) {
        self.config = try config.validated()
        self.identity = config.identity
        self.store = store
        self.logger = logger
    }

    var key: Data { store.keys.leader }
    var client: EtcdClient { store.client }

    public func campaign() async throws -> any LeaderTerm {
        var waiting = false
        var lastProblem: String?
        while true {
            try Task.checkCancellation()
            let won: EtcdLeaderTerm?
            do {
                won = try await round(waiting: &waiting)
                lastProblem = nil
            } catch {
                if Task.isCancelled { throw CancellationError() }
                // Not something waiting cures.
                if error.code == .invalid { throw error }
                if lastProblem != error.message {
                    logger.warning("cannot campaign, trying again", metadata: ["pvd.leader": "\(identity)", "pvd.error": "\(error.message)"])
                    lastProblem = error.message
                }
                try await Task.sleep(for: Self.retryPause)
                continue
            }
            guard let won else { continue }
            // Won just as the caller stopped waiting: nobody would run the term.
            if Task.isCancelled {
                await won.resign()
                throw CancellationError()
            }
            return won
        }
    }

    /// One look at the key: leads if it is free and this candidate's txn creates it first;
    /// else waits until it changes (or a TTL passes) and returns nil.
    private func round(waiting: inout Bool) async throws(StoreError) -> EtcdLeaderTerm? {
        // The leader key must not be the first key of an empty prefix: it would look foreign.
        try await store.verify(claiming: true)
        // A read first: a txn goes through raft and the log even when its compare fails.
        let (holder, revision) = try await readLeader()
        if let holder {
            if !waiting {
                waiting = true
                logger.info("waiting to lead", metadata: [
                    "pvd.candidate": "\(identity)",
                    "pvd.leader": "\(String(decoding: holder.value ?? Data(), as: UTF8.self))",
                    "pvd.lease": "\(Self.leaseText(holder.lease?.value ?? 0))",
                ])
            }
            let started = ContinuousClock.now
            let changed = await waitForChange(after: revision, timeout: config.ttl)
            // A watch that cannot even open must not turn this into a busy loop.
            if !changed, ContinuousClock.now - started < Self.retryPause { try? await Task.sleep(for: Self.retryPause) }
            return nil
        }
        // The lease lives at least a TTL from when its grant was sent, whenever etcd applies it.
        let granted = ContinuousClock.now
        let lease = try await grant()
        let createRevision: Int64?
        do {
            createRevision = try await acquire(lease)
        } catch {
            await revoke(lease)
            throw error
        }
        guard let createRevision else {
            // Another candidate was quicker.
            await revoke(lease)
            return nil
        }
        logger.info("leading", metadata: ["pvd.leader": "\(identity)", "pvd.lease": "\(Self.leaseText(lease))"])
        return EtcdLeaderTerm.start(election: self, lease: lease, createRevision: createRevision, grantSent: granted)
    }

    public func currentLeader() async throws(StoreError) -> String? {
        try await readLeader().kv.map { String(decoding: $0.value ?? Data(), as: UTF8.self) }
    }

    // MARK: - etcd calls

    /// The leader key as it is now, and the revision it was read at.
    func readLeader(deadline: ContinuousClock.Instant? = nil) async throws(StoreError) -> (kv: KeyValue?, revision: Int64) {
        do {
            let answer = try await client.call("/v3/kv/range", RangeRequest(key: key), as: RangeResponse.self, idempotent: true, deadline: deadline)
            return (answer.kvs?.first, answer.header?.rev ?? 0)
        } catch {
            throw error.storeError
        }
    }

    /// A new lease of the config's TTL. A grant sent twice after a broken connection leaves a
    /// lease that holds no key and expires by itself.
    private func grant() async throws(StoreError) -> Int64 {
        let answer: LeaseGrantResponse
        do {
            answer = try await client.call(
                "/v3/lease/grant", LeaseGrantRequest(TTL: WireInt(config.ttl.components.seconds)), as: LeaseGrantResponse.self, idempotent: true)
        } catch {
            throw error.storeError
        }
        guard let id = answer.ID?.value, id != 0 else {
            throw StoreError(.unavailable, "store \(store.url.text): etcd granted no lease (answer without an ID)")
        }
        return id
    }

    /// Creates the leader key on `lease` if nobody holds it: the key's create_revision when
    /// this candidate won, nil when another holds the key.
    private func acquire(_ lease: Int64) async throws(StoreError) -> Int64? {
        let txn = TxnRequest(compare: [.absent(key)], success: [.put(key, Data(identity.utf8), lease: lease)], failure: [.get(key)])
        let answer: TxnResponse
        do {
            answer = try await client.call("/v3/kv/txn", txn, as: TxnResponse.self, idempotent: false)
        } catch {
            switch error {
            case .failed(let e):
                throw e
            case .outcomeUnknown:
                // Whether it landed, the key says: it is on this lease only if this txn made it.
                let kv = try await readLeader().kv
                return kv.flatMap { $0.lease?.value == lease ? $0.createRevision : nil }
            }
        }
        return answer.succeeded == true ? answer.header?.rev : nil
    }

    /// Renews `lease` once: its TTL now, 0 when it is gone (expired or revoked). One POST to the
    /// keepalive stream with one request in it gets one answer, and the stream ends.
    func keepAlive(_ lease: Int64, deadline: ContinuousClock.Instant) async throws(StoreError) -> Int64 {
        do {
            let answer = try await client.call(
                "/v3/lease/keepalive", LeaseRequest(ID: WireInt(lease)), as: LeaseKeepAliveMessage.self, idempotent: true, deadline: deadline)
            return answer.result?.TTL?.value ?? 0
        } catch {
            throw error.storeError
        }
    }

    /// Revokes `lease`, deleting the leader key if it is attached to it, so the next leader
    /// need not wait for it to expire. Best effort: the lease expires by itself anyway.
    func revoke(_ lease: Int64) async {
        // In a task of its own: a caller that was cancelled (a shutdown, a campaign given up
        // halfway) must still give the lease back, or the next leader waits out a whole TTL.
        await Task { await sendRevoke(lease) }.value
    }

    private func sendRevoke(_ lease: Int64) async {
        struct Empty: Decodable {}
        do {
            _ = try await client.call(
                "/v3/lease/revoke", LeaseRequest(ID: WireInt(lease)), as: Empty.self, idempotent: true,
                deadline: ContinuousClock.now + Self.revokeTimeout)
        } catch {
            let message = error.storeError.message
            // Gone already: what revoking was for.
            if message.contains("requested lease not found") { return }
            logger.debug("lease not revoked; it expires by itself", metadata: ["pvd.lease": "\(Self.leaseText(lease))", "pvd.error": "\(message)"])
        }
    }

    /// Returns true once the leader key changes after `revision` (deleted, or written again),
    /// false when `timeout` passed or the watch could not be kept open.
    private func waitForChange(after revision: Int64, timeout: Duration) async -> Bool {
        let request = WatchRequest(create_request: WatchCreateRequest(key: key, start_revision: WireInt(revision + 1)))
        let client = self.client
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            group.addTask {
                do {
                    let (response, endpoint) = try await client.openStream("/v3/watch", request)
                    var changed = false
                    try await EtcdStream.read(response, endpoint: endpoint, as: WatchMessage.self) { message in
                        // An error or a cancelled watch ends the wait too: the caller looks again.
                        guard message.error == nil, message.result?.canceled != true else { return false }
                        changed = !(message.result?.events ?? []).isEmpty
                        return !changed
                    }
                    return changed
                } catch {
                    return false
                }
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// Lease IDs as etcdctl prints them.
    static func leaseText(_ lease: Int64) -> String { String(UInt64(bitPattern: lease), radix: 16) }
}
