import PVDModel

/// What the runtime loop knows of one container of one Pod: the status it reports, whether a
/// run is under way (started by this pvd, or adopted from the one before it), when a back-off
/// ends, and whether it is finished for good.
struct ContainerRecord: Sendable {
    var isInit: Bool
    var status: ContainerStatus
    /// A run is under way: its exit is still to be seen.
    var running = false
    /// Started by an earlier pvd: its exit is read from the exit file, not awaited.
    var adopted = false
    /// Set after a failed or finished run that restarts: not started again before this.
    var restartAt: ContinuousClock.Instant?
    /// Terminated and will not run again (or the Pod is stopping).
    var finished = false
    /// Has run at least once (the next start is a restart).
    var hasRun = false
    /// TERM was delivered to this run.
    var termSent = false

    init(name: String, isInit: Bool) {
        self.isInit = isInit
        self.status = ContainerStatus(name: name)
        self.status.state = ContainerState(waiting: ContainerStateWaiting(reason: "ContainerCreating"))
    }

    var succeeded: Bool { finished && status.state?.terminated?.exitCode == 0 }
}

/// One Pod the runtime runs.
struct PodRecord: Sendable {
    var uid: String
    var namespace: String
    var name: String
    var initNames: [String]
    var appNames: [String]
    var restartPolicy: String?
    var containers: [String: ContainerRecord] = [:]
    var startTime: Time?
    /// When deletion began: TERM sent at `since`, KILL after `deadline`.
    var stopDeadline: ContinuousClock.Instant?
    /// The last pass found a volume not published yet.
    var waitingForVolumes = false
    /// Warnings already recorded once (ErrImageNeverPull, …): not repeated every pass.
    var announced: Set<String> = []

    var key: String { "\(namespace)/\(name)" }
    var anyRunning: Bool { containers.values.contains { $0.running } }

    /// From the Pod, and its stored status: a pvd that restarts keeps restart counts and
    /// knows which containers are done.
    init(pod: Pod, uid: String) {
        self.uid = uid
        namespace = pod.metadata.namespace ?? "default"
        name = pod.metadata.name
        initNames = (pod.spec.initContainers ?? []).map(\.name)
        appNames = (pod.spec.containers ?? []).map(\.name)
        startTime = pod.status?.startTime
        restartPolicy = pod.spec.restartPolicy
        let stored = (pod.status?.initContainerStatuses ?? []) + (pod.status?.containerStatuses ?? [])
        for (names, isInit) in [(initNames, true), (appNames, false)] {
            for n in names {
                var c = ContainerRecord(name: n, isInit: isInit)
                if let s = stored.first(where: { $0.name == n }) {
                    c.status = s
                    c.hasRun = s.state?.terminated != nil || s.state?.running != nil || s.restartCount > 0 || s.lastState != nil
                    if let t = s.state?.terminated {
                        let again = isInit ? RestartRules.restartsInit(policy: pod.spec.restartPolicy, exitCode: t.exitCode)
                            : RestartRules.restarts(policy: pod.spec.restartPolicy, exitCode: t.exitCode)
                        c.finished = !again
                    }
                }
                containers[n] = c
            }
        }
    }
}
