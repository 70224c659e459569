import Logging
import PVDModel
import PVDStore

extension Reconciler {
    /// What the daemon does once before its controllers start: register this node, then the
    /// start-up recovery every node runs (see DESIGN §3).
    public func startUp() async throws {
        if !agent.drivers.isEmpty { try await NodeRegistration.register(agent.nodeName, in: store) }
        // Volumes come back (re-attached, re-mounted) and leftovers go before any controller
        // acts, as at the start of `runOnce`.
        let recovered = try await recover()
        logger.info("start-up recovery done", metadata: [
            "pvd.recovered": "\(recovered.recovered)", "pvd.missing": "\(recovered.missing)",
            "pvd.failed": "\(recovered.failed)", "pvd.orphans": "\(recovered.orphansRemoved)",
        ])
    }

    /// Runs passes from `snapshot` until one makes no write on a snapshot that still matches the
    /// store (a fixed point: true), or `maxPasses` runs out (false). `refresh` gives a new
    /// snapshot when a pass found that someone else wrote meanwhile; it is handed the revision
    /// the store had reached. `afterPass` sees the snapshot after every pass.
    func runPasses(
        _ summary: inout ReconcileSummary, snapshot: inout Snapshot, recorder: inout EventRecorder, attempted: inout Set<String>,
        refresh: (Int64) async throws -> Snapshot, afterPass: (Snapshot) -> Void
    ) async throws -> Bool {
        while summary.passes < maxPasses {
            summary.passes += 1
            let (wrote, consistent) = try await pass(&summary, snapshot: &snapshot, recorder: &recorder, attempted: &attempted)
            afterPass(snapshot)
            if wrote == 0 && consistent { return true }
            if !consistent { snapshot = try await refresh(snapshot.revision) }
        }
        return false
    }
}
