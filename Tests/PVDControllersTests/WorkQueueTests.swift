import Testing
@testable import PVDControllers

struct WorkQueueTests {
    @Test func aKeyAddedTwiceWhileWaitingIsHandedOutOnce() async {
        let q = WorkQueue<String>()
        await q.add("a")
        await q.add("b")
        await q.add("a")
        #expect(await q.depth == 2)
        #expect(await q.next() == "a")
        #expect(await q.next() == "b")
        #expect(await q.depth == 0)
        #expect(await q.addCount == 3)
    }

    @Test func aKeyInHandIsNotHandedOutAgainUntilDone() async {
        let q = WorkQueue<String>()
        await q.add("a")
        #expect(await q.next() == "a")
        // Changed again while being processed: waits for done, then comes back once.
        await q.add("a")
        await q.add("a")
        await q.add("b")
        #expect(await q.depth == 1)
        #expect(await q.next() == "b")
        #expect(await q.depth == 0)
        await q.done("a")
        #expect(await q.depth == 1)
        #expect(await q.next() == "a")
        await q.done("a")
        await q.done("b")
        #expect(await q.depth == 0)
    }

    @Test func aKeyNotAddedAgainDoesNotComeBackAfterDone() async {
        let q = WorkQueue<String>()
        await q.add("a")
        _ = await q.next()
        await q.done("a")
        #expect(await q.depth == 0)
    }

    @Test func aBatchTakesEveryWaitingKey() async {
        let q = WorkQueue<String>()
        for k in ["c", "a", "b", "a"] { await q.add(k) }
        #expect(await q.nextBatch() == ["c", "a", "b"])
        await q.add("a")
        #expect(await q.depth == 0)
        for k in ["c", "a", "b"] { await q.done(k) }
        #expect(await q.nextBatch() == ["a"])
    }

    @Test func aWaitingConsumerGetsTheNextKey() async {
        let q = WorkQueue<String>()
        async let taken = q.next()
        await q.add("x")
        #expect(await taken == "x")
    }

    @Test func shutDownEndsWaitingConsumersAndRefusesNewKeys() async {
        let q = WorkQueue<String>()
        async let taken = q.next()
        await q.shutDown()
        #expect(await taken == nil)
        await q.add("a")
        #expect(await q.depth == 0)
        #expect(await q.next() == nil)
    }

    @Test func retryCountsFailuresAndBringsTheKeyBack() async {
        let q = WorkQueue<String>(backoff: RetryBackoff(base: .milliseconds(1), cap: .milliseconds(4)))
        await q.retry("a")
        await q.retry("a")
        #expect(await q.failureCount("a") == 2)
        #expect(await q.retryCount == 2)
        // The second retry's later due time loses to the first's: one delayed add.
        #expect(await q.delayedCount == 1)
        #expect(await q.next() == "a")
        await q.done("a")
        await q.forget("a")
        #expect(await q.failureCount("a") == 0)
    }

    @Test(arguments: [
        (0, 5), (1, 10), (2, 20), (3, 40), (10, 5120), (16, 300_000), (40, 300_000), (1000, 300_000),
    ])
    func backoffDoublesUpToTheCap(failures: Int, milliseconds: Int64) {
        let b = RetryBackoff(base: .milliseconds(5), cap: .seconds(300))
        #expect(b.delay(afterFailures: failures) == .milliseconds(milliseconds))
    }

    @Test func aCapBelowTheBaseIsRaisedToIt() {
        #expect(RetryBackoff(base: .seconds(2), cap: .seconds(1)).delay(afterFailures: 3) == .seconds(2))
    }
}
