import Foundation
import Logging
import PVDStore

/// What a leader's writes are fenced with: the leader key as its term created it.
struct LeaderFence: Sendable {
    let key: Data
    /// The key's create_revision when the term won it. A key deleted and created again by
    /// another candidate (or by this one, in a later term) has a newer one.
    let createRevision: Int64
    let term: EtcdTermState
}

extension EtcdStore {
    /// An election among the daemons on this prefix (see `EtcdLeaderElection`); none through a
    /// leader's store, which is already one term's.
    public func leaderElection(_ config: LeaderElectionConfig, logger: Logger) throws(StoreError) -> (any LeaderElection)? {
        if fence != nil { return nil }
        return try EtcdLeaderElection(store: self, config: config, logger: logger)
    }

    /// Sends a txn that writes. Through a leader's store the txn also compares the leader
    /// key's create_revision with the term's, so etcd itself refuses the write once the term
    /// is over there, however late this process learns it (a pause, a slow network); its
    /// failure branch reads the key too, to tell a fenced write from a lost race. A fenced
    /// write throws `.fenced` and ends the term; any other failure is returned as the caller's
    /// own branches answered it.
    func sendWrite(_ txn: TxnRequest) async throws(EtcdClient.CallError) -> TxnResponse {
        guard let fence else { return try await client.call("/v3/kv/txn", txn, as: TxnResponse.self, idempotent: false) }
        do {
            try refuseIfTermEnded()
        } catch {
            throw .failed(error)
        }
        var guarded = txn
        guarded.compare.append(Compare(target: .CREATE, key: fence.key, create_revision: WireInt(fence.createRevision)))
        guarded.failure.append(.get(fence.key))
        var answer = try await client.call("/v3/kv/txn", guarded, as: TxnResponse.self, idempotent: false)
        if answer.succeeded == true { return answer }
        let leader = answer.responses?.popLast()?.response_range?.kvs?.first
        guard let leader, leader.createRevision == fence.createRevision else {
            let why = leader.map { "the leader key is now \(String(decoding: $0.value ?? Data(), as: UTF8.self))'s" } ?? "the leader key is gone"
            fence.term.end(.keyLost(why))
            throw .failed(fenced(fence, because: why))
        }
        return answer
    }

    /// Through a leader's store whose term is over here already: `.fenced`, before anything
    /// is read or sent (etcd may not even be reachable). Writes call it first, and
    /// `sendWrite` again, for a term that ended while they read.
    func refuseIfTermEnded() throws(StoreError) {
        guard let fence, let over = fence.term.endReason else { return }
        throw fenced(fence, because: "\(over)")
    }

    private func fenced(_ fence: LeaderFence, because why: String) -> StoreError {
        StoreError(.fenced, """
            store \(url.text): fenced: \(fence.term.identity) no longer leads (its term's leader key \(EtcdKeys.text(fence.key)) \
            was created at revision \(fence.createRevision), lease \(fence.term.leaseText)): \(why); nothing was written
            """)
    }
}
