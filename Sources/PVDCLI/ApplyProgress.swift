#if canImport(Glibc)
import Glibc
#endif

/// What a long `pvd apply` says on stderr while it works, one line per step with the time it
/// took: only for a terminal, and only from `threshold` objects on, so scripts and small
/// applies see nothing new.
struct ApplyProgress {
    static let threshold = 10_000

    private let shown: Bool
    private var started: ContinuousClock.Instant

    /// `since`: when the first step (reading the manifests) began.
    init(objects: Int, since: ContinuousClock.Instant, interactive: Bool = isatty(STDERR_FILENO) == 1) {
        shown = interactive && objects >= Self.threshold
        started = since
    }

    /// Ends the current step: "pvd apply: <what> (1.2 s)", and starts timing the next.
    mutating func step(_ what: String) {
        guard shown else { return }
        let now = ContinuousClock.now
        let took = (now - started).components
        let ms = took.seconds * 1000 + took.attoseconds / 1_000_000_000_000_000
        printError("pvd apply: \(what) (\(ms / 1000).\(ms % 1000 / 100) s)")
        started = now
    }

    /// Says what starts now and may take a while.
    func starting(_ what: String) {
        if shown { printError("pvd apply: \(what)…") }
    }
}
