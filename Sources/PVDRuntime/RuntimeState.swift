import PVDModel

#if canImport(Glibc)
import Glibc
#endif

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

    /// Containers whose run ended and whose pieces are still to be removed.
    var pendingTeardown: [String] = []
    /// Events to write with the next status write (one commit, not one write each).
    var pendingEvents: [Event] = []

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

extension PodRecord {
    /// Records an Event on the Pod, from the `kubelet` component as Kubernetes' are; written with
    /// the next status write.
    mutating func record(_ type: EventType, _ reason: String, _ message: String) {
        var ref = ObjectReference()
        ref.kind = "Pod"
        ref.apiVersion = "v1"
        ref.namespace = namespace
        ref.name = name
        ref.uid = uid
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let suffix = String(UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec) &+ UInt64(pendingEvents.count), radix: 16)
        pendingEvents.append(Event(
            name: "\(name).\(suffix)", namespace: namespace, involvedObject: ref, type: type, reason: reason, message: message,
            at: Time.now(), component: "kubelet"))
    }
}
