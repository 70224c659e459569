import Foundation
import PVDModel
import PVDStore
import Testing

/// Another connection's writes reach a watcher through the inotify wake-up, not the safety poll.
struct SQLiteStoreWakeTests {
    @Test func writesOfAnotherConnectionWakeTheWatcherWithoutPolling() async throws {
        try await withTempDirectory { dir in
            let path = dir + "/state.db"
            // Polls an hour apart, with or without inotify: if the file-change wake-up did not work, no write below
            // but the first would reach the watcher before waitFor gives up.
            let store = try SQLiteStore(path: path, pollInterval: .seconds(3600), fallbackPollInterval: .seconds(3600))
            let collector = EventCollector()
            let task = collect(store.watch([.persistentVolume], after: 0), into: collector)
            let other = try SQLiteStore(path: path, createIfMissing: false)
            for i in 1...20 {
                _ = try await other.create(volume("pv-\(i)"))
                let seen = await collector.waitFor(count: i, timeout: .seconds(60))
                #expect(seen.count == i, "write \(i) of the other connection was not seen")
                if seen.count != i { break }
            }
            #expect(await collector.failure == nil)
            task.cancel()
            _ = await task.value
        }
    }
}

/// The poller's pauses (after a write it looked at before its commit was visible) listen for
/// further writes: commits landing during them are all delivered, none left to the safety poll.
struct SQLiteStoreWakePauseTests {
    @Test func commitsInQuickSuccessionFromAnotherConnectionAreAllSeen() async throws {
        try await withTempDirectory { dir in
            let path = dir + "/state.db"
            let store = try SQLiteStore(path: path, pollInterval: .seconds(3600), fallbackPollInterval: .seconds(3600))
            let collector = EventCollector()
            let task = collect(store.watch([.persistentVolume], after: 0), into: collector)
            let other = try SQLiteStore(path: path, createIfMissing: false)
            // Back to back, so later commits land while the poller is still pausing over earlier
            // ones; with an hour between safety polls, only the wake-up can deliver them.
            for i in 1...50 { _ = try await other.create(volume("pv-\(i)")) }
            let seen = await collector.waitFor(count: 50, timeout: .seconds(60))
            #expect(seen.count == 50)
            #expect(await collector.failure == nil)
            task.cancel()
            _ = await task.value
        }
    }
}
