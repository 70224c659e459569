import Testing
@testable import PVDControllers

/// The work queue's delays on a clock the tests move by hand: a delayed key is checked to be
/// absent just before its due time and present at it, with no real waiting.
@Suite(.timeLimit(.minutes(1)))
struct WorkQueueBackoffTests {
    let clock = ManualClock()

    /// 5 ms doubling, capped at 40 ms.
    func makeQueue() -> WorkQueue<String> {
        WorkQueue(backoff: RetryBackoff(base: .milliseconds(5), cap: .milliseconds(40)), clock: clock)
    }

    /// Takes `key`, fails it (retry while in hand, as the controller loop does) and hands it back.
    func fail(_ key: String, on q: WorkQueue<String>) async {
        #expect(await q.next() == key)
        await q.retry(key)
        await q.done(key)
    }

    /// Moves the clock to just before `delay` has passed (the key still away) and then to it
    /// (the key back), from a queue with nothing else waiting or delayed.
    func expectBack(_ key: String, after delay: Duration, on q: WorkQueue<String>, sourceLocation: SourceLocation = #_sourceLocation) async {
        await clock.waitForSleepers(1)
        clock.advance(by: delay - .milliseconds(1))
        // Its sleep is still waiting, so its add cannot be on its way either.
        #expect(clock.sleeperCount == 1, "woken before its delay", sourceLocation: sourceLocation)
        #expect(await q.depth == 0, sourceLocation: sourceLocation)
        #expect(await q.delayedCount == 1, sourceLocation: sourceLocation)
        clock.advance(by: .milliseconds(1))
        // The delayed add lands from its own task once the clock wakes it: `next` waits for it.
        #expect(await q.next() == key, sourceLocation: sourceLocation)
        #expect(await q.delayedCount == 0, sourceLocation: sourceLocation)
    }

    @Test func aRetriedKeyComesBackOnlyAfterItsDelayWhichDoublesUpToTheCap() async {
        let q = makeQueue()
        await q.add("a")
        #expect(await q.next() == "a")
        for (failures, delay) in [(1, 5), (2, 10), (3, 20), (4, 40), (5, 40)] {
            await q.retry("a")
            await q.done("a")
            #expect(await q.failureCount("a") == failures)
            await expectBack("a", after: .milliseconds(delay), on: q)
        }
        #expect(await q.retryCount == 5)
    }

    @Test func forgetStartsTheNextFailureAtTheShortestDelay() async {
        let q = makeQueue()
        await q.add("a")
        await fail("a", on: q)
        await expectBack("a", after: .milliseconds(5), on: q)
        await q.retry("a")
        await q.done("a")
        await expectBack("a", after: .milliseconds(10), on: q)
        await q.forget("a")
        #expect(await q.failureCount("a") == 0)
        await q.retry("a")
        await q.done("a")
        await expectBack("a", after: .milliseconds(5), on: q)
    }

    @Test func anAddDuringBackoffQueuesAtOnceAndTheDelayedAddStillComes() async {
        let q = makeQueue()
        await q.add("a")
        await fail("a", on: q)
        // The object changed meanwhile: it is worth trying now, not after the backoff.
        await q.add("a")
        #expect(await q.depth == 1)
        #expect(await q.next() == "a")
        await q.done("a")
        // As client-go's AddAfter, the pending retry is not withdrawn by the add.
        await expectBack("a", after: .milliseconds(5), on: q)
    }

    @Test func aRetryDueWhileTheKeyIsInHandWaitsForDone() async {
        let q = makeQueue()
        await q.add("a")
        #expect(await q.next() == "a")
        await q.retry("a")
        clock.advance(by: .milliseconds(5))
        // Due while still in hand: queued only once its holder is done, never handed out twice.
        while await q.delayedCount > 0 { await Task.yield() }
        #expect(await q.depth == 0)
        await q.done("a")
        #expect(await q.next() == "a")
    }

    @Test func anEarlierDelayReplacesALaterOneAndALaterOneLoses() async {
        let q = makeQueue()
        await q.add("a", after: .milliseconds(30))
        await q.add("a", after: .milliseconds(50))
        await q.add("a", after: .milliseconds(10))
        #expect(await q.delayedCount == 1)
        await expectBack("a", after: .milliseconds(10), on: q)
        await q.done("a")
        // The replaced 30 ms add was cancelled: nothing comes at 30 ms.
        clock.advance(by: .milliseconds(40))
        #expect(await q.delayedCount == 0)
        #expect(await q.depth == 0)
    }

    @Test func aZeroDelayAddsAtOnce() async {
        let q = makeQueue()
        await q.add("a", after: .zero)
        #expect(await q.depth == 1)
        #expect(await q.delayedCount == 0)
    }

    @Test func aBatchHoldsWhatWaitsNowAndNotWhatIsStillDelayed() async {
        let q = makeQueue()
        await q.add("a")
        await fail("a", on: q)
        await q.add("b", after: .milliseconds(20))
        await q.add("c")
        await q.add("d")
        #expect(await q.nextBatch() == ["c", "d"])
        for k in ["c", "d"] { await q.done(k) }
        clock.advance(by: .milliseconds(5))
        #expect(await q.nextBatch() == ["a"])
        await q.done("a")
        clock.advance(by: .milliseconds(15))
        #expect(await q.nextBatch() == ["b"])
    }

    @Test func shutDownDropsPendingBackoffsAndEndsABlockedBatch() async {
        let q = makeQueue()
        await q.add("a")
        await fail("a", on: q)
        await q.add("b", after: .seconds(1))
        #expect(await q.delayedCount == 2)
        async let batch = q.nextBatch()
        await q.shutDown()
        #expect(await batch == nil)
        #expect(await q.delayedCount == 0)
        #expect(await q.isShuttingDown)
        // Their due times pass: nothing comes back, and no retry is taken any more.
        clock.advance(by: .seconds(2))
        await q.retry("a")
        #expect(await q.delayedCount == 0)
        #expect(await q.depth == 0)
        #expect(await q.next() == nil)
    }
}
