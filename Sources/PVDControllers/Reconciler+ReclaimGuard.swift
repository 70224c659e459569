import Logging
import PVDDrivers
import PVDModel

extension Reconciler {
    /// Why a volume must not be reclaimed yet, or nil: it is still mounted under `<root>/pods`
    /// (the publisher could not unpublish it: a busy mount, the pods lock not taken, an
    /// unreadable pods directory). Deleting or emptying it then would pull the data from under
    /// a Pod, so the reclaimer leaves it as it is and asks again on the next pass.
    /// `table`: the mount table, read on first use and kept for the rest of the pass.
    func stillPublished(_ pv: PersistentVolume, table: inout [MountInfoEntry]?) -> String? {
        guard let tree = agent.pods, let path = pv.spec.hostPath?.path ?? pv.spec.local?.path else { return nil }
        do {
            if table == nil { table = try MountTable.entries() }
            let shown = try tree.mounts(showing: path, mounts: table ?? [])
            if shown.isEmpty { return nil }
            return "still mounted at \(shown.map(\.mountPoint).joined(separator: ", "))"
        } catch {
            // Not knowing is no licence to delete.
            return "cannot tell whether it is still published: \(error.message)"
        }
    }
}
