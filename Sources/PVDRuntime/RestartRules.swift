/// The kubelet's restart rules, pure: whether an exited container runs again under a Pod's
/// restartPolicy, and the back-off before it does (10 s, doubling, at most 5 minutes).
public enum RestartRules {
    public static let initialBackoff: Duration = .seconds(10)
    public static let maximumBackoff: Duration = .seconds(300)

    /// `Always` (the default, also for an unknown value), `OnFailure`, `Never`.
    public static func restarts(policy: String?, exitCode: Int32) -> Bool {
        switch policy {
        case "Never": false
        case "OnFailure": exitCode != 0
        default: true
        }
    }

    /// An init container that failed runs again unless the policy is Never (Always and
    /// OnFailure both restart init containers on failure).
    public static func restartsInit(policy: String?, exitCode: Int32) -> Bool {
        exitCode != 0 && policy != "Never"
    }

    /// The wait before restart number `restarts` (1 for the first restart).
    public static func backoff(restarts: Int) -> Duration {
        guard restarts > 1 else { return initialBackoff }
        var d = initialBackoff
        for _ in 1..<min(restarts, 16) {
            d *= 2
            if d >= maximumBackoff { return maximumBackoff }
        }
        return min(d, maximumBackoff)
    }

    /// The reason a terminated container reports: OOMKilled, Completed (0) or Error.
    public static func reason(exitCode: Int32, oomKilled: Bool) -> String {
        if oomKilled { return "OOMKilled" }
        return exitCode == 0 ? "Completed" : "Error"
    }
}
