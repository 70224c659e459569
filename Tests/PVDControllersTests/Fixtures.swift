import PVDModel
@testable import PVDControllers

/// Gigabytes (10^9 bytes), as Kubernetes' tests write "5G".
func gb(_ n: Int64) -> Quantity { Quantity(n * 1_000_000_000) }

let rwo = AccessMode.readWriteOnce
let rox = AccessMode.readOnlyMany
let rwx = AccessMode.readWriteMany
let rwop = AccessMode.readWriteOncePod

/// A volume; Available and class-less unless told otherwise.
func makePV(
    _ name: String, _ size: Int64, _ modes: [AccessMode] = [rwo], class cls: String? = nil,
    phase: VolumePhase? = .available, volumeMode: VolumeMode? = nil, claimRef: ObjectReference? = nil,
    labels: [String: String]? = nil, affinityHost: String? = nil, deleting: Bool = false,
    annotations: [String: String]? = nil, reclaim: ReclaimPolicy? = nil
) -> PersistentVolume {
    var pv = PersistentVolume(name: name, spec: PersistentVolumeSpec(
        capacity: gb(size), accessModes: modes, reclaimPolicy: reclaim, storageClassName: cls,
        volumeMode: volumeMode, claimRef: claimRef,
        nodeAffinity: affinityHost.map { host in
            VolumeNodeAffinity(required: NodeSelector(nodeSelectorTerms: [
                NodeSelectorTerm(matchExpressions: [
                    NodeSelectorRequirement(key: WellKnownLabels.hostname, operator: "In", values: [host]),
                ]),
            ]))
        }))
    pv.metadata.uid = "uid-\(name)"
    pv.metadata.resourceVersion = "7"
    pv.metadata.labels = labels
    pv.metadata.annotations = annotations
    if deleting { pv.metadata.deletionTimestamp = Time(seconds: 1_000) }
    if let phase { pv.status = PersistentVolumeStatus(phase: phase) }
    return pv
}

/// A claim in namespace "ns" with uid "uid-<name>".
func makePVC(
    _ name: String, _ size: Int64, _ modes: [AccessMode] = [rwo], class cls: String? = nil,
    selector: LabelSelector? = nil, volumeMode: VolumeMode? = nil, volumeName: String? = nil,
    annotations: [String: String]? = nil, phase: ClaimPhase? = .pending, created: Int64? = nil
) -> PersistentVolumeClaim {
    var pvc = PersistentVolumeClaim(name: name, namespace: "ns", spec: PersistentVolumeClaimSpec(
        accessModes: modes, request: gb(size), storageClassName: cls, selector: selector,
        volumeMode: volumeMode, volumeName: volumeName))
    pvc.metadata.uid = "uid-\(name)"
    pvc.metadata.resourceVersion = "3"
    pvc.metadata.annotations = annotations
    pvc.metadata.creationTimestamp = created.map { Time(seconds: $0) }
    if let phase { pvc.status = PersistentVolumeClaimStatus(phase: phase) }
    return pvc
}

/// A claimRef to a claim in "ns", with or without a uid.
func ref(_ claim: String, uid: String? = nil, namespace: String = "ns") -> ObjectReference {
    ObjectReference(apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: namespace, name: claim, uid: uid)
}

func makeClass(
    _ name: String, provisioner: String = "pvd.io/hostpath", mode: VolumeBindingMode? = nil,
    isDefault: Bool = false, created: Int64 = 0, betaDefault: Bool = false
) -> StorageClass {
    var sc = StorageClass(name: name, provisioner: provisioner)
    sc.volumeBindingMode = mode
    sc.metadata.creationTimestamp = Time(seconds: created)
    if isDefault { sc.metadata.setAnnotation(Annotations.isDefaultClass, "true") }
    if betaDefault { sc.metadata.setAnnotation(Annotations.betaIsDefaultClass, "true") }
    return sc
}

func makeNode(_ name: String) -> Node { Node(name: name, labels: [WellKnownLabels.hostname: name]) }
