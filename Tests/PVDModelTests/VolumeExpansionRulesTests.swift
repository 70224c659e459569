import Testing
import PVDModel

/// Kubernetes' request-update rules, with plain values: ValidatePersistentVolumeClaimUpdate's
/// size check and the PersistentVolumeClaimResize admission plugin's class check.
struct VolumeExpansionRulesTests {
    static let tooSmall = "Forbidden: field can not be less than status.capacity"
    static let notBound = "Forbidden: Only bound persistent volume claims can be expanded"
    static let noResize = "Forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize"

    static func claim(_ request: String, phase: ClaimPhase = .bound, capacity: String? = "2Gi", className: String? = "fast") throws -> PersistentVolumeClaim {
        var c = PersistentVolumeClaim(name: "data", spec: PersistentVolumeClaimSpec(
            accessModes: [.readWriteOnce], request: try Quantity(parsing: request), storageClassName: className))
        c.status = PersistentVolumeClaimStatus(phase: phase, capacity: try capacity.map { ["storage": try Quantity(parsing: $0)] })
        return c
    }

    static func storageClass(_ name: String = "fast", allow: Bool?) -> StorageClass {
        var sc = StorageClass(name: name, provisioner: "pvd.io/loop")
        sc.allowVolumeExpansion = allow
        return sc
    }

    /// (old request, status.capacity, new request, expected message or nil).
    @Test(arguments: [
        ("3Gi", "2Gi", "2Gi", tooSmall),     // back to status.capacity: Kubernetes refuses equal too
        ("3Gi", "2Gi", "1Gi", tooSmall),     // below status.capacity
        ("3Gi", "2Gi", "2500Mi", nil),       // a failed expansion taken back, still above capacity
        ("2Gi", "2Gi", "2Gi", nil),          // unchanged
        ("2Gi", "2Gi", "2048Mi", nil),       // the same quantity written differently
        ("2Gi", "2Gi", "5Gi", nil),          // growth is the admission check's business
    ] as [(String, String, String, String?)])
    func requestUpdate(old: String, capacity: String, new: String, expected: String?) throws {
        let error = VolumeExpansionRules.validateRequestUpdate(
            old: try Self.claim(old, capacity: capacity), new: try Self.claim(new, capacity: capacity))
        #expect(error?.message == expected)
        if error != nil { #expect(error?.field == "spec.resources.requests.storage") }
    }

    /// (phase, old class, new class, the class found (allowVolumeExpansion), expected).
    @Test(arguments: [
        (ClaimPhase.bound, "fast", "fast", true as Bool?, nil as String?),
        (.bound, "fast", "fast", false, noResize),
        (.bound, "fast", "fast", nil, noResize),             // unset means false
        (.bound, "", "", true, noResize),                     // class-less claims never grow
        (.pending, "fast", "fast", true, notBound),
        (.lost, "fast", "fast", true, notBound),
    ] as [(ClaimPhase, String, String, Bool?, String?)])
    func admission(phase: ClaimPhase, oldClass: String, newClass: String, allow: Bool?, expected: String?) throws {
        let old = try Self.claim("2Gi", phase: phase, className: oldClass)
        let new = try Self.claim("4Gi", phase: phase, className: newClass)
        let error = VolumeExpansionRules.admitExpansion(old: old, new: new, storageClass: Self.storageClass(oldClass, allow: allow))
        #expect(error?.message == expected)
    }

    @Test func aMissingClassRefusesGrowth() throws {
        let error = VolumeExpansionRules.admitExpansion(old: try Self.claim("2Gi"), new: try Self.claim("4Gi"), storageClass: nil)
        #expect(error?.message == Self.noResize)
    }

    @Test func onlyGrowthIsAdmitted() throws {
        // Same or smaller requests are not the admission check's to refuse, whatever the class.
        for new in ["2Gi", "3Gi"] {
            let error = VolumeExpansionRules.admitExpansion(
                old: try Self.claim("3Gi", phase: .pending), new: try Self.claim(new, phase: .pending), storageClass: nil)
            #expect(error == nil)
        }
    }
}
