import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock timing and peak memory for benchmarks.
enum Measure {
    /// Seconds `body` took on the monotonic clock.
    static func seconds<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
        let clock = ContinuousClock()
        let start = clock.now
        let value = try await body()
        return (value, seconds(clock.now - start))
    }

    /// A duration in seconds.
    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// Seconds `body` took on the monotonic clock, and the CPU seconds (user + system, all
    /// threads) the process spent meanwhile: on a shared machine the wall time says more about
    /// the neighbours than about the code, the CPU time much less so.
    static func timed<T>(_ body: () async throws -> T) async rethrows -> (T, wall: Double, cpu: Double) {
        let cpuBefore = cpuSeconds()
        let (value, wall) = try await seconds(body)
        return (value, wall, cpuSeconds() - cpuBefore)
    }

    /// User plus system CPU seconds of the whole process so far (getrusage).
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return s(usage.ru_utime) + s(usage.ru_stime)
    }

    /// The process's peak resident set size in MiB (getrusage ru_maxrss, KiB on Linux).
    static func peakRSSMiB() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// The 99th percentile (nearest rank); 0 for no samples.
    static func p99(_ xs: [Double]) -> Double {
        guard !xs.isEmpty else { return 0 }
        let s = xs.sorted()
        return s[min(s.count - 1, Int((Double(s.count) * 0.99).rounded(.up)) - 1)]
    }

    static func median(_ xs: [Double]) -> Double {
        guard !xs.isEmpty else { return 0 }
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}

/// Writes a benchmark's results as JSON under `bench-results/` (or a path given).
enum ResultFile {
    static func write(_ object: [String: Any], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: url)
    }
}
