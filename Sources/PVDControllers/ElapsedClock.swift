/// A `Clock<Duration>` of any type, reduced to what the work queue and the informer ask of one:
/// how much time has passed since it was taken, and a sleep until a point on that scale.
///
/// Both take `any Clock<Duration>` so a test can hand them a clock it moves by hand, while every
/// holder keeps naming them `WorkQueue<String>` and `Informer`; generic clock parameters would
/// change those types for every holder. An existential clock cannot be asked for its time
/// directly (its `Instant` type is erased), so it is opened once, here, and kept in two closures.
struct ElapsedClock: Sendable {
    /// Time since the clock was taken.
    let now: @Sendable () -> Duration
    /// Sleeps until `now()` reaches the deadline; throws `CancellationError` when cancelled first.
    let sleepUntil: @Sendable (_ deadline: Duration) async throws -> Void

    init(_ clock: some Clock<Duration>) {
        let origin = clock.now
        now = { origin.duration(to: clock.now) }
        sleepUntil = { deadline in try await clock.sleep(until: origin.advanced(by: deadline), tolerance: nil) }
    }

    /// Sleeps for `duration` from now.
    func sleep(for duration: Duration) async throws {
        try await sleepUntil(now() + duration)
    }
}
