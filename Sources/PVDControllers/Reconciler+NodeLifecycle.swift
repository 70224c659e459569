import Logging
import PVDModel
import PVDStore

extension Reconciler {
    /// The node lifecycle controller (cluster-wide): a node whose daemon stopped renewing its
    /// heartbeat gets Ready `Unknown` (see `NodeHealth`). Its volumes stay as they are, Bound and
    /// untouched: nothing is provisioned again elsewhere. Its daemon, once back, sets Ready again.
    func markStaleNodes(snapshot: inout Snapshot, summary: inout ReconcileSummary, now: Time) async throws {
        for (i, node) in snapshot.nodes.enumerated() {
            guard let stale = NodeHealth.staleUpdate(node, now: now, grace: nodeGrace) else { continue }
            let write = StoreWrite.update(.node(stale))
            guard let results = try await tryCommit([write]) else {
                summary.conflicts += 1
                continue
            }
            if case .node(let written)? = results.first { snapshot.nodes[i] = written }
            summary.writes += 1
            let beat = NodeHealth.readyCondition(node)?.lastHeartbeatTime.map { "\($0.seconds)" } ?? "none"
            logger.warning("node not ready: heartbeat stale", metadata: ["pvd.node": "\(node.metadata.name)", "pvd.heartbeat": "\(beat)"])
        }
    }
}
