import PVDModel

/// A Pod's READY, STATUS and RESTARTS as kubectl's printer computes them: STATUS is the phase,
/// replaced by a container's waiting or terminated reason (init containers as `Init:…`), or
/// `Terminating` while the Pod is being deleted.
public struct PodSummary: Equatable, Sendable {
    public var ready = 0
    public var total = 0
    public var status: String
    public var restarts: Int32 = 0

    public init(_ pod: Pod) {
        total = pod.spec.containers?.count ?? 0
        var reason = pod.status?.reason ?? pod.status?.phase ?? "Pending"
        let inits = pod.status?.initContainerStatuses ?? []
        var initializing = false
        for (i, c) in inits.enumerated() {
            restarts += c.restartCount
            if let t = c.state?.terminated, t.exitCode == 0 { continue }
            initializing = true
            if let t = c.state?.terminated {
                reason = "Init:" + (t.reason ?? "ExitCode:\(t.exitCode)")
            } else if let w = c.state?.waiting?.reason, !w.isEmpty, w != "PodInitializing" {
                reason = "Init:\(w)"
            } else {
                reason = "Init:\(i)/\(pod.spec.initContainers?.count ?? inits.count)"
            }
            break
        }
        if !initializing {
            for c in (pod.status?.containerStatuses ?? []).reversed() {
                restarts += c.restartCount
                if let w = c.state?.waiting?.reason, !w.isEmpty {
                    reason = w
                } else if let t = c.state?.terminated {
                    reason = t.reason ?? (t.signal.map { "Signal:\($0)" } ?? "ExitCode:\(t.exitCode)")
                } else if c.state?.running != nil && c.ready {
                    ready += 1
                }
            }
            if reason == "Completed", ready > 0 { reason = "Running" }
        }
        if pod.metadata.deletionTimestamp != nil { reason = "Terminating" }
        status = reason
    }
}
