import Foundation
import PVDModel
import PVDStore
import Testing

struct SQLiteStoreWatchTests {
    @Test func watchReplaysHistoryThenFollowsLiveWritesFromBothStores() async throws {
        try await withStore { store, path in
            var c = claim("data")
            c.metadata.addFinalizer("kubernetes.io/pvc-protection")
            c = try await store.create(c)                                                     // 1 ADDED
            _ = try await store.create(volume("pv-1"))                                       // 2 (other kind)
            c.status = PersistentVolumeClaimStatus(phase: .bound)
            c = try await store.update(c)                                                     // 3 MODIFIED
            _ = try await store.delete(PersistentVolumeClaim.self, namespace: "default", name: "data", uid: nil)  // 4 MODIFIED

            let collector = EventCollector()
            let task = collect(store.watch([.persistentVolumeClaim], after: 0), into: collector)
            let replayed = await collector.waitFor(count: 3)
            #expect(replayed.map(\.revision) == [1, 3, 4])
            #expect(replayed.map(\.type) == [.added, .modified, .modified])
            #expect(replayed.last?.object.metadata.deletionTimestamp != nil)

            // Live: a write through this store wakes the watcher at once.
            var d = try await store.get(PersistentVolumeClaim.self, namespace: "default", name: "data")
            d.metadata.removeFinalizer("kubernetes.io/pvc-protection")
            _ = try await store.update(d)                                                     // 5 DELETED
            let afterLocal = await collector.waitFor(count: 4)
            #expect(afterLocal.count == 4)
            #expect(afterLocal.last?.type == .deleted)
            #expect(afterLocal.last?.revision == 5)
            #expect(afterLocal.last?.object.metadata.name == "data")

            // Live: a write through another store on the same file (as another process would make it)
            // is seen through data_version.
            let other = try SQLiteStore(path: path, createIfMissing: false)
            _ = try await other.create(claim("other", namespace: "ns"))                    // 6 ADDED
            _ = try await other.create(volume("pv-2"))                                       // 7 (other kind)
            _ = try await other.delete(PersistentVolumeClaim.self, namespace: "ns", name: "other", uid: nil)  // 8 DELETED
            let all = await collector.waitFor(count: 6)
            #expect(all.map(\.revision) == [1, 3, 4, 5, 6, 8])
            #expect(all.suffix(2).map(\.type) == [.added, .deleted])
            #expect(all.last?.object.metadata.resourceVersion == "8")
            #expect(await collector.failure == nil)

            task.cancel()
            _ = await task.value
        }
    }

    @Test func watchFromTheMiddleAndOfSeveralKinds() async throws {
        try await withStore { store, _ in
            for i in 0..<5 { _ = try await store.create(volume("pv-\(i)")) }
            _ = try await store.create(claim("c"))
            let collector = EventCollector()
            let task = collect(store.watch([.persistentVolume, .persistentVolumeClaim], after: 3), into: collector)
            let events = await collector.waitFor(count: 3)
            #expect(events.map(\.revision) == [4, 5, 6])
            #expect(events.map(\.object.kind) == [.persistentVolume, .persistentVolume, .persistentVolumeClaim])
            // Nothing more arrives without writes.
            try await Task.sleep(for: .milliseconds(50))
            #expect(await collector.events.count == 3)
            task.cancel()
            _ = await task.value
        }
    }

    @Test func watchPagesThroughLongHistory() async throws {
        try await withStore { store, _ in
            let writes = (0..<1_500).map { StoreWrite.create(AnyResource(volume("pv-\($0)"))) }
            _ = try await store.commit(writes)
            let collector = EventCollector()
            let task = collect(store.watch([.persistentVolume], after: 0), into: collector)
            let events = await collector.waitFor(count: 1_500)
            #expect(events.map(\.revision) == Array(1...1_500))
            task.cancel()
            _ = await task.value
        }
    }

    @Test func watchFromACompactedRevisionFails() async throws {
        try await withStore(historyLimit: 10) { store, _ in
            for i in 0..<30 { _ = try await store.create(volume("pv-\(i)")) }
            let collector = EventCollector()
            let task = collect(store.watch([.persistentVolume], after: 0), into: collector)
            _ = await collector.waitFor(count: 1, timeout: .seconds(5))
            _ = await task.value
            let failure = try #require(await collector.failure as? StoreError)
            #expect(failure.code == .compacted)
            #expect(await collector.events.isEmpty)

            // The last `historyLimit` revisions are still held.
            let recent = EventCollector()
            let ok = collect(store.watch([.persistentVolume], after: 20), into: recent)
            let events = await recent.waitFor(count: 10)
            #expect(events.map(\.revision) == Array(21...30))
            #expect(await recent.failure == nil)
            ok.cancel()
            _ = await ok.value
        }
    }

    @Test func cancellingTheConsumerEndsTheWatch() async throws {
        try await withStore { store, _ in
            let collector = EventCollector()
            let task = collect(store.watch([.node], after: 0), into: collector)
            try await Task.sleep(for: .milliseconds(20))
            task.cancel()
            _ = await task.value
            // Writes after cancellation reach no one and disturb nothing.
            _ = try await store.create(Node(name: "n1"))
            #expect(await collector.events.isEmpty)
        }
    }

    @Test func concurrentWritersFromTwoStoresAreSeenWithoutGapsInOrder() async throws {
        try await withStore { store, path in
            let other = try SQLiteStore(path: path, createIfMissing: false)
            let collector = EventCollector()
            let task = collect(store.watch(Set(ResourceKind.allCases), after: 0), into: collector)
            async let a: Void = {
                for i in 0..<150 { _ = try await store.create(volume("a-\(i)")) }
            }()
            async let b: Void = {
                for i in 0..<30 {
                    let batch = (0..<5).map { StoreWrite.create(AnyResource(claim("b-\(i)-\($0)"))) }
                    _ = try await other.commit(batch)
                }
            }()
            _ = try await (a, b)
            let events = await collector.waitFor(count: 300)
            #expect(events.map(\.revision) == Array(1...300))
            #expect(Set(events.map(\.object.key)).count == 300)
            #expect(await collector.failure == nil)
            task.cancel()
            _ = await task.value
        }
    }
}
