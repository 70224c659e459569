import Testing
import PVDModel

struct ApplyMergeTests {
    func storedPV() -> PersistentVolume {
        var pv = PersistentVolume(name: "v", spec: PersistentVolumeSpec(
            capacity: Quantity(1 << 30), accessModes: [.readWriteOnce], reclaimPolicy: .retain,
            volumeMode: .filesystem, claimRef: ObjectReference(kind: "PersistentVolumeClaim", namespace: "default", name: "c", uid: "u1"),
            hostPath: HostPathVolumeSource(path: "/srv/v")))
        pv.metadata.uid = "pv-uid"
        pv.metadata.resourceVersion = "7"
        pv.metadata.annotations = [Annotations.boundByController: "yes"]
        pv.metadata.finalizers = [Finalizers.pvProtection]
        pv.status = PersistentVolumeStatus(phase: .bound)
        return pv
    }

    @Test func keepsSystemFieldsStatusAndControllerWrites() throws {
        let stored = storedPV()
        var incoming = PersistentVolume(name: "v", spec: PersistentVolumeSpec(
            capacity: Quantity(2 << 30), accessModes: [.readWriteOnce], hostPath: HostPathVolumeSource(path: "/srv/v")))
        incoming.metadata.labels = ["tier": "gold"]
        incoming.metadata.annotations = ["note": "x"]
        let merged = try ApplyMerge.merge(existing: .persistentVolume(stored), incoming: .persistentVolume(incoming)).get()
        let pv = try #require(merged.as(PersistentVolume.self))
        #expect(pv.metadata.uid == "pv-uid")
        #expect(pv.metadata.resourceVersion == "7")
        #expect(pv.metadata.finalizers == [Finalizers.pvProtection])
        #expect(pv.metadata.annotations == [Annotations.boundByController: "yes", "note": "x"])
        #expect(pv.metadata.labels == ["tier": "gold"])
        #expect(pv.spec.claimRef?.uid == "u1")
        #expect(pv.status?.phase == .bound)
        #expect(pv.capacity == Quantity(2 << 30))
        #expect(pv.spec.persistentVolumeReclaimPolicy == .retain)
    }

    @Test func refusesChangingTheSource() {
        var incoming = storedPV()
        incoming.spec.hostPath = HostPathVolumeSource(path: "/srv/other")
        let r = ApplyMerge.merge(existing: .persistentVolume(storedPV()), incoming: .persistentVolume(incoming))
        #expect(throws: ValidationError.self) { try r.get() }
    }

    @Test func claimSpecIsImmutableExceptRequestsWhenBound() throws {
        var stored = PersistentVolumeClaim(name: "c", spec: PersistentVolumeClaimSpec(
            accessModes: [.readWriteOnce], request: Quantity(1 << 30), storageClassName: "fast", volumeMode: .filesystem, volumeName: "v"))
        stored.status = PersistentVolumeClaimStatus(phase: .pending)
        var incoming = PersistentVolumeClaim(name: "c", spec: PersistentVolumeClaimSpec(accessModes: [.readWriteOnce], request: Quantity(2 << 30)))
        // Pending: the request may not change.
        #expect(throws: ValidationError.self) {
            try ApplyMerge.merge(existing: .persistentVolumeClaim(stored), incoming: .persistentVolumeClaim(incoming)).get()
        }
        // Bound: it may grow (the class check is the admission step, `VolumeExpansionRules`),
        // and not shrink below status.capacity.
        stored.status = PersistentVolumeClaimStatus(phase: .bound, capacity: ["storage": Quantity(1 << 30)])
        let grown = try ApplyMerge.merge(existing: .persistentVolumeClaim(stored), incoming: .persistentVolumeClaim(incoming)).get()
        #expect(grown.as(PersistentVolumeClaim.self)?.request == Quantity(2 << 30))
        #expect(grown.as(PersistentVolumeClaim.self)?.status?.capacity?["storage"] == Quantity(1 << 30))
        incoming.spec.resources = VolumeResourceRequirements(requests: ["storage": Quantity(1 << 30)])
        let same = try ApplyMerge.merge(existing: .persistentVolumeClaim(stored), incoming: .persistentVolumeClaim(incoming)).get()
        #expect(same.as(PersistentVolumeClaim.self)?.spec.volumeName == "v")
        #expect(same.as(PersistentVolumeClaim.self)?.spec.storageClassName == "fast")
        incoming.spec.resources = VolumeResourceRequirements(requests: ["storage": Quantity(1 << 20)])
        #expect(throws: ValidationError.self) {
            try ApplyMerge.merge(existing: .persistentVolumeClaim(stored), incoming: .persistentVolumeClaim(incoming)).get()
        }
        // Access modes never change.
        incoming = PersistentVolumeClaim(name: "c", spec: PersistentVolumeClaimSpec(accessModes: [.readWriteMany], request: Quantity(1 << 30)))
        #expect(throws: ValidationError.self) {
            try ApplyMerge.merge(existing: .persistentVolumeClaim(stored), incoming: .persistentVolumeClaim(incoming)).get()
        }
    }

    @Test func storageClassParametersAreImmutable() throws {
        var stored = StorageClass(name: "s", provisioner: "pvd.io/loop")
        stored.parameters = ["fsType": "ext4"]
        stored.reclaimPolicy = .delete
        stored.volumeBindingMode = .immediate
        var incoming = stored
        incoming.parameters = ["fsType": "xfs"]
        #expect(throws: ValidationError.self) {
            try ApplyMerge.merge(existing: .storageClass(stored), incoming: .storageClass(incoming)).get()
        }
        incoming = stored
        incoming.reclaimPolicy = nil
        incoming.volumeBindingMode = nil
        incoming.allowVolumeExpansion = true
        let merged = try ApplyMerge.merge(existing: .storageClass(stored), incoming: .storageClass(incoming)).get()
        #expect(merged.as(StorageClass.self)?.allowVolumeExpansion == true)
    }

    @Test func newestDefaultClassWins() {
        var a = StorageClass(name: "a", provisioner: "x")
        a.metadata.annotations = [Annotations.isDefaultClass: "true"]
        a.metadata.creationTimestamp = Time(seconds: 100)
        var b = a
        b.metadata.name = "b"
        b.metadata.creationTimestamp = Time(seconds: 200)
        var c = StorageClass(name: "c", provisioner: "x")
        c.metadata.creationTimestamp = Time(seconds: 300)
        #expect(Defaulting.defaultClass(among: [a, b, c])?.metadata.name == "b")
        #expect(Defaulting.defaultClass(among: [c]) == nil)
    }
}

struct ApplyMergeClaimRefTests {
    @Test func reapplyingAPreBoundVolumeKeepsTheBinding() throws {
        var stored = PersistentVolume(name: "v", spec: PersistentVolumeSpec(
            capacity: Quantity(1 << 30), accessModes: [.readWriteOnce], reclaimPolicy: .retain, volumeMode: .filesystem,
            claimRef: ObjectReference(apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: "default", name: "data", uid: "u1", resourceVersion: "5"),
            hostPath: HostPathVolumeSource(path: "/srv/v")))
        stored.metadata.resourceVersion = "9"
        stored.status = PersistentVolumeStatus(phase: .bound)
        var manifest = stored
        manifest.spec.claimRef = ObjectReference(namespace: "default", name: "data")
        manifest.status = nil
        let merged = try ApplyMerge.merge(existing: .persistentVolume(stored), incoming: .persistentVolume(manifest)).get()
        #expect(merged == .persistentVolume(stored), "an unchanged manifest must leave the bound volume as it is")
    }
}
