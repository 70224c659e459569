import Foundation
import PVDModel
import PVDStore

/// A fresh directory per test, removed when the test's body returns or throws.
func withTempDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-store-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    return try await body(dir)
}

/// A new store on `state.db` in a fresh temporary directory.
func withStore<T>(historyLimit: Int64 = 100_000, _ body: (SQLiteStore, String) async throws -> T) async throws -> T {
    try await withTempDirectory { dir in
        let path = dir + "/state.db"
        let store = try SQLiteStore(path: path, historyLimit: historyLimit)
        return try await body(store, path)
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

/// Collects what a watch yields, so a test can wait for a number of events with a deadline
/// instead of hanging when one never comes.
actor EventCollector {
    private(set) var events: [WatchEvent] = []
    private(set) var failure: (any Error)?

    func add(_ e: WatchEvent) { events.append(e) }
    func fail(_ e: any Error) { failure = e }

    /// Waits until `count` events arrived (or the watch failed), for at most `timeout`.
    /// The timeout bounds a hang, it is no speed check: the whole suite runs in one process on
    /// two cores, and the CLI and driver tests beside these block the cooperative threads while
    /// they wait for their child processes, for many seconds under load.
    func waitFor(count: Int, timeout: Duration = .seconds(120)) async -> [WatchEvent] {
        let deadline = ContinuousClock.now + timeout
        while events.count < count, failure == nil, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(2))
        }
        return events
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
