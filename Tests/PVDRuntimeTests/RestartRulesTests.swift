import PVDModel
import PVDRuntime
import Testing

/// The kubelet's restart policy, back-off and termination reasons.
struct RestartRulesTests {
    @Test(arguments: [(1, 10), (2, 20), (3, 40), (4, 80), (5, 160), (6, 300), (7, 300), (100, 300)])
    func backoffDoublesToFiveMinutes(restarts: Int, seconds: Int64) {
        #expect(RestartRules.backoff(restarts: restarts) == .seconds(seconds))
    }

    @Test(arguments: [
        ("Never", 0, false), ("Never", 1, false), ("OnFailure", 0, false), ("OnFailure", 7, true),
        ("Always", 0, true), ("Always", 1, true), (nil, 0, true),
    ] as [(String?, Int32, Bool)])
    func restarts(policy: String?, exitCode: Int32, expected: Bool) {
        #expect(RestartRules.restarts(policy: policy, exitCode: exitCode) == expected)
    }

    @Test(arguments: [(0, false, "Completed"), (1, false, "Error"), (137, true, "OOMKilled"), (137, false, "Error")] as [(Int32, Bool, String)])
    func reasons(exitCode: Int32, oom: Bool, expected: String) {
        #expect(RestartRules.reason(exitCode: exitCode, oomKilled: oom) == expected)
    }

    static func status(_ state: ContainerState, restarts: Int32 = 0) -> ContainerStatus {
        var s = ContainerStatus(name: "c", restartCount: restarts)
        s.state = state
        return s
    }

    @Test func phases() {
        let running = Self.status(ContainerState(running: ContainerStateRunning()))
        let ok = Self.status(ContainerState(terminated: ContainerStateTerminated(exitCode: 0)))
        let bad = Self.status(ContainerState(terminated: ContainerStateTerminated(exitCode: 7)))
        let creating = Self.status(ContainerState(waiting: ContainerStateWaiting(reason: "ContainerCreating")))
        #expect(PodPhaseRules.phase(initDone: true, initFailed: false, containers: [(running, true)]) == PodPhase.running)
        #expect(PodPhaseRules.phase(initDone: true, initFailed: false, containers: [(ok, false)]) == PodPhase.succeeded)
        #expect(PodPhaseRules.phase(initDone: true, initFailed: false, containers: [(ok, false), (bad, false)]) == PodPhase.failed)
        #expect(PodPhaseRules.phase(initDone: true, initFailed: false, containers: [(creating, true)]) == PodPhase.pending)
        #expect(PodPhaseRules.phase(initDone: false, initFailed: false, containers: [(creating, true)]) == PodPhase.pending)
        #expect(PodPhaseRules.phase(initDone: false, initFailed: true, containers: [(creating, true)]) == PodPhase.failed)
        // Waiting out a back-off after a failed run is still Running, as kubectl shows CrashLoopBackOff pods.
        #expect(PodPhaseRules.phase(initDone: true, initFailed: false, containers: [(Self.status(ContainerState(waiting: ContainerStateWaiting(reason: "CrashLoopBackOff")), restarts: 1), true)]) == PodPhase.running)
    }

    @Test(arguments: [
        ("0123456789abcdef0123456789abcdef0123-app", "0123456789abcdef0123456789abcdef0123", "app"),
        ("0123456789abcdef0123456789abcdef0123-a-b", "0123456789abcdef0123456789abcdef0123", "a-b"),
    ])
    func containerIDsNameTheirOwner(id: String, uid: String, name: String) {
        #expect(RuntimeLayout.containerID(podUID: uid, container: name) == id)
        #expect(RuntimeLayout.owner(of: id)?.uid == uid)
        #expect(RuntimeLayout.owner(of: id)?.container == name)
    }

    @Test func foreignIDsHaveNoOwner() {
        #expect(RuntimeLayout.owner(of: "mycontainer") == nil)
        #expect(RuntimeLayout.owner(of: String(repeating: "x", count: 40)) == nil)
    }
}
