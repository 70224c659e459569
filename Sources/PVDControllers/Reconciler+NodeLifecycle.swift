import Logging
import PVDModel
import PVDStore

extension Reconciler {
    /// The node lifecycle controller (cluster-wide): a node whose daemon stopped renewing its
    /// lease and posting its status gets Ready `Unknown` (see `NodeHealth`). Its volumes stay as they are, Bound and
    /// untouched: nothing is provisioned again elsewhere. Its daemon, once back, sets Ready again.
    func markStaleNodes(snapshot: inout Snapshot, summary: inout ReconcileSummary, now: Time) async throws {
        for (i, node) in snapshot.nodes.enumerated() {
            let lease = snapshot.nodeLeases[node.metadata.name]
            guard let stale = NodeHealth.staleUpdate(node, lease: lease, now: now, grace: nodeGrace) else { continue }
            let write = StoreWrite.update(.node(stale))
            guard let results = try await tryCommit([write]) else {
                summary.conflicts += 1
                continue
            }
            if case .node(let written)? = results.first { snapshot.nodes[i] = written }
            summary.writes += 1
            let heard = NodeHealth.lastHeard(node, lease: lease).map { "\(Time(seconds: $0))" } ?? "never"
            logger.warning("node not ready: heartbeat stale", metadata: ["pvd.node": "\(node.metadata.name)", "pvd.heard": "\(heard)"])
        }
    }
}
