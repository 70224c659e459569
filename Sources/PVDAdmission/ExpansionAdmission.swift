import PVDModel
import PVDStore

/// The admission step of a claim update that grows its request (Kubernetes'
/// PersistentVolumeClaimResize plugin): the rule is `VolumeExpansionRules.admitExpansion`; this
/// finds the claim's StorageClass for it, which only a command holding the store can do.
public enum ExpansionAdmission {
    /// The refusal for turning `existing` into `updated`, or nil; `classes` are the stored classes.
    public static func check(existing: AnyResource, updated: AnyResource, classes: [StorageClass]) -> ValidationError? {
        guard case .persistentVolumeClaim(let old) = existing, case .persistentVolumeClaim(let new) = updated else { return nil }
        let storageClass = classes.first { $0.metadata.name == old.className }
        return VolumeExpansionRules.admitExpansion(old: old, new: new, storageClass: storageClass)
    }

    /// The same, looking the claim's class up in `store` only when the request grows.
    public static func check(existing: AnyResource, updated: AnyResource, store: any ObjectStore) async throws -> ValidationError? {
        guard case .persistentVolumeClaim(let old) = existing, case .persistentVolumeClaim(let new) = updated,
              let grown = new.request, (old.request ?? Quantity(0)) < grown else { return nil }
        var classes: [StorageClass] = []
        if !old.className.isEmpty {
            do {
                classes = [try await store.get(StorageClass.self, namespace: nil, name: old.className)]
            } catch {
                if error.code != .notFound { throw error }
            }
        }
        return check(existing: existing, updated: updated, classes: classes)
    }
}
