import PVDControllers
import PVDModel
import PVDRuntime

/// The controller loops running now: the node loop always, the cluster loop while this daemon
/// leads. The informer hands every change to each; the resync timer and `/metrics` see them all.
actor LoopSet {
    let node: ControllerLoop
    private(set) var cluster: ControllerLoop?
    private(set) var leading = false
    /// This node's pod runtime, woken by every change (nil: `runtime: none`).
    let runtime: PodRuntime?

    init(node: ControllerLoop, runtime: PodRuntime? = nil) {
        self.node = node
        self.runtime = runtime
    }

    var loops: [ControllerLoop] { [node] + (cluster.map { [$0] } ?? []) }

    func enqueue(_ change: InformerChange) async {
        // The cluster loop first: a new claim's next step is the binder's (its node, or a
        // volume), and on a small node a node pass started first would take the core it needs.
        await cluster?.enqueue(change)
        await node.enqueue(change)
        await runtime?.poke()
    }

    func resync() async {
        for loop in loops { await loop.queue.add(Informer.resyncKey) }
    }

    func queues() -> [WorkQueue<String>] { loops.map(\.queue) }

    /// This daemon now runs `loop` as the leader's cluster loop (nil: it stopped leading).
    func lead(with loop: ControllerLoop?) {
        cluster = loop
        leading = loop != nil
    }
}
