import Logging
import PVDModel
import PVDStore

extension Reconciler {
    /// The protection controllers (pvc-protection and pv-protection): adds the finalizers objects
    /// lack and releases those of objects being deleted once nothing uses them (see
    /// `StorageProtection`). Runs before the binder, so a claim released here is gone when the
    /// binder looks, and its volume becomes Released in the same pass.
    func protect(snapshot: inout Snapshot, summary: inout ReconcileSummary) async throws {
        let users = StorageProtection.users(among: snapshot.pods)
        var writes: [StoreWrite] = []
        for (key, claim) in snapshot.claimsInFocus {
            let using = users.isEmpty ? [] : users[key] ?? []
            if let c = StorageProtection.update(claim, users: using) {
                writes.append(.update(.persistentVolumeClaim(c)))
            } else if claim.metadata.deletionTimestamp != nil, !using.isEmpty {
                logger.debug("claim kept: in use", metadata: ["pvd.pvc": "\(claim.key)", "pvd.pod": "\(using.joined(separator: ","))"])
            }
        }
        for volume in snapshot.volumesInFocus.values {
            if let v = StorageProtection.update(volume) { writes.append(.update(.persistentVolume(v))) }
        }
        guard !writes.isEmpty else { return }
        WritePlan.sortInStoreOrder(&writes)
        // A write that lost a race leaves the snapshot stale; the pass's revision check then
        // reads it afresh and the next pass decides again.
        let (done, _, _) = try await commitBatches(writes, snapshot: &snapshot, summary: &summary)
        summary.writes += done
        for w in writes { logOutcome(w, snapshot: snapshot) }
    }

    /// One log line for a protection write that committed.
    private func logOutcome(_ write: StoreWrite, snapshot: Snapshot) {
        switch write {
        case .update(.persistentVolumeClaim(let c)):
            let now = snapshot.claims[c.key]
            guard now?.metadata.finalizers == c.metadata.finalizers || (now == nil && Snapshot.removed(c.metadata)) else { return }
            let what = c.metadata.deletionTimestamp == nil ? "claim protected" : "claim released by protection"
            logger.info("\(what)", metadata: ["pvd.pvc": "\(c.key)", "pvd.finalizer": "\(Finalizers.pvcProtection)"])
        case .update(.persistentVolume(let v)):
            let now = snapshot.volumes[v.metadata.name]
            guard now?.metadata.finalizers == v.metadata.finalizers || (now == nil && Snapshot.removed(v.metadata)) else { return }
            let what = v.metadata.deletionTimestamp == nil ? "volume protected" : "volume released by protection"
            logger.info("\(what)", metadata: ["pvd.pv": "\(v.metadata.name)", "pvd.finalizer": "\(Finalizers.pvProtection)"])
        default:
            break
        }
    }
}
