@testable import PVDControllers
import PVDModel
import PVDStore
import Testing

/// The order a pass commits its writes in: rows as the store lays them out.
struct WritePlanOrderTests {
    private func claim(_ name: String, namespace: String, rv: String?) -> StoreWrite {
        var c = PersistentVolumeClaim(name: name, namespace: namespace)
        c.metadata.resourceVersion = rv
        return .update(.persistentVolumeClaim(c))
    }

    private func label(_ w: StoreWrite) -> String {
        switch w {
        case .create(let o), .update(let o): "\(o.kind.shortName) \(o.metadata.namespace ?? "")/\(o.metadata.name)"
        case .delete(let kind, let ns, let name, _, _): "delete \(kind.shortName) \(ns ?? "")/\(name)"
        }
    }

    @Test func aVolumeDecidedTwiceIsWrittenOnceWithTheLaterDecision() {
        var plan = WritePlan(volumes: 2)
        var available = PersistentVolume(name: "pv-1")
        available.status = PersistentVolumeStatus(phase: .available)
        var bound = available
        bound.status = PersistentVolumeStatus(phase: .bound)
        plan.put(available)
        plan.put(PersistentVolumeClaim(name: "c", namespace: "a"))
        plan.put(PersistentVolume(name: "pv-2"))
        plan.put(bound)
        let writes = plan.take()
        #expect(writes.map(label) == ["pv /pv-1", "pvc a/c", "pv /pv-2"])
        guard case .update(.persistentVolume(let first)) = writes.first else {
            Issue.record("first write is not a volume update")
            return
        }
        #expect(first.phase == .bound)
        #expect(plan.take().isEmpty)
    }

    @Test func updatesGoInCreationOrderByResourceVersionNotByKey() {
        // Key order would be a/claim-10, a/claim-9, b/claim-1; rows sit in creation order.
        var writes = [
            claim("claim-9", namespace: "a", rv: "90"),
            claim("claim-1", namespace: "b", rv: "7"),
            claim("claim-10", namespace: "a", rv: "100"),
        ]
        WritePlan.sortInStoreOrder(&writes)
        #expect(writes.map(label) == ["pvc b/claim-1", "pvc a/claim-9", "pvc a/claim-10"])
    }

    @Test func kindsStayApartAndUpdatesWithoutRevisionGoLastByKey() {
        var pv = PersistentVolume(name: "pv-2")
        pv.metadata.resourceVersion = "5"
        var writes: [StoreWrite] = [
            claim("z", namespace: "a", rv: nil),
            .create(.persistentVolumeClaim(PersistentVolumeClaim(name: "new", namespace: "a"))),
            claim("y", namespace: "a", rv: "3"),
            .update(.persistentVolume(pv)),
        ]
        WritePlan.sortInStoreOrder(&writes)
        #expect(writes.map(label) == ["pv /pv-2", "pvc a/y", "pvc a/new", "pvc a/z"])
    }
}
