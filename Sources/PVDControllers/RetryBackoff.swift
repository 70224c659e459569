/// How long a key that failed waits before it is tried again: `base` doubled for every failure
/// in a row, never more than `cap`, as client-go's per-item exponential rate limiter.
public struct RetryBackoff: Sendable, Equatable {
    public var base: Duration
    public var cap: Duration

    public init(base: Duration = .milliseconds(5), cap: Duration = .seconds(300)) {
        self.base = base
        self.cap = max(base, cap)
    }

    /// The delay before the next try of a key that has failed `failures` times before this one
    /// (0 for its first failure).
    public func delay(afterFailures failures: Int) -> Duration {
        // 2^failures overflows long before it matters: past 40 doublings any base is over the cap.
        let doublings = max(0, min(failures, 40))
        let scaled = base * Double(1 << doublings)
        return min(scaled, cap)
    }
}
