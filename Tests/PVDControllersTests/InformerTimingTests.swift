import PVDModel
import PVDStore
import Testing
@testable import PVDControllers

/// The informer's waits, on a clock the tests move by hand: `waitForRevision`'s limit and the
/// delay before it lists again after the store failed.
@Suite(.timeLimit(.minutes(2)))
struct InformerTimingTests {
    let clock = ManualClock()

    @Test func waitForRevisionGivesUpAtItsLimitAndNotBefore() async throws {
        try await withSQLiteStore { store, _ in
            let informer = Informer(store: store, logger: quietLogger, clock: clock)
            let answer = Task { await informer.waitForRevision(1, limit: .seconds(2)) }
            await clock.waitForSleepers(1)
            clock.advance(by: .milliseconds(1999))
            // Its timer is still asleep, so nothing can have answered yet.
            #expect(clock.sleeperCount == 1)
            clock.advance(by: .milliseconds(1))
            #expect(await answer.value == false)
        }
    }

    @Test func waitForRevisionAnswersAtOnceForARevisionTheCacheHas() async throws {
        try await withSQLiteStore { store, _ in
            let informer = Informer(store: store, logger: quietLogger, clock: clock)
            #expect(await informer.waitForRevision(0, limit: .seconds(5)))
            #expect(clock.sleeperCount == 0)
        }
    }

    /// An informer running over `store`, past its first list, and a `waitForRevision(target)`
    /// with a 10 s limit already waiting on its timer.
    func waiter(over store: SQLiteStore, for target: Int64) async -> (RunningInformer, answer: Task<Bool, Never>) {
        var run = RunningInformer(store: store, clock: clock)
        _ = await run.next()
        let informer = run.informer
        let answer = Task { await informer.waitForRevision(target, limit: .seconds(10)) }
        await clock.waitForSleepers(1)
        return (run, answer)
    }

    @Test func waitForRevisionIsTrueWhenTheWriteArrivesBeforeTheLimitAndStopsItsTimer() async throws {
        try await withSQLiteStore { store, _ in
            let (run, answer) = await waiter(over: store, for: 1)
            _ = try await store.create(makePV("pv-1", 1))
            #expect(await answer.value == true)
            #expect(clock.sleeperCount == 0)
            await run.stop()
        }
    }

    @Test func waitForRevisionIsFalseOnceTheInformerStops() async throws {
        try await withSQLiteStore { store, _ in
            let (run, answer) = await waiter(over: store, for: 100)
            await run.stop()
            #expect(await answer.value == false)
        }
    }

    @Test func aFailedWatchListsAgainOnlyAfterTheRetryDelay() async throws {
        try await withSQLiteStore { base, _ in
            let store = FailingStore(over: base)
            store.failWatches([StoreError(.unavailable, "connection refused")])
            var run = RunningInformer(store: store, clock: clock, retryDelay: .seconds(1))
            #expect(await run.next()?.key == Informer.resyncKey)
            await clock.waitForSleepers(1)
            _ = try await base.create(makePV("pv-1", 1))
            clock.advance(by: .milliseconds(999))
            // Still waiting out the delay: no second list, no second watch.
            #expect(clock.sleeperCount == 1)
            #expect(store.watchesStarted == 1)
            clock.advance(by: .milliseconds(1))
            let relist = await run.next()
            #expect(relist?.key == Informer.resyncKey)
            #expect(relist?.revision == 1)
            // From then on it watches again.
            _ = try await base.create(makePV("pv-2", 1))
            #expect(await run.next()?.key == "PersistentVolume/pv-2")
            #expect(store.watchesStarted == 2)
            await run.stop()
        }
    }

    @Test func aFailedListIsTriedAgainAfterTheDelayAndOnlyThenSyncs() async throws {
        try await withSQLiteStore { base, _ in
            let store = FailingStore(over: base)
            store.failLists(2)
            var run = RunningInformer(store: store, clock: clock, retryDelay: .milliseconds(500))
            let informer = run.informer
            let synced = Task { await informer.waitUntilSynced() }
            for _ in 0..<2 {
                await clock.waitForSleepers(1)
                #expect(await informer.hasSynced == false)
                clock.advance(by: .milliseconds(500))
            }
            await synced.value
            #expect(await informer.hasSynced)
            #expect(await run.next()?.key == Informer.resyncKey)
            await run.stop()
        }
    }

    @Test func aWatchBehindCompactionListsAgainAtOnce() async throws {
        try await withSQLiteStore { base, _ in
            let store = FailingStore(over: base)
            store.failWatches([StoreError(.compacted, "revision 0 has been compacted")])
            var run = RunningInformer(store: store, clock: clock)
            let resyncs = await run.next(2)
            #expect(resyncs.map(\.key) == [Informer.resyncKey, Informer.resyncKey])
            // The clock never moved: there was no delay to wait out.
            #expect(clock.now == ManualClock.Instant(offset: .zero))
            await run.stop()
        }
    }

    @Test func waitUntilSyncedReturnsWhenCancelled() async throws {
        try await withSQLiteStore { store, _ in
            let informer = Informer(store: store, logger: quietLogger, clock: clock)
            let waiter = Task { await informer.waitUntilSynced() }
            waiter.cancel()
            await waiter.value
            #expect(await informer.hasSynced == false)
        }
    }
}
