import Logging
import PVDModel
import PVDStore

/// The node's pod runtime (`pvd serve --runtime runc`), a node-side controller as the kubelet
/// is: it runs the containers of this node's Pods through runc once their volumes are
/// published, reports their states and the Pod's phase in `status` (compare-and-swap writes),
/// restarts them as the restartPolicy says, and on deletion stops them (TERM, the grace
/// period, KILL) before it lets the Pod go, so a volume is never unpublished under a running
/// container. A Pod that names no node is bound to this one when this is the store's only node.
///
/// One loop owns all state (`run`); the tasks that wait for containers only post their exits
/// to its mailbox, and `poke` (from the informer) wakes it.
public final class PodRuntime: Sendable {
    let store: any ObjectStore
    let nodeName: String
    let launcher: ContainerLauncher
    let images: ImageStore
    let logger: Logger
    let mailbox = RuntimeMailbox()
    /// How long the loop sleeps when nothing wakes it: back-offs and adopted containers' exit
    /// files are looked at this often.
    let tick: Duration

    public init(store: any ObjectStore, nodeName: String, root: String, runc: String = "runc", logger: Logger, tick: Duration = .seconds(1)) {
        self.store = store
        self.nodeName = nodeName
        let layout = RuntimeLayout(root: root)
        launcher = ContainerLauncher(layout: layout, runc: Runc(stateDirectory: layout.runcState, binary: runc))
        images = ImageStore(root: root)
        self.logger = logger
        self.tick = tick
    }

    var layout: RuntimeLayout { launcher.layout }

    /// Something in the store changed: look again.
    public func poke() async { await mailbox.poke() }

    /// Cleans and adopts what an earlier pvd left (`recover`), then runs until cancelled.
    public func run() async {
        var state: [String: PodRecord] = [:]
        await recover(&state)
        while !Task.isCancelled {
            await sync(&state)
            // A Pod waiting for its volumes is looked at again soon: the publisher's mount
            // changes nothing in the store, so no change wakes the loop for it.
            let waiting = state.values.contains { $0.waitingForVolumes }
            await mailbox.wait(upTo: waiting ? min(tick, .milliseconds(25)) : tick)
        }
    }

    /// One pass: exits first, then every Pod of this node, then what belongs to no Pod any more.
    func sync(_ state: inout [String: PodRecord]) async {
        let (starts, exits) = await mailbox.take()
        for s in starts { started(s.uid, s.container, &state) }
        for e in exits { await finish(e.uid, e.container, exitCode: e.exitCode, &state) }
        await checkAdopted(&state)
        let pods: [Pod]
        do {
            pods = try await store.list(Pod.self, namespace: nil, selector: nil).items
        } catch {
            logger.warning("pods not listed", metadata: ["pvd.error": "\(error.message)"])
            return
        }
        var mine: Set<String> = []
        var unscheduled: [Pod] = []
        for pod in pods {
            guard let uid = pod.metadata.uid else { continue }
            guard let node = pod.spec.nodeName, !node.isEmpty else {
                if pod.metadata.deletionTimestamp == nil { unscheduled.append(pod) }
                continue
            }
            guard node == nodeName else { continue }
            mine.insert(uid)
            await handle(pod, uid: uid, &state)
        }
        if !unscheduled.isEmpty { await schedule(unscheduled) }
        // Pods removed from the store outright (forced, or while no runtime ran): stop now.
        for uid in state.keys.sorted() where !mine.contains(uid) {
            guard var rec = state[uid] else { continue }
            await stop(&rec, graceful: false)
            rec.pendingEvents = []
            state[uid] = rec
            if !rec.anyRunning { await forget(uid, &state) }
        }
    }

    /// A scheduler's binding for a store with one node: Pods that name none run here.
    func schedule(_ pods: [Pod]) async {
        guard let nodes = try? await store.list(Node.self, namespace: nil, selector: nil).items,
              nodes.count <= 1, nodes.allSatisfy({ $0.metadata.name == nodeName })
        else { return }
        for var pod in pods {
            pod.spec.nodeName = nodeName
            // Held in the same write: one store round less before the first container starts.
            if !pod.metadata.hasFinalizer(Finalizers.podRuntime) {
                pod.metadata.finalizers = (pod.metadata.finalizers ?? []) + [Finalizers.podRuntime]
            }
            do {
                _ = try await store.update(pod)
                logger.info("pod scheduled", metadata: ["pvd.pod": "\(pod.key)", "pvd.node": "\(nodeName)"])
            } catch {
                // A conflict is another writer's change: the next pass sees it and tries again.
                logger.debug("pod not scheduled", metadata: ["pvd.pod": "\(pod.key)", "pvd.error": "\(error.message)"])
            }
        }
    }

    /// One Pod of this node.
    func handle(_ pod: Pod, uid: String, _ state: inout [String: PodRecord]) async {
        var rec = state[uid] ?? PodRecord(pod: pod, uid: uid)
        var keep = true
        defer { if keep { state[uid] = rec } }
        await tearDownEnded(&rec)
        if pod.metadata.deletionTimestamp != nil {
            await stop(&rec, graceful: true, grace: pod.spec.terminationGracePeriodSeconds ?? 30)
            await flushEvents(&rec)
            guard !rec.anyRunning else { return }
            state[uid] = rec
            keep = false
            await forget(uid, &state)
            // Only once nothing of it is left: then the store may remove it and the publisher unpublish.
            if state[uid] == nil, pod.metadata.hasFinalizer(Finalizers.podRuntime) { await removeFinalizer(pod) }
            return
        }
        let phase = pod.status?.phase
        if (phase == PodPhase.succeeded || phase == PodPhase.failed) && !rec.anyRunning { return }
        guard pod.metadata.hasFinalizer(Finalizers.podRuntime) else {
            // Held before anything starts: the Pod cannot go while a container might run.
            await addFinalizer(pod)
            return
        }
        if rec.startTime == nil { rec.startTime = Time.now() }
        let blocked = await blockers(pod, uid: uid, &rec)
        rec.waitingForVolumes = blocked?[""] != nil
        if let blocked {
            for name in rec.initNames + rec.appNames where rec.containers[name]?.running != true && rec.containers[name]?.hasRun != true {
                rec.containers[name]?.status.state = ContainerState(waiting: blocked[name] ?? blocked[""])
            }
        } else {
            await progress(pod, uid: uid, &rec)
        }
        await writeStatus(pod, &rec)
        await tearDownEnded(&rec)
    }

    /// Removes everything of a Pod the runtime no longer runs, and its record.
    func forget(_ uid: String, _ state: inout [String: PodRecord]) async {
        let names = state[uid].map { $0.initNames + $0.appNames } ?? []
        do {
            try await launcher.removePod(uid: uid, containers: names)
            logger.info("pod containers removed", metadata: ["pvd.pod.uid": "\(uid)"])
            state.removeValue(forKey: uid)
        } catch {
            logger.warning("pod containers not removed", metadata: ["pvd.pod.uid": "\(uid)", "pvd.error": "\(error.message)"])
        }
    }
}
