import PVDModel
import PVDStore

extension Reconciler {
    /// What `runOnce` and the daemon both do before any controller acts: register this node,
    /// then start-up recovery (see DESIGN §3), so volumes come back (re-attached, re-mounted)
    /// and leftovers go first.
    @discardableResult
    public func startUp() async throws -> RecoverySummary {
        if !agent.drivers.isEmpty { try await NodeRegistration.register(agent.nodeName, in: store) }
        return try await recover()
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
