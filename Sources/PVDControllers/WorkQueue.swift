/// The queue a controller works from, with the guarantees of client-go's rate-limited work
/// queue:
///
/// - **Deduplicating**: a key added while it waits is there once.
/// - **Per-key serialisation**: a key handed out by `next` is not handed out again until `done`;
///   a key added meanwhile is queued again at `done`, so it is processed again after, never
///   concurrently.
/// - **Backoff**: `retry` re-adds a key after `RetryBackoff`'s delay for its failures in a row;
///   `forget` clears the count once it succeeds.
///
/// Delays are measured on the clock given at `init` (the continuous clock unless a test hands
/// in one it moves by hand).
public actor WorkQueue<Key: Hashable & Sendable> {
    private var queue: [Key] = []
    private var head = 0
    /// Keys that need processing: queued, or added again while being processed.
    private var dirty: Set<Key> = []
    private var processing: Set<Key> = []
    private var failures: [Key: Int] = [:]
    /// Keys waiting out a backoff, with when they are due (on `clock`'s scale).
    private var delayed: [Key: (due: Duration, task: Task<Void, Never>)] = [:]
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var shuttingDown = false
    private let backoff: RetryBackoff
    private let clock: ElapsedClock

    /// Keys added in total (duplicates included) and retries scheduled in total.
    public private(set) var addCount = 0
    public private(set) var retryCount = 0

    /// A queue retrying with `backoff`, its delays measured on `clock`.
    public init(backoff: RetryBackoff = RetryBackoff(), clock: any Clock<Duration> = ContinuousClock()) {
        self.backoff = backoff
        self.clock = ElapsedClock(clock)
    }

    /// Keys waiting to be handed out (not those in hand, nor those waiting out a backoff).
    public var depth: Int { queue.count - head }

    /// Keys waiting out a backoff.
    public var delayedCount: Int { delayed.count }

    /// Failures in a row recorded for a key.
    public func failureCount(_ key: Key) -> Int { failures[key] ?? 0 }

    public var isShuttingDown: Bool { shuttingDown }

    /// Queues a key unless it is already waiting; a key in hand is queued again when it is done.
    public func add(_ key: Key) {
        guard !shuttingDown else { return }
        addCount += 1
        guard dirty.insert(key).inserted else { return }
        if processing.contains(key) { return }
        queue.append(key)
        wakeOne()
    }

    /// Queues a key again after its backoff delay and counts the failure.
    public func retry(_ key: Key) {
        guard !shuttingDown else { return }
        let n = failures[key] ?? 0
        failures[key] = n + 1
        retryCount += 1
        add(key, after: backoff.delay(afterFailures: n))
    }

    /// Queues a key once `delay` has passed; an earlier pending delayed add of it wins.
    public func add(_ key: Key, after delay: Duration) {
        guard !shuttingDown else { return }
        if delay <= .zero { return add(key) }
        let due = clock.now() + delay
        if let pending = delayed[key] {
            if pending.due <= due { return }
            pending.task.cancel()
        }
        // The due time is fixed here, not when the task first runs, so a delay is measured from
        // the add however late the task gets going.
        let sleepUntil = clock.sleepUntil
        let task = Task { [weak self] in
            do { try await sleepUntil(due) } catch { return }
            await self?.fire(key, due: due)
        }
        delayed[key] = (due, task)
    }

    private func fire(_ key: Key, due: Duration) {
        guard let pending = delayed[key], pending.due == due else { return }
        delayed[key] = nil
        add(key)
    }

    /// Clears a key's failures: its next failure waits the shortest delay again.
    public func forget(_ key: Key) {
        failures[key] = nil
    }

    /// The next key, marked in hand until `done`; nil once the queue is shut down.
    public func next() async -> Key? {
        await waitForWork()
        guard !shuttingDown, head < queue.count else { return nil }
        return take()
    }

    /// Every key waiting now (at least one), all marked in hand until `done`; nil once the queue
    /// is shut down. A controller that decides over a whole snapshot takes them in one go.
    public func nextBatch() async -> [Key]? {
        await waitForWork()
        guard !shuttingDown, head < queue.count else { return nil }
        var keys: [Key] = []
        while head < queue.count { keys.append(take()) }
        return keys
    }

    /// Marks a key no longer in hand; if it was added meanwhile it is queued again.
    public func done(_ key: Key) {
        guard processing.remove(key) != nil else { return }
        if dirty.contains(key), !shuttingDown {
            queue.append(key)
            wakeOne()
        }
    }

    /// Stops handing out keys: `next` returns nil, pending backoffs are dropped. A key already
    /// in hand is finished by its holder.
    public func shutDown() {
        shuttingDown = true
        for (_, pending) in delayed { pending.task.cancel() }
        delayed = [:]
        let w = waiters
        waiters = []
        for c in w { c.resume() }
    }

    private func waitForWork() async {
        while head >= queue.count && !shuttingDown {
            await withCheckedContinuation { waiters.append($0) }
        }
    }

    private func take() -> Key {
        let key = queue[head]
        head += 1
        // Drop the consumed prefix once it dominates, so the array does not grow forever.
        if head > 64 && head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
        dirty.remove(key)
        processing.insert(key)
        return key
    }

    private func wakeOne() {
        if !waiters.isEmpty { waiters.removeFirst().resume() }
    }
}
