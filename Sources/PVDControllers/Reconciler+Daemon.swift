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

    /// Runs passes from `snapshot` until one writes nothing and loses no race (the fixed point:
    /// returns the revision through which the store's changes are now handled), or `maxPasses`
    /// runs out (nil). `refresh` gives a new snapshot after a lost race, or when a pass that
    /// wrote found that someone else wrote meanwhile; it is handed the revision the store had
    /// reached. `afterPass` sees the snapshot after every pass.
    ///
    /// Other writers do not hold the fixed point off: a quiet pass over a snapshot that others
    /// have since moved past settles, handled only through the revision the snapshot reflected,
    /// so their changes, which the informer delivers later, still start a run of their own.
    func runPasses(
        _ summary: inout ReconcileSummary, snapshot: inout Snapshot, recorder: inout EventRecorder, attempted: inout Set<String>,
        refresh: (Int64) async throws -> Snapshot, afterPass: (Snapshot) -> Void
    ) async throws -> Int64? {
        while summary.passes < maxPasses {
            summary.passes += 1
            let outcome = try await pass(&summary, snapshot: &snapshot, recorder: &recorder, attempted: &attempted)
            afterPass(snapshot)
            if outcome.settled { return outcome.foreign ? outcome.seenThrough : snapshot.revision }
            if outcome.lost || outcome.foreign {
                let reached = snapshot.revision
                snapshot = try await timed(\.read, &summary) { try await refresh(reached) }
            }
        }
        return nil
    }
}

/// What one pass found.
struct PassOutcome {
    /// Object writes committed (events not counted).
    var wrote: Int
    /// Whether a write lost a race: its decision was made on stale state.
    var lost: Bool
    /// Whether someone else wrote while the pass ran (the revision moved past our own writes).
    var foreign: Bool
    /// The revision the pass's snapshot reflected when it started.
    var seenThrough: Int64

    /// Nothing left to do on what the pass saw.
    var settled: Bool { wrote == 0 && !lost }
}
