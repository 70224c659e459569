import Foundation
import Logging
import PVDModel
import PVDStore
import Synchronization
import Testing
@testable import PVDControllers

/// Runs `body` on a new SQLite store in a fresh temporary directory, removed afterwards.
func withSQLiteStore(historyLimit: Int64 = 100_000, _ body: (SQLiteStore, _ path: String) async throws -> Void) async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-informer-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try await body(try SQLiteStore(path: dir + "/state.db", historyLimit: historyLimit), dir + "/state.db")
}

/// A logger that drops everything: the informer's retries are what these tests provoke.
let quietLogger = Logger(label: "pvd.test") { _ in SwiftLogNoOpLogHandler() }

/// An informer running in a task of its own; the changes it hands on are read, in order,
/// with `next`.
struct RunningInformer {
    let informer: Informer
    private let task: Task<Void, Never>
    private var changes: AsyncStream<InformerChange>.Iterator

    /// Starts `informer.run`. `beforeWatch` runs inside the handler of every resync, that is
    /// after a list and before the watch from its revision starts: a test that writes there
    /// writes behind the informer's back.
    init(
        store: any ObjectStore, clock: any Clock<Duration> = ContinuousClock(), retryDelay: Duration = .seconds(1),
        beforeWatch: @escaping @Sendable () async -> Void = {}
    ) {
        let informer = Informer(store: store, logger: quietLogger, retryDelay: retryDelay, clock: clock)
        let (stream, sink) = AsyncStream.makeStream(of: InformerChange.self)
        self.informer = informer
        changes = stream.makeAsyncIterator()
        task = Task {
            await informer.run { change in
                if change.key == Informer.resyncKey { await beforeWatch() }
                sink.yield(change)
            }
            sink.finish()
        }
    }

    /// The next change handed on; nil once the informer has stopped.
    mutating func next() async -> InformerChange? { await changes.next() }

    /// The next `count` changes.
    mutating func next(_ count: Int) async -> [InformerChange] {
        var out: [InformerChange] = []
        while out.count < count, let c = await next() { out.append(c) }
        return out
    }

    /// Cancels the run and waits for it to end.
    func stop() async {
        task.cancel()
        await task.value
    }
}

/// Expects the informer's cache to hold exactly what the store holds now, at the store's revision.
func expectCache(of informer: Informer, matches store: any ObjectStore, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let cached = await informer.snapshot()
    let read = try await Snapshot.read(from: store)
    func byKey<R: Resource>(_ items: [R]) -> [String: R] { Dictionary(uniqueKeysWithValues: items.map { ($0.key, $0) }) }
    #expect(cached.revision == read.revision, sourceLocation: sourceLocation)
    #expect(byKey(cached.classes) == byKey(read.classes), sourceLocation: sourceLocation)
    #expect(byKey(cached.nodes) == byKey(read.nodes), sourceLocation: sourceLocation)
    #expect(byKey(cached.pods) == byKey(read.pods), sourceLocation: sourceLocation)
    #expect(cached.volumes == read.volumes, sourceLocation: sourceLocation)
    #expect(cached.claims == read.claims, sourceLocation: sourceLocation)
    #expect(cached.nodeLeases == read.nodeLeases, sourceLocation: sourceLocation)
    #expect(cached.capacities == read.capacities, sourceLocation: sourceLocation)
    let events = try await store.list(Event.self, namespace: nil, selector: nil).items
    #expect(await informer.eventIndex().value.byKey == byKey(events), sourceLocation: sourceLocation)
}

/// An `ObjectStore` over a real one whose next lists or watches fail, to see what the informer
/// does when the store fails under it. The counters sit behind one lock, which makes it `Sendable`.
final class FailingStore: ObjectStore {
    private struct Plan {
        var watchFailures: [StoreError] = []
        var listFailures = 0
        var watchesStarted = 0
        var beforeCommit: (@Sendable () async throws(StoreError) -> Void)?
        var commits = 0
    }
    let base: any ObjectStore
    private let plan = Mutex(Plan())

    init(over base: any ObjectStore) { self.base = base }

    /// The next watches fail with these errors, one each, in order.
    func failWatches(_ errors: [StoreError]) { plan.withLock { $0.watchFailures = errors } }

    /// The next `count` lists (whole snapshot reads: each starts with `currentRevision`) fail.
    func failLists(_ count: Int) { plan.withLock { $0.listFailures = count } }

    var watchesStarted: Int { plan.withLock { $0.watchesStarted } }

    /// The next commit first runs `write`: another writer getting in between what a caller read
    /// and its commit.
    func interleave(beforeNextCommit write: @escaping @Sendable () async throws(StoreError) -> Void) {
        plan.withLock { $0.beforeCommit = write }
    }

    /// Commits asked for, whether they went through or not.
    var commits: Int { plan.withLock { $0.commits } }

    func create<R: Resource>(_ object: R) async throws(StoreError) -> R { try await base.create(object) }
    func get<R: Resource>(_ type: R.Type, namespace: String?, name: String) async throws(StoreError) -> R {
        try await base.get(type, namespace: namespace, name: name)
    }
    func list<R: Resource>(_ type: R.Type, namespace: String?, selector: LabelSelector?) async throws(StoreError) -> ObjectList<R> {
        try await base.list(type, namespace: namespace, selector: selector)
    }
    func update<R: Resource>(_ object: R) async throws(StoreError) -> R { try await base.update(object) }
    func delete<R: Resource>(_ type: R.Type, namespace: String?, name: String, uid: String?) async throws(StoreError) -> R? {
        try await base.delete(type, namespace: namespace, name: name, uid: uid)
    }
    func commit(_ writes: [StoreWrite]) async throws(StoreError) -> [AnyResource?] {
        let first = plan.withLock { p in
            p.commits += 1
            defer { p.beforeCommit = nil }
            return p.beforeCommit
        }
        if let first { try await first() }
        return try await base.commit(writes)
    }

    func currentRevision() async throws(StoreError) -> Int64 {
        let fail = plan.withLock { p in
            guard p.listFailures > 0 else { return false }
            p.listFailures -= 1
            return true
        }
        if fail { throw StoreError(.unavailable, "store: failing on purpose") }
        return try await base.currentRevision()
    }

    func watch(_ kinds: Set<ResourceKind>, after revision: Int64) -> AsyncThrowingStream<WatchEvent, any Error> {
        let failure = plan.withLock { p -> StoreError? in
            p.watchesStarted += 1
            return p.watchFailures.isEmpty ? nil : p.watchFailures.removeFirst()
        }
        guard let failure else { return base.watch(kinds, after: revision) }
        return AsyncThrowingStream { $0.finish(throwing: failure) }
    }
}
