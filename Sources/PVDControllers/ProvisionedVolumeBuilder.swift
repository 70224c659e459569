import PVDDrivers
import PVDModel

/// Annotation keys pvd adds to the volumes it provisions.
public enum PVDAnnotations {
    /// The class parameters the volume was made with, as JSON: the driver needs them again to
    /// delete the volume, even if the class is gone by then.
    public static let driverParameters = "pvd.io/driver-parameters"
}

/// The PersistentVolume the provisioner records for a volume a driver made: pre-bound to its
/// claim, pinned to this node, with the class's policy and mount options, as Kubernetes'
/// external provisioner writes it.
public enum ProvisionedVolumeBuilder {
    /// The deterministic name of the volume for a claim ("pvc-<claim uid>").
    public static func volumeName(for claim: PersistentVolumeClaim) -> String? {
        claim.metadata.uid.map { "pvc-\($0)" }
    }

    public static func build(
        claim: PersistentVolumeClaim, storageClass: StorageClass, node: String, made: ProvisionedVolume, name: String,
        loopFSType: String? = nil
    ) -> PersistentVolume {
        var spec = PersistentVolumeSpec(
            capacity: Quantity(made.capacityBytes), accessModes: claim.spec.accessModes,
            reclaimPolicy: storageClass.effectiveReclaimPolicy, storageClassName: storageClass.metadata.name,
            volumeMode: claim.volumeMode,
            claimRef: ObjectReference(
                apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: claim.namespace, name: claim.metadata.name,
                uid: claim.metadata.uid, resourceVersion: claim.metadata.resourceVersion),
            nodeAffinity: VolumeNodeAffinity(required: NodeSelector(nodeSelectorTerms: [
                NodeSelectorTerm(matchExpressions: [NodeSelectorRequirement(key: WellKnownLabels.hostname, operator: "In", values: [node])])
            ])))
        spec.mountOptions = storageClass.mountOptions
        if storageClass.provisioner == "pvd.io/hostpath" {
            spec.hostPath = HostPathVolumeSource(path: made.path, type: "Directory")
        } else {
            spec.local = LocalVolumeSource(path: made.path, fsType: claim.volumeMode == .block ? nil : loopFSType)
        }
        var pv = PersistentVolume(name: name, spec: spec)
        pv.metadata.annotations = [Annotations.provisionedBy: storageClass.provisioner]
        if let params = storageClass.parameters, !params.isEmpty,
           let data = try? JSONCoding.shared.encode(params) {
            pv.metadata.annotations?[PVDAnnotations.driverParameters] = String(decoding: data, as: UTF8.self)
        }
        pv.status = PersistentVolumeStatus(phase: .pending)
        // Created as the API server would admit it: protected while bound; and, under Delete,
        // kept until the reclaimer has deleted the backing.
        pv.metadata.addFinalizer(Finalizers.pvProtection)
        if spec.persistentVolumeReclaimPolicy == .delete { pv.metadata.addFinalizer(Finalizers.provisionerDeletion) }
        return pv
    }

    /// The class parameters recorded on a volume pvd provisioned.
    public static func parameters(of pv: PersistentVolume) -> [String: String] {
        guard let text = pv.metadata.annotation(PVDAnnotations.driverParameters),
              let params = try? JSONCoding.shared.decode([String: String].self, from: Array(text.utf8))
        else { return [:] }
        return params
    }
}
