import PVDControllers
import PVDDrivers
import PVDModel
import Testing

/// Which backings an orphan sweep must leave: every PV's, and those of claims that still wait
/// for this node to provision them.
struct OrphanRulesTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var label: String
        var className: String?
        var volumeName: String?
        var selectedNode: String?
        var deleting = false
        var wanted: Bool
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "waiting, our class", className: "fast", wanted: true),
        Case(label: "waiting, default class (ours)", className: nil, wanted: true),
        Case(label: "waiting, class gone", className: "gone", wanted: true),
        Case(label: "waiting, another provisioner's class", className: "other", wanted: false),
        Case(label: "no class", className: "", wanted: false),
        Case(label: "selected for this node", className: "fast", selectedNode: "n1", wanted: true),
        Case(label: "selected for another node", className: "fast", selectedNode: "n2", wanted: false),
        Case(label: "bound to its own name", className: "fast", volumeName: "pvc-u1", wanted: true),
        Case(label: "bound to another volume", className: "fast", volumeName: "static-pv", wanted: false),
        Case(label: "being deleted", className: "fast", deleting: true, wanted: false),
    ]

    @Test(arguments: cases)
    func claimRule(_ c: Case) {
        var claim = PersistentVolumeClaim(
            name: "data", spec: PersistentVolumeClaimSpec(accessModes: [.readWriteOnce], request: Quantity(1 << 20), storageClassName: c.className))
        claim.metadata.uid = "u1"
        claim.spec.volumeName = c.volumeName
        if let node = c.selectedNode { claim.metadata.setAnnotation(Annotations.selectedNode, node) }
        if c.deleting { claim.metadata.deletionTimestamp = Time.now() }
        var fallback = StorageClass(name: "fast-default", provisioner: "pvd.io/loop")
        fallback.metadata.annotations = ["storageclass.kubernetes.io/is-default-class": "true"]
        let classes = [StorageClass(name: "fast", provisioner: "pvd.io/loop"), StorageClass(name: "other", provisioner: "example.com/nfs"), fallback]
        let wanted = OrphanRules.wanted(volumes: [], claims: [claim], classes: classes, provisioner: "pvd.io/loop", node: "n1")
        #expect(wanted.names.contains("pvc-u1") == c.wanted)
    }

    @Test func everyVolumeNameIsWanted() {
        let pv = PersistentVolume(name: "pvc-any", spec: PersistentVolumeSpec(capacity: Quantity(1 << 20), accessModes: [.readWriteOnce]))
        #expect(OrphanRules.wanted(volumes: [pv], claims: [], classes: [], provisioner: "pvd.io/loop", node: "n1") == ["pvc-any"])
    }

    @Test func everyVolumePathIsWantedWhateverItsName() {
        var hostPath = PersistentVolume(name: "static-a", spec: PersistentVolumeSpec(capacity: Quantity(1 << 20), accessModes: [.readWriteOnce]))
        hostPath.spec.hostPath = HostPathVolumeSource(path: "/var/lib/pvd/hostpath/pvc-x")
        var local = PersistentVolume(name: "static-b", spec: PersistentVolumeSpec(capacity: Quantity(1 << 20), accessModes: [.readWriteOnce]))
        local.spec.local = LocalVolumeSource(path: "/var/lib/pvd/mounts/pvc-y")
        let kept = OrphanRules.wanted(volumes: [hostPath, local], claims: [], classes: [], provisioner: "pvd.io/loop", node: "n1")
        #expect(kept.paths == ["/var/lib/pvd/hostpath/pvc-x", "/var/lib/pvd/mounts/pvc-y"])
        #expect(kept.names == ["static-a", "static-b"])
    }
}
