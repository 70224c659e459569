import PVDModel

/// The Pod phase the kubelet reports from its containers' states, pure.
public enum PodPhaseRules {
    /// - Parameters:
    ///   - initDone: every init container has succeeded.
    ///   - initFailed: an init container failed and will not run again.
    ///   - containers: each app container's status, and whether it will run again.
    public static func phase(initDone: Bool, initFailed: Bool, containers: [(status: ContainerStatus, willRestart: Bool)]) -> String {
        if initFailed { return PodPhase.failed }
        guard initDone, !containers.isEmpty else { return PodPhase.pending }
        if containers.contains(where: { $0.status.state?.running != nil || $0.willRestart }) {
            // Kubernetes says Running once a container has started; a Pod whose containers
            // still wait to be created is Pending.
            let started = containers.contains { $0.status.state?.running != nil || $0.status.state?.terminated != nil || $0.status.restartCount > 0 || $0.status.lastState != nil }
            return started ? PodPhase.running : PodPhase.pending
        }
        let terminated = containers.compactMap { $0.status.state?.terminated }
        guard terminated.count == containers.count else { return PodPhase.pending }
        return terminated.allSatisfy { $0.exitCode == 0 } ? PodPhase.succeeded : PodPhase.failed
    }
}
