import Testing
import PVDDrivers
import PVDModel
@testable import PVDControllers

struct ProvisioningLogicTests {
    func wffc(_ name: String = "local") -> StorageClass {
        var sc = StorageClass(name: name, provisioner: "pvd.io/hostpath")
        sc.volumeBindingMode = .waitForFirstConsumer
        return sc
    }

    func claim(_ name: String, cls: String? = "local") -> PersistentVolumeClaim {
        var c = PersistentVolumeClaim(name: name, spec: PersistentVolumeClaimSpec(
            accessModes: [.readWriteOnce], request: Quantity(1 << 30), storageClassName: cls))
        c.metadata.uid = "uid-\(name)"
        c.status = PersistentVolumeClaimStatus(phase: .pending)
        return c
    }

    func pod(_ name: String, node: String?, claims: [String], created: Int64 = 0) -> Pod {
        var p = Pod(name: name, spec: PodSpec(nodeName: node, volumes: claims.map {
            PodVolume(name: "v-\($0)", persistentVolumeClaim: PersistentVolumeClaimVolumeSource(claimName: $0))
        }))
        p.metadata.creationTimestamp = Time(seconds: created)
        return p
    }

    @Test func firstScheduledPodChoosesTheNode() {
        let claims = ["default/a": claim("a"), "default/b": claim("b"), "default/imm": claim("imm", cls: "fast")]
        var fast = StorageClass(name: "fast", provisioner: "pvd.io/hostpath")
        fast.volumeBindingMode = .immediate
        let pods = [
            pod("late", node: "n2", claims: ["a"], created: 20),
            pod("early", node: "n1", claims: ["a", "imm"], created: 10),
            pod("unscheduled", node: nil, claims: ["b"]),
        ]
        let out = ConsumerScheduling.selectNodes(pods: pods, claims: claims, classes: ["local": wffc(), "fast": fast], defaultClass: nil)
        #expect(out.map(\.metadata.name) == ["a"])
        #expect(out.first?.metadata.annotation(Annotations.selectedNode) == "n1")
    }

    @Test func boundOrAlreadyScheduledClaimsAreLeftAlone() {
        var bound = claim("a")
        bound.status?.phase = .bound
        var chosen = claim("b")
        chosen.metadata.setAnnotation(Annotations.selectedNode, "n9")
        let out = ConsumerScheduling.selectNodes(
            pods: [pod("p", node: "n1", claims: ["a", "b"])], claims: ["default/a": bound, "default/b": chosen],
            classes: ["local": wffc()], defaultClass: nil)
        #expect(out.isEmpty)
    }

    @Test func unsetClassUsesTheDefault() {
        let out = ConsumerScheduling.selectNodes(
            pods: [pod("p", node: "n1", claims: ["a"])], claims: ["default/a": claim("a", cls: nil)],
            classes: ["local": wffc()], defaultClass: wffc())
        #expect(out.count == 1)
    }

    @Test func provisionedVolumeIsPreBoundAndPinned() {
        var sc = StorageClass(name: "fast", provisioner: "pvd.io/loop")
        sc.reclaimPolicy = .retain
        sc.mountOptions = ["noatime"]
        sc.parameters = ["fsType": "xfs"]
        let c = claim("data", cls: "fast")
        let pv = ProvisionedVolumeBuilder.build(
            claim: c, storageClass: sc, node: "node-1", made: ProvisionedVolume(path: "/var/lib/pvd/mounts/pvc-uid-data", capacityBytes: 1 << 30),
            name: "pvc-uid-data", loopFSType: "xfs")
        #expect(pv.metadata.name == "pvc-uid-data")
        #expect(pv.spec.claimRef?.uid == "uid-data")
        #expect(pv.spec.claimRef?.name == "data")
        #expect(pv.spec.persistentVolumeReclaimPolicy == .retain)
        #expect(pv.spec.mountOptions == ["noatime"])
        #expect(pv.spec.local?.path == "/var/lib/pvd/mounts/pvc-uid-data")
        #expect(pv.spec.local?.fsType == "xfs")
        #expect(pv.metadata.annotation(Annotations.provisionedBy) == "pvd.io/loop")
        #expect(ProvisionedVolumeBuilder.parameters(of: pv) == ["fsType": "xfs"])
        #expect(NodeAgent(nodeName: "node-1").owns(pv))
        #expect(!NodeAgent(nodeName: "node-2").owns(pv))
        #expect(pv.spec.nodeAffinity?.required?.matches(nodeName: "node-1", labels: [WellKnownLabels.hostname: "node-1"]) == true)
        #expect(pv.validate().isEmpty, "\(pv.validate())")
    }
}
