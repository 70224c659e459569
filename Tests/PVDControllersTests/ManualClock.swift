import Synchronization

/// A clock that moves only when a test advances it, so back-off and time limits are tested
/// without waiting for them: a `sleep` returns once `advance` has carried `now` to its deadline
/// (at once if it is there already), or throws `CancellationError` when its task is cancelled.
///
/// All state sits behind one `Mutex`, which is what makes the class `Sendable`.
final class ManualClock: Clock, Sendable {
    /// A point on the clock: how far it has been advanced since it was made.
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
    }

    private struct Sleeper {
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [Int: Sleeper] = [:]
        var nextID = 0
        /// Tests waiting for so many sleepers to be asleep.
        var sleeperWaiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    var now: Instant { state.withLock { $0.now } }
    var minimumResolution: Duration { .zero }

    /// How many sleeps are waiting for the clock to move.
    var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = state.withLock { s in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                // Decided under the lock: the cancellation handler takes it too, so a sleeper
                // is either seen cancelled here or found and resumed by the handler, never lost.
                let (outcome, ready) = state.withLock { s -> (Result<Void, any Error>?, [CheckedContinuation<Void, Never>]) in
                    if Task.isCancelled { return (.failure(CancellationError()), []) }
                    if deadline <= s.now { return (.success(()), []) }
                    s.sleepers[id] = Sleeper(deadline: deadline, continuation: c)
                    return (nil, Self.takeSatisfiedWaiters(&s))
                }
                for w in ready { w.resume() }
                if let outcome { c.resume(with: outcome) }
            }
        } onCancel: {
            state.withLock { $0.sleepers.removeValue(forKey: id) }?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock on and wakes every sleep whose deadline it reaches.
    func advance(by duration: Duration) {
        let due = state.withLock { s -> [CheckedContinuation<Void, any Error>] in
            s.now = s.now.advanced(by: duration)
            let now = s.now
            let ids = s.sleepers.filter { $0.value.deadline <= now }.keys
            return ids.compactMap { s.sleepers.removeValue(forKey: $0)?.continuation }
        }
        for c in due { c.resume() }
    }

    /// Returns once at least `count` sleeps are waiting, so a test advances the clock only after
    /// the code under test has started the wait it means to cut short.
    func waitForSleepers(_ count: Int) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { s -> Bool in
                if s.sleepers.count >= count { return true }
                s.sleeperWaiters.append((count, c))
                return false
            }
            if ready { c.resume() }
        }
    }

    private static func takeSatisfiedWaiters(_ s: inout State) -> [CheckedContinuation<Void, Never>] {
        let count = s.sleepers.count
        let ready = s.sleeperWaiters.filter { $0.count <= count }.map(\.continuation)
        s.sleeperWaiters.removeAll { $0.count <= count }
        return ready
    }
}
