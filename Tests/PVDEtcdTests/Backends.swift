import Foundation
import PVDEtcd
import PVDModel
import PVDStore
import Testing

/// The two backends the conformance cases run against.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, etcd
    var testDescription: String { rawValue }
}

/// A fresh, empty store of one backend, and what the cases need around it.
struct StoreUnderTest: Sendable {
    let backend: Backend
    let store: any RestorableStore
    /// A second client on the same data: another SQLiteStore on the file, another EtcdStore on
    /// the prefix (as another process would have it).
    let second: @Sendable () throws -> any ObjectStore
    /// The revision before the case wrote anything: etcd's is the cluster's, shared by every
    /// prefix, so cases compare revisions with it rather than with 0.
    let base: Int64
    let etcdURL: String?

    /// The revision `n` writes after `base` on an otherwise idle store.
    func rv(_ n: Int64) -> String { String(base + n) }

    /// Drops history so that only the latest revision is held (SQLite: its history limit, set
    /// small for such cases, already did).
    func compactAll() async throws {
        if let etcd = store as? EtcdStore { try await etcd.compact(before: try await etcd.currentRevision()) }
    }
}

/// Runs `body` on a fresh store of `backend`: a temporary SQLite file, or a new prefix on the
/// suite's etcd cluster.
func withBackend(_ backend: Backend, historyLimit: Int64 = 100_000, _ body: (StoreUnderTest) async throws -> Void) async throws {
    switch backend {
    case .sqlite:
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-conf-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/state.db"
        let store = try SQLiteStore(path: path, historyLimit: historyLimit)
        try await body(StoreUnderTest(
            backend: backend, store: store, second: { try SQLiteStore(path: path, createIfMissing: false) }, base: 0, etcdURL: nil))
    case .etcd:
        let cluster = try #require(EtcdCluster.current, "the suite needs the .etcdCluster trait")
        let url = cluster.url(prefix: "/pvd-test-\(UUID().uuidString.prefix(8).lowercased())")
        let store = try EtcdStore(url)
        try await store.verify(claiming: true)
        let base = try await store.currentRevision()
        try await body(StoreUnderTest(backend: backend, store: store, second: { try EtcdStore(url) }, base: base, etcdURL: url))
    }
}

/// Runs `body` and returns the `StoreError` it threw, or nil if it threw none.
func storeError<T>(_ body: () async throws(StoreError) -> T) async -> StoreError? {
    do {
        _ = try await body()
        return nil
    } catch {
        return error
    }
}

func claim(_ name: String, namespace: String = "default", labels: [String: String]? = nil, size: Int64 = 1 << 30) -> PersistentVolumeClaim {
    var c = PersistentVolumeClaim(
        name: name, namespace: namespace,
        spec: PersistentVolumeClaimSpec(accessModes: [.readWriteOnce], request: Quantity(size)))
    c.metadata.labels = labels
    return c
}

func volume(_ name: String, size: Int64 = 1 << 30) -> PersistentVolume {
    PersistentVolume(name: name, spec: PersistentVolumeSpec(capacity: Quantity(size), accessModes: [.readWriteOnce]))
}

/// Collects what a watch yields, so a case can wait for a number of events with a deadline.
actor EventCollector {
    private(set) var events: [WatchEvent] = []
    private(set) var failure: (any Error)?

    func add(_ e: WatchEvent) { events.append(e) }
    func fail(_ e: any Error) { failure = e }

    /// Waits until `count` events arrived (or the watch failed), for at most `timeout`.
    func waitFor(count: Int, timeout: Duration = .seconds(60)) async -> [WatchEvent] {
        let deadline = ContinuousClock.now + timeout
        while events.count < count, failure == nil, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        return events
    }

    func waitForFailure(timeout: Duration = .seconds(30)) async -> (any Error)? {
        let deadline = ContinuousClock.now + timeout
        while failure == nil, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
        return failure
    }
}

/// Starts consuming a watch into a collector; cancel the returned task to stop it.
func collect(_ stream: AsyncThrowingStream<WatchEvent, any Error>, into collector: EventCollector) -> Task<Void, Never> {
    Task {
        do {
            for try await e in stream { await collector.add(e) }
        } catch {
            await collector.fail(error)
        }
    }
}

extension Duration {
    var seconds: Double {
        let (s, a) = components
        return Double(s) + Double(a) / 1e18
    }
}
