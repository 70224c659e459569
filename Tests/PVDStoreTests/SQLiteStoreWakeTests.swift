import Foundation
import PVDModel
import PVDStore
import Testing

/// Another connection's writes reach a watcher through the inotify wake-up, not the safety poll:
/// the watcher's store polls an hour apart, with or without inotify, so if the file-change
/// wake-up did not work, no write but the first would reach it before `waitFor` gives up.
struct SQLiteStoreWakeTests {
    /// A watcher of PVs on one connection and a second connection to write with.
    private func withWatcherAndWriter(_ body: (EventCollector, SQLiteStore) async throws -> Void) async throws {
        try await withTempDirectory { dir in
            let path = dir + "/state.db"
            let store = try SQLiteStore(path: path, pollInterval: .seconds(3600), fallbackPollInterval: .seconds(3600))
            let collector = EventCollector()
            let task = collect(store.watch([.persistentVolume], after: 0), into: collector)
            let other = try SQLiteStore(path: path, createIfMissing: false)
            try await body(collector, other)
            #expect(await collector.failure == nil)
            task.cancel()
            _ = await task.value
        }
    }

    @Test func writesOfAnotherConnectionWakeTheWatcherWithoutPolling() async throws {
        try await withWatcherAndWriter { collector, other in
            for i in 1...20 {
                _ = try await other.create(volume("pv-\(i)"))
                let seen = await collector.waitFor(count: i, timeout: .seconds(60))
                #expect(seen.count == i, "write \(i) of the other connection was not seen")
                if seen.count != i { break }
            }
        }
    }

    /// The poller's pauses (after a write it looked at before its commit was visible) listen for
    /// further writes: commits landing during them are all delivered, none left to the safety poll.
    @Test func commitsInQuickSuccessionFromAnotherConnectionAreAllSeen() async throws {
        try await withWatcherAndWriter { collector, other in
            // Back to back, so later commits land while the poller is still pausing over earlier ones.
            for i in 1...50 { _ = try await other.create(volume("pv-\(i)")) }
            let seen = await collector.waitFor(count: 50, timeout: .seconds(60))
            #expect(seen.count == 50)
        }
    }
}
