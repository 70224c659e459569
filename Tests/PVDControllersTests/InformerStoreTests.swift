import PVDModel
import PVDStore
import Testing
@testable import PVDControllers

/// The informer in process over a real SQLite store in a temporary directory: what it hands on,
/// when, and that its cache is the store's contents.
@Suite(.timeLimit(.minutes(2)))
struct InformerStoreTests {
    @Test func listsFirstThenHandsOnEachWatchedChangeInOrderWithItsKey() async throws {
        try await withSQLiteStore { store, _ in
            _ = try await store.create(makePV("pv-before", 1))
            var run = RunningInformer(store: store)
            #expect(await run.next() == InformerChange(key: Informer.resyncKey, revision: 1, type: nil))
            #expect(await run.informer.hasSynced)

            var c = try await store.create(makePVC("data", 1))
            c.metadata.labels = ["tier": "gold"]
            _ = try await store.update(c)
            let event = Event(
                name: "data.1", namespace: "ns", involvedObject: c.reference, type: .normal, reason: "Seen",
                message: "seen", at: Time.now())
            _ = try await store.create(event)
            _ = try await store.create(Pod(name: "app", namespace: "ns"))
            _ = try await store.delete(PersistentVolumeClaim.self, namespace: "ns", name: "data", uid: nil)

            // The Event (revision 4) is cached but handed to no controller.
            let claimKey = "PersistentVolumeClaim/ns/data"
            #expect(await run.next(4) == [
                InformerChange(key: claimKey, revision: 2, type: .added, kind: .persistentVolumeClaim),
                InformerChange(key: claimKey, revision: 3, type: .modified, kind: .persistentVolumeClaim),
                InformerChange(key: "Pod/ns/app", revision: 5, type: .added, kind: .pod),
                InformerChange(key: claimKey, revision: 6, type: .deleted, kind: .persistentVolumeClaim),
            ])
            #expect(await run.informer.revision == 6)
            try await expectCache(of: run.informer, matches: store)
            await run.stop()
        }
    }

    @Test func waitForRevisionIsTrueOnceTheCacheHasItAndFalseAtItsLimit() async throws {
        try await withSQLiteStore { store, _ in
            let clock = ManualClock()
            var run = RunningInformer(store: store, clock: clock)
            _ = await run.next()
            let written = try await store.create(makePV("pv-1", 1))
            let revision = try #require(written.metadata.resourceVersion.flatMap { Int64($0) })
            #expect(await run.informer.waitForRevision(revision, limit: .seconds(60)))
            #expect(await run.informer.revision == revision)

            let informer = run.informer
            let ahead = Task { await informer.waitForRevision(revision + 1, limit: .seconds(3)) }
            await clock.waitForSleepers(1)
            clock.advance(by: .seconds(3))
            #expect(await ahead.value == false)
            await run.stop()
        }
    }

    /// SQLite keeps `historyLimit` revisions of change history and drops older ones as writes
    /// go on. Writes made between the informer's list and its watch push the listed revision
    /// out of the history: the watch fails with `.compacted` and the informer lists again.
    @Test func listsAgainWhenTheRevisionItWatchesFromWasCompacted() async throws {
        try await withSQLiteStore(historyLimit: 4) { store, _ in
            _ = try await store.create(makePV("pv-0", 1))
            var run = RunningInformer(store: store, beforeWatch: {
                // Only behind the first list's back (the store is at its revision, 1).
                guard (try? await store.currentRevision()) == 1 else { return }
                for i in 1...10 { _ = try? await store.create(makePV("pv-\(i)", 1)) }
            })
            #expect(await run.next() == InformerChange(key: Informer.resyncKey, revision: 1, type: nil))
            // Revisions 2 to 11 were never watched, only listed: the second resync covers them.
            #expect(await run.next() == InformerChange(key: Informer.resyncKey, revision: 11, type: nil))
            try await expectCache(of: run.informer, matches: store)
            #expect(await run.informer.snapshot().volumes.count == 11)

            // And it watches on from the new list's revision.
            _ = try await store.create(makePVC("after", 1))
            #expect(await run.next()?.key == "PersistentVolumeClaim/ns/after")
            await run.stop()
        }
    }

    @Test func theCacheMatchesTheStoreAfterABurstOfWritesFromTwoConnections() async throws {
        try await withSQLiteStore { store, path in
            var run = RunningInformer(store: store)
            _ = await run.next()
            // The second connection writes as another process (the CLI) would.
            let other = try SQLiteStore(path: path, createIfMissing: false)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { for i in 0..<60 { _ = try await store.create(makePVC("c-\(i)", 1)) } }
                group.addTask { for i in 0..<60 { _ = try await other.create(makePV("v-\(i)", 1)) } }
                try await group.waitForAll()
            }
            for i in stride(from: 0, to: 60, by: 3) {
                var v = try await other.get(PersistentVolume.self, namespace: nil, name: "v-\(i)")
                v.metadata.labels = ["n": "\(i)"]
                _ = try await store.update(v)
                _ = try await other.delete(PersistentVolumeClaim.self, namespace: "ns", name: "c-\(i)", uid: nil)
            }
            let claim = try await store.get(PersistentVolumeClaim.self, namespace: "ns", name: "c-1")
            _ = try await other.commit([
                .create(AnyResource(makeNode("node-a"))),
                .create(AnyResource(makeClass("fast"))),
                .create(AnyResource(Pod(name: "app", namespace: "ns"))),
                .create(AnyResource(Event(
                    name: "c-1.1", namespace: "ns", involvedObject: claim.reference, type: .warning, reason: "Failed",
                    message: "no volume", at: Time.now()))),
                .delete(kind: .persistentVolume, namespace: nil, name: "v-1", uid: nil),
            ])
            let revision = try await store.currentRevision()
            #expect(await run.informer.waitForRevision(revision, limit: .seconds(60)))
            try await expectCache(of: run.informer, matches: store)
            await run.stop()
        }
    }

    @Test func hasSyncedOnlyOnceTheFirstListCompletedAndStaysSoThroughAList() async throws {
        try await withSQLiteStore { base, _ in
            let store = FailingStore(over: base)
            let informer = Informer(store: store, logger: quietLogger)
            #expect(await informer.hasSynced == false)
            store.failWatches([StoreError(.compacted, "compacted")])
            var run = RunningInformer(store: store)
            await run.informer.waitUntilSynced()
            #expect(await run.informer.hasSynced)
            // The second list, after the compacted watch, leaves it synced.
            #expect(await run.next(2).count == 2)
            #expect(await run.informer.hasSynced)
            await run.stop()
        }
    }
}
