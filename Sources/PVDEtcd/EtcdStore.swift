import Foundation
import Logging
import PVDModel
import PVDStore
import Synchronization

/// The etcd v3 backend of `ObjectStore`, with the SQLite backend's semantics, through etcd's
/// JSON gateway.
///
/// Objects live at kube-apiserver's keys (`<prefix>/<resource>/<namespace>/<name>`), as the JSON
/// the SQLite backend stores less `resourceVersion`, which is the key's mod_revision. Every
/// commit is one etcd transaction guarded by compares on the create or mod revision of every
/// key it read, so a stale write is a conflict and never a lost write. Lists are read in pages
/// pinned to the first page's revision; watches follow etcd's watch stream and resume on
/// another member when one drops. See docs/DESIGN.md §2.1.
public final class EtcdStore: ObjectStore, RestorableStore {
    public let url: EtcdStoreURL
    let client: EtcdClient
    let keys: EtcdKeys
    let logger: Logger
    /// Objects per list page: big enough that a 10,000-object list is a few dozen round trips,
    /// small enough that no answer gets big (150,000 objects are 300 pages).
    let listPageSize: Int
    /// Set on a leader's store (`EtcdLeaderTerm.store`): every write it sends carries the
    /// term's compare (see `sendWrite`).
    let fence: LeaderFence?
    private let prefixChecked: Mutex<PrefixState>

    enum PrefixState { case unchecked, emptyAndUnclaimed, owned }

    /// A store on `url`. Nothing is sent yet: `verify` (or the first write) checks that an
    /// endpoint answers and that the prefix is pvd's.
    public init(url: EtcdStoreURL, listPageSize: Int = 500, logger: Logger = Logger(label: "pvd.store")) throws(StoreError) {
        self.url = url
        self.keys = EtcdKeys(prefix: url.prefix)
        self.logger = logger
        self.listPageSize = max(1, listPageSize)
        self.client = try EtcdClient(url: url, logger: logger)
        self.fence = nil
        self.prefixChecked = Mutex(.unchecked)
    }

    /// `base`'s store, its writes fenced by a term: same client, same keys. The prefix was
    /// claimed before the campaign that won the term.
    init(fencing base: EtcdStore, with fence: LeaderFence) {
        url = base.url
        keys = base.keys
        logger = base.logger
        listPageSize = base.listPageSize
        client = base.client
        self.fence = fence
        prefixChecked = Mutex(.owned)
    }

    /// A store on the URL `text` (see `EtcdStoreURL`).
    public convenience init(_ text: String, logger: Logger = Logger(label: "pvd.store")) throws(StoreError) {
        try self.init(url: try EtcdStoreURL(text), logger: logger)
    }

    /// `init(_:logger:)` as the binaries that link this client pass it to the node's store
    /// opening (`NodeEnvironment.openStore`'s `etcd:`), which knows no etcd types.
    @Sendable public static func open(_ location: String, logger: Logger) throws(StoreError) -> any RestorableStore {
        try EtcdStore(location, logger: logger)
    }

    public var maxWritesPerCommit: Int? { url.maxTxnOps }
    /// A transaction is one revision, however many keys it writes.
    public func revisions(committing writes: Int) -> Int64 { writes > 0 ? 1 : 0 }
    public var restoreBatchLimit: Int? { url.maxTxnOps }

    // MARK: - The prefix

    /// Checks that an endpoint answers and that the prefix is a pvd store's: it holds pvd's
    /// marker key, or nothing at all. With `claiming`, an empty prefix is claimed by writing the
    /// marker. Fails with `.unavailable` naming the endpoints when none answers, and naming a
    /// key when the prefix holds keys that are not pvd's, before anything is written.
    public func verify(claiming: Bool) async throws(StoreError) {
        let state = prefixChecked.withLock { $0 }
        if state == .owned || (state == .emptyAndUnclaimed && !claiming) { return }
        // The marker and the prefix are read in one txn, at one revision: read one after the
        // other, another process's claim landing between them would look like a foreign key.
        let both = TxnRequest(success: [
            .get(keys.marker),
            RequestOp(request_range: RangeRequest(key: keys.all, range_end: EtcdKeys.rangeEnd(keys.all), limit: WireInt(1), keys_only: true)),
        ])
        let answer: TxnResponse
        do {
            answer = try await client.call("/v3/kv/txn", both, as: TxnResponse.self, idempotent: true)
        } catch {
            throw error.storeError
        }
        let ranges = (answer.responses ?? []).map { $0.response_range }
        if let kv = ranges.first??.kvs?.first {
            try checkMarker(kv)
            prefixChecked.withLock { $0 = .owned }
            return
        }
        if let kv = ranges.dropFirst().first??.kvs?.first {
            throw StoreError(.unavailable, """
                store \(url.text): prefix \(url.prefix)/ holds keys that are not a pvd store's (such as \(EtcdKeys.text(kv.key))) \
                and no pvd marker (\(EtcdKeys.text(keys.marker))); name another prefix: \(url.tls == nil ? "etcd" : "etcds")://HOST:PORT/PREFIX
                """)
        }
        guard claiming else {
            prefixChecked.withLock { $0 = .emptyAndUnclaimed }
            return
        }
        // Claimed with a create-if-absent txn guarded on the prefix staying empty of other
        // keys is not expressible in one compare; two pvd processes claiming at once write the
        // same marker, which is fine, and a foreign writer racing the claim is not guarded against.
        let claim = TxnRequest(
            compare: [.absent(keys.marker)], success: [.put(keys.marker, Self.markerValue)], failure: [.get(keys.marker)])
        let claimed: TxnResponse
        do {
            claimed = try await client.call("/v3/kv/txn", claim, as: TxnResponse.self, idempotent: true)
        } catch {
            throw error.storeError
        }
        if claimed.succeeded != true, let kv = claimed.responses?.first?.response_range?.kvs?.first {
            try checkMarker(kv)
        }
        logger.debug("etcd prefix claimed for pvd", metadata: ["pvd.store": "\(url.text)", "pvd.etcd.key": "\(EtcdKeys.text(keys.marker))"])
        prefixChecked.withLock { $0 = .owned }
    }

    static let markerSchema = 1
    static let markerValue = Data(#"{"pvd":"store","schema":1}"#.utf8)

    private func checkMarker(_ kv: KeyValue) throws(StoreError) {
        struct Marker: Decodable { var pvd: String; var schema: Int }
        guard let m = try? JSONDecoder().decode(Marker.self, from: kv.value ?? Data()), m.pvd == "store" else {
            throw EtcdValues.foreign(EtcdKeys.text(kv.key), store: url.text, "not pvd's marker")
        }
        if m.schema > Self.markerSchema {
            throw StoreError(.unavailable, "store \(url.text): schema version \(m.schema) is newer than this pvd understands (\(Self.markerSchema))")
        }
    }

    // MARK: - Reads

    func range(_ request: RangeRequest) async throws(StoreError) -> RangeResponse {
        do {
            return try await client.call("/v3/kv/range", request, as: RangeResponse.self, idempotent: true)
        } catch {
            throw error.storeError
        }
    }

    public func get<R: Resource>(_ type: R.Type, namespace: String?, name: String) async throws(StoreError) -> R {
        let ns = StoredObjectRules.storedNamespace(R.kind, namespace)
        let answer = try await range(RangeRequest(key: keys.object(R.kind, namespace: ns, name: name)))
        guard let kv = answer.kvs?.first else {
            throw StoreError(.notFound, "\(StoredObjectRules.displayName(R.kind, ns, name)): not found")
        }
        return try EtcdValues.decode(R.self, kv, store: url.text)
    }

    public func list<R: Resource>(_ type: R.Type, namespace: String?, selector: LabelSelector?) async throws(StoreError) -> ObjectList<R> {
        let start = keys.kind(R.kind, namespace: namespace.map { StoredObjectRules.storedNamespace(R.kind, $0) })
        // A page's revision can be compacted away before the next page is read: the list is
        // then read again from its first page, at a new revision, as a relist would.
        var attempts = 0
        while true {
            attempts += 1
            do {
                var list = try await listPages(R.self, from: start)
                if let selector { list.items.removeAll { !selector.matches($0.metadata.labels) } }
                return list
            } catch let e where e.code == .compacted && attempts < 3 {
                continue
            }
        }
    }

    private func listPages<R: Resource>(_ type: R.Type, from start: Data) async throws(StoreError) -> ObjectList<R> {
        let end = EtcdKeys.rangeEnd(start)
        var key = start
        var revision: Int64 = 0
        var items: [R] = []
        while true {
            let page = try await range(RangeRequest(
                key: key, range_end: end, limit: WireInt(Int64(listPageSize)), revision: revision == 0 ? nil : WireInt(revision)))
            if revision == 0 { revision = page.header?.rev ?? 0 }
            let kvs = page.kvs ?? []
            for kv in kvs { items.append(try EtcdValues.decode(R.self, kv, store: url.text)) }
            guard page.more == true, let last = kvs.last else { break }
            // The next page starts just after the last key read.
            key = last.key + Data([0])
        }
        // etcd orders keys byte by byte, and "ns/" sorts after "ns-a/": the SQLite backend's
        // order is namespace, then name.
        if !Self.inStoreOrder(items) {
            items.sort { a, b in
                let (x, y) = (a.metadata, b.metadata)
                return (x.namespace ?? "", x.name) < (y.namespace ?? "", y.name)
            }
        }
        return ObjectList(items: items, revision: revision)
    }

    static func inStoreOrder<R: Resource>(_ items: [R]) -> Bool {
        var previous: (String, String)? = nil
        for item in items {
            let m = item.metadata
            let here = (m.namespace ?? "", m.name)
            if let previous, !(previous < here) { return false }
            previous = here
        }
        return true
    }

    public func currentRevision() async throws(StoreError) -> Int64 {
        try await range(RangeRequest(key: keys.marker, keys_only: true)).header?.rev ?? 0
    }
}
