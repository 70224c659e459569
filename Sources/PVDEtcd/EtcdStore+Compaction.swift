import Foundation
import Logging
import PVDStore

extension EtcdStore {
    /// Removes etcd's history before `revision` (etcd's compaction, physical: done when this
    /// returns). Watches from older revisions then fail with `.compacted`. A revision already
    /// compacted by someone else is no error.
    public func compact(before revision: Int64) async throws(StoreError) {
        do {
            _ = try await client.call(
                "/v3/kv/compaction", CompactionRequest(revision: WireInt(revision), physical: true), as: TxnResponse.self, idempotent: true)
        } catch {
            let e = error.storeError
            if e.code != .compacted { throw e }
        }
    }

    /// Where the compactor stands between rounds: the version of the compact key it last saw,
    /// and the revision of that round (the next round compacts up to it).
    public struct CompactorState: Sendable, Equatable {
        public var keyVersion: Int64 = 0
        public var revision: Int64 = 0
        public init() {}
    }

    /// One round of Kubernetes' compactor: the txn `version(compact key) == what I saw last`
    /// → put the current revision. Of all the daemons running rounds, only the one whose txn
    /// succeeds compacts, and it compacts to the revision of the previous round, so one whole
    /// interval of history always stays for watchers that fell behind.
    /// Returns the state for the next round and whether this round compacted.
    public func compactionRound(_ state: CompactorState) async throws(StoreError) -> (CompactorState, compacted: Bool) {
        try refuseIfTermEnded()
        var guardCompare = Compare(target: .VERSION, key: keys.compactRevision)
        guardCompare.version = WireInt(state.keyVersion)
        let txn = TxnRequest(
            compare: [guardCompare], success: [.put(keys.compactRevision, Data(String(state.revision).utf8))],
            failure: [.get(keys.compactRevision)])
        let answer: TxnResponse
        do {
            answer = try await sendWrite(txn)
        } catch {
            throw error.storeError
        }
        var next = CompactorState()
        next.revision = answer.header?.rev ?? 0
        guard answer.succeeded == true else {
            // Another daemon went first; follow its count.
            next.keyVersion = answer.responses?.first?.response_range?.kvs?.first?.version?.value ?? 0
            return (next, false)
        }
        next.keyVersion = state.keyVersion + 1
        // The first round only records where history stands.
        guard state.revision > 0 else { return (next, false) }
        try await compact(before: state.revision)
        logger.info("etcd history compacted", metadata: ["pvd.store": "\(url.text)", "pvd.revision": "\(state.revision)"])
        return (next, true)
    }

    /// Runs a compaction round every `interval` (the store URL's compaction-interval by
    /// default; zero: never) until the task is cancelled. Failures are logged and retried next
    /// round.
    public func runCompactor(interval: Duration? = nil) async {
        let every = interval ?? url.compactionInterval
        guard every > .zero else { return }
        var state = CompactorState()
        while !Task.isCancelled {
            do {
                state = try await compactionRound(state).0
            } catch {
                logger.warning("etcd compaction failed", metadata: ["pvd.store": "\(url.text)", "pvd.error": "\(error)"])
            }
            do { try await Task.sleep(for: every) } catch { return }
        }
    }
}
