/// Kubernetes' rules for changing a claim's storage request, as plain functions of values:
/// the request check of `ValidatePersistentVolumeClaimUpdate` (with RecoverVolumeExpansionFailure,
/// GA since 1.34) and the `PersistentVolumeClaimResize` admission plugin's class check.
///
/// The admission check needs the claim's StorageClass, which only a caller holding the store
/// can look up; it is handed in, so this stays pure.
public enum VolumeExpansionRules {
    /// The field every refusal names.
    public static let requestField = "spec.resources.requests.storage"

    /// A lower request than before: allowed only while it stays above status.capacity, so a user
    /// can take back an expansion that failed; the volume itself never shrinks. Kubernetes refuses
    /// a request equal to status.capacity too (`newSize.Cmp(statusSize) <= 0`).
    public static func validateRequestUpdate(old: PersistentVolumeClaim, new: PersistentVolumeClaim) -> ValidationError? {
        guard let newSize = new.request, let oldSize = old.request, newSize < oldSize else { return nil }
        let statusSize = old.status?.capacity?["storage"] ?? Quantity(0)
        if !(statusSize < newSize) {
            return ValidationError(field: requestField, message: "Forbidden: field can not be less than status.capacity")
        }
        return nil
    }

    /// The admission check on a grown request: the claim must be Bound and its class (the same,
    /// named, class before and after) must say `allowVolumeExpansion: true`. `storageClass` is
    /// the class the old claim names, nil when there is none.
    public static func admitExpansion(
        old: PersistentVolumeClaim, new: PersistentVolumeClaim, storageClass: StorageClass?
    ) -> ValidationError? {
        let oldSize = old.request ?? Quantity(0)
        guard let newSize = new.request, oldSize < newSize else { return nil }
        guard old.phase == .bound else {
            return ValidationError(field: requestField, message: "Forbidden: Only bound persistent volume claims can be expanded")
        }
        let allowed = !old.className.isEmpty && old.className == new.className
            && storageClass?.metadata.name == old.className && storageClass?.allowVolumeExpansion == true
        guard allowed else {
            return ValidationError(
                field: requestField,
                message: "Forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize")
        }
        return nil
    }
}
