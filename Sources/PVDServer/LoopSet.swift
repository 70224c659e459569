import PVDControllers
import PVDModel

/// The controller loops running now: the node loop always, the cluster loop while this daemon
/// leads. The informer hands every change to each; the resync timer and `/metrics` see them all.
actor LoopSet {
    let node: ControllerLoop
    private(set) var cluster: ControllerLoop?
    private(set) var leading = false

    init(node: ControllerLoop) {
        self.node = node
    }

    var loops: [ControllerLoop] { [node] + (cluster.map { [$0] } ?? []) }

    func enqueue(_ change: InformerChange) async {
        await node.enqueue(change)
        await cluster?.enqueue(change)
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
