import Foundation
import PVDModel
import PVDStore

extension EtcdStore {
    /// The most commits a batch is tried again for when another writer changed one of its keys
    /// between the read and the transaction (a real conflict is reported on the first try).
    static let commitAttempts = 16

    public func create<R: Resource>(_ object: R) async throws(StoreError) -> R {
        try typed(try await commit([.create(AnyResource(object))]).first ?? nil, as: R.self, object.displayName)
    }

    public func update<R: Resource>(_ object: R) async throws(StoreError) -> R {
        try typed(try await commit([.update(AnyResource(object))]).first ?? nil, as: R.self, object.displayName)
    }

    public func delete<R: Resource>(_ type: R.Type, namespace: String?, name: String, uid: String?) async throws(StoreError) -> R? {
        let results = try await commit([.delete(kind: R.kind, namespace: namespace, name: name, uid: uid)])
        guard let result = results.first ?? nil else { return nil }
        return try typed(result, as: R.self, result.displayName)
    }

    private func typed<R: Resource>(_ result: AnyResource?, as: R.Type, _ name: String) throws(StoreError) -> R {
        guard let object = result?.as(R.self) else {
            throw StoreError(.invalid, "\(name): store returned no \(R.kind.rawValue)")
        }
        return object
    }

    /// Reads every key the writes touch (one read-only txn, one revision), applies the writes to
    /// what was read by the SQLite backend's rules, and commits the outcome as one txn whose
    /// compares say every key read is unchanged. A key only created is not read but taken to be
    /// absent: its compare says so, so if it exists after all the txn fails, returns it, and
    /// the writes are decided again (a create of an existing object is then `.alreadyExists`).
    /// A commit of creates only (a new claim, events) is then one round trip instead of two. When another writer got in between, the txn's
    /// failure branch returns the keys afresh and the writes are decided again from them: a
    /// stale resourceVersion is then a conflict, as it would have been under SQLite's lock.
    ///
    /// One txn holds at most `url.maxTxnOps` keys and `url.maxRequestBytes` bytes: a bigger
    /// commit is refused whole with `.invalid` before anything is sent (see docs/DESIGN.md).
    public func commit(_ writes: [StoreWrite]) async throws(StoreError) -> [AnyResource?] {
        if writes.isEmpty { return [] }
        try refuseIfTermEnded()
        let plan = try CommitPlan(writes, keys: keys, now: Time.now(), store: url.text)
        if plan.keys.count > url.maxTxnOps {
            throw StoreError(.invalid, """
                store \(url.text): a commit of \(writes.count) writes touches \(plan.keys.count) objects, more than the \(url.maxTxnOps) \
                one etcd transaction takes (--max-txn-ops); nothing was written. Write fewer objects at once, or start every \
                member with a larger --max-txn-ops and say so in the store URL (max-txn-ops=N)
                """)
        }
        try await verify(claiming: true)
        var read = try await readKeys(plan.keys, assumingAbsent: plan.createdOnly)
        var attempt = 0
        while true {
            attempt += 1
            let outcome = try plan.decide(read.kvs)
            if outcome.ops.isEmpty { return outcome.results }
            let txn = TxnRequest(compare: outcome.compares, success: outcome.ops, failure: plan.keys.map { .get($0) })
            try checkSize(txn, writes: writes.count)
            let answer: TxnResponse
            do {
                answer = try await sendWrite(txn)
            } catch {
                switch error {
                case .failed(let e):
                    throw e
                case .outcomeUnknown(let e):
                    // The connection broke after the txn was sent: look whether it landed.
                    let now = try await readKeys(plan.keys)
                    if let revision = outcome.landed(in: now.kvs, readAt: now.revision) { return outcome.results(at: revision) }
                    if !outcome.unchanged(now.kvs) { throw e }
                    read = now
                    continue
                }
            }
            if answer.succeeded == true { return outcome.results(at: answer.header?.rev ?? 0) }
            guard attempt < Self.commitAttempts else {
                throw StoreError(.conflict, "store \(url.text): conflict: the objects of this commit kept changing under it (\(attempt) attempts)")
            }
            read = Read(kvs: (answer.responses ?? []).map { $0.response_range?.kvs?.first })
        }
    }

    struct Read {
        /// One per key of the plan, in its order; nil where the key is absent.
        var kvs: [KeyValue?]
        var revision: Int64 = 0
    }

    /// Reads the keys not marked in `absent` (one read-only txn, so all are seen at one
    /// revision; none when all are marked), the marked ones taken to be absent.
    func readKeys(_ keys: [Data], assumingAbsent absent: [Bool]) async throws(StoreError) -> Read {
        let wanted = keys.indices.filter { !absent[$0] }
        if wanted.count == keys.count { return try await readKeys(keys) }
        var kvs = [KeyValue?](repeating: nil, count: keys.count)
        guard !wanted.isEmpty else { return Read(kvs: kvs) }
        let some = try await readKeys(wanted.map { keys[$0] })
        for (i, kv) in zip(wanted, some.kvs) { kvs[i] = kv }
        return Read(kvs: kvs, revision: some.revision)
    }

    /// Reads the keys in one read-only txn, so all of them are seen at one revision.
    func readKeys(_ keys: [Data]) async throws(StoreError) -> Read {
        let txn = TxnRequest(success: keys.map { .get($0) })
        let answer: TxnResponse
        do {
            answer = try await client.call("/v3/kv/txn", txn, as: TxnResponse.self, idempotent: true)
        } catch {
            throw error.storeError
        }
        let responses = answer.responses ?? []
        guard responses.count == keys.count else {
            throw StoreError(.unavailable, "store \(url.text): a read of \(keys.count) keys returned \(responses.count) answers")
        }
        return Read(kvs: responses.map { $0.response_range?.kvs?.first }, revision: answer.header?.rev ?? 0)
    }

    /// Refuses a txn bigger than the members take. etcd measures the protobuf request; the
    /// keys and values are nearly all of it, and a little is allowed per operation.
    private func checkSize(_ txn: TxnRequest, writes: Int) throws(StoreError) {
        var bytes = 0
        for c in txn.compare { bytes += c.key.count + 24 }
        for op in txn.success + txn.failure {
            bytes += (op.request_put?.key.count ?? 0) + (op.request_put?.value.count ?? 0)
            bytes += (op.request_range?.key.count ?? 0) + (op.request_delete_range?.key.count ?? 0) + 24
        }
        if bytes > url.maxRequestBytes {
            throw StoreError(.invalid, """
                store \(url.text): a commit of \(writes) writes is about \(bytes) bytes, more than the \(url.maxRequestBytes) one etcd \
                request takes (--max-request-bytes); nothing was written. Write fewer objects at once, or start every member \
                with a larger --max-request-bytes and say so in the store URL (max-request-bytes=N)
                """)
        }
    }
}
