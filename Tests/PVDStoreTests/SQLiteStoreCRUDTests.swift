import Foundation
import PVDModel
import PVDStore
import Testing

struct SQLiteStoreCRUDTests {
    @Test func createAssignsStoreFieldsAndGetReturnsIt() async throws {
        try await withStore { store, _ in
            var c = claim("data")
            c.metadata.namespace = nil
            // Whatever the caller puts in store-owned fields is ignored.
            c.metadata.uid = "caller-uid"
            c.metadata.resourceVersion = "42"
            c.metadata.generation = 7
            c.metadata.creationTimestamp = Time(seconds: 1)
            c.metadata.deletionTimestamp = Time(seconds: 2)
            let before = Time.now()
            let created = try await store.create(c)
            #expect(created.metadata.namespace == "default")
            #expect(created.metadata.uid != "caller-uid")
            #expect(created.metadata.uid == created.metadata.uid?.lowercased())
            #expect(UUID(uuidString: created.metadata.uid ?? "") != nil)
            #expect(created.metadata.resourceVersion == "1")
            #expect(created.metadata.generation == 1)
            #expect(created.metadata.deletionTimestamp == nil)
            #expect((created.metadata.creationTimestamp ?? Time(seconds: 0)) >= before)
            #expect(created.apiVersion == "v1" && created.kindName == "PersistentVolumeClaim")
            #expect(try await store.currentRevision() == 1)

            let got = try await store.get(PersistentVolumeClaim.self, namespace: "default", name: "data")
            #expect(got == created)
            // A nil namespace for a namespaced kind means "default", as kubectl's does.
            #expect(try await store.get(PersistentVolumeClaim.self, namespace: nil, name: "data") == created)

            var pv = volume("pv-1")
            pv.metadata.namespace = "ignored"
            let createdPV = try await store.create(pv)
            #expect(createdPV.metadata.namespace == nil)
            #expect(createdPV.metadata.resourceVersion == "2")
            #expect(try await store.get(PersistentVolume.self, namespace: nil, name: "pv-1") == createdPV)
        }
    }

    @Test func listFiltersByNamespaceAndSelectorInOrder() async throws {
        try await withStore { store, _ in
            _ = try await store.create(claim("b", namespace: "team-b", labels: ["tier": "db"]))
            _ = try await store.create(claim("z", namespace: "team-a", labels: ["tier": "web"]))
            _ = try await store.create(claim("a", namespace: "team-a", labels: ["tier": "db"]))
            _ = try await store.create(claim("m", namespace: "team-b"))
            _ = try await store.create(volume("pv-1"))

            let all = try await store.list(PersistentVolumeClaim.self, namespace: nil, selector: nil)
            #expect(all.items.map(\.key) == ["team-a/a", "team-a/z", "team-b/b", "team-b/m"])
            #expect(all.revision == 5)

            let teamA = try await store.list(PersistentVolumeClaim.self, namespace: "team-a", selector: nil)
            #expect(teamA.items.map(\.key) == ["team-a/a", "team-a/z"])

            let db = try await store.list(PersistentVolumeClaim.self, namespace: nil, selector: LabelSelector(matchLabels: ["tier": "db"]))
            #expect(db.items.map(\.key) == ["team-a/a", "team-b/b"])

            let labelled = try await store.list(
                PersistentVolumeClaim.self, namespace: "team-b",
                selector: LabelSelector(matchExpressions: [LabelSelectorRequirement(key: "tier", operator: "Exists")]))
            #expect(labelled.items.map(\.key) == ["team-b/b"])

            let pvs = try await store.list(PersistentVolume.self, namespace: nil, selector: nil)
            #expect(pvs.items.map(\.key) == ["pv-1"])
            #expect(try await store.list(Pod.self, namespace: nil, selector: nil).items.isEmpty)
        }
    }

    @Test func createRefusesAnExistingName() async throws {
        try await withStore { store, _ in
            _ = try await store.create(claim("data"))
            let e = await storeError { () async throws(StoreError) in try await store.create(claim("data")) }
            #expect(e?.code == .alreadyExists)
            #expect(e?.message == "pvc default/data: already exists")
            // The failed create wrote nothing.
            #expect(try await store.currentRevision() == 1)
            // The same name in another namespace is another object.
            _ = try await store.create(claim("data", namespace: "other"))
            _ = try await store.create(volume("pv-1"))
            let pvError = await storeError { () async throws(StoreError) in try await store.create(volume("pv-1")) }
            #expect(pvError?.message == "pv pv-1: already exists")
        }
    }

    @Test func missingObjectsAreNotFound() async throws {
        try await withStore { store, _ in
            let getError = await storeError { () async throws(StoreError) in
                try await store.get(PersistentVolumeClaim.self, namespace: "default", name: "x")
            }
            #expect(getError == StoreError(.notFound, "pvc default/x: not found"))

            var c = claim("x")
            c.metadata.resourceVersion = "1"
            let updateError = await storeError { () async throws(StoreError) in try await store.update(c) }
            #expect(updateError == StoreError(.notFound, "pvc default/x: not found"))

            let deleteError = await storeError { () async throws(StoreError) in
                try await store.delete(PersistentVolume.self, namespace: nil, name: "pv-9", uid: nil)
            }
            #expect(deleteError == StoreError(.notFound, "pv pv-9: not found"))
            let revision = try await store.currentRevision()
            #expect(revision == 0)
        }
    }

    @Test func updateIsCompareAndSwap() async throws {
        try await withStore { store, _ in
            let created = try await store.create(volume("pv-1"))
            var first = created
            first.status = PersistentVolumeStatus(phase: .available)
            let updated = try await store.update(first)
            #expect(updated.metadata.resourceVersion == "2")
            #expect(updated.metadata.uid == created.metadata.uid)
            #expect(updated.metadata.creationTimestamp == created.metadata.creationTimestamp)
            #expect(try await store.get(PersistentVolume.self, namespace: nil, name: "pv-1") == updated)

            // A second writer still holding revision 1 loses.
            var stale = created
            stale.status = PersistentVolumeStatus(phase: .bound)
            let e = await storeError { () async throws(StoreError) in try await store.update(stale) }
            #expect(e == StoreError(.conflict, "pv pv-1: conflict: resourceVersion 1 is stale, current is 2"))

            var noVersion = updated
            noVersion.metadata.resourceVersion = nil
            let invalid = await storeError { () async throws(StoreError) in try await store.update(noVersion) }
            #expect(invalid?.code == .invalid)
            #expect(invalid?.message == "pv pv-1: resourceVersion required for update")

            var otherUID = updated
            otherUID.metadata.uid = "00000000-0000-0000-0000-000000000000"
            let uidError = await storeError { () async throws(StoreError) in try await store.update(otherUID) }
            #expect(uidError?.code == .conflict)
            #expect(try await store.currentRevision() == 2)
        }
    }

    @Test func generationMovesOnlyWithTheSpec() async throws {
        try await withStore { store, _ in
            var pv = try await store.create(volume("pv-1"))
            #expect(pv.metadata.generation == 1)

            pv.status = PersistentVolumeStatus(phase: .available, message: "ready")
            pv = try await store.update(pv)
            #expect(pv.metadata.generation == 1)

            pv.metadata.labels = ["zone": "a"]
            pv.metadata.setAnnotation("pv.kubernetes.io/bound-by-controller", "yes")
            pv.metadata.addFinalizer("kubernetes.io/pv-protection")
            pv = try await store.update(pv)
            #expect(pv.metadata.generation == 1)

            // A caller cannot set generation itself.
            pv.metadata.generation = 40
            pv = try await store.update(pv)
            #expect(pv.metadata.generation == 1)

            pv.spec.claimRef = ObjectReference(kind: "PersistentVolumeClaim", namespace: "default", name: "data")
            pv = try await store.update(pv)
            #expect(pv.metadata.generation == 2)
            #expect(pv.metadata.resourceVersion == "5")

            // Unchanged spec, unchanged generation, but still a write with a new revision.
            pv = try await store.update(pv)
            #expect(pv.metadata.generation == 2)
            #expect(pv.metadata.resourceVersion == "6")
            #expect(try await store.get(PersistentVolume.self, namespace: nil, name: "pv-1") == pv)
        }
    }

    @Test func deleteWithFinalizersWaitsForThem() async throws {
        try await withStore { store, _ in
            var c = claim("data")
            c.metadata.addFinalizer("kubernetes.io/pvc-protection")
            let created = try await store.create(c)

            let deleting = try #require(try await store.delete(PersistentVolumeClaim.self, namespace: "default", name: "data", uid: nil))
            let stamp = try #require(deleting.metadata.deletionTimestamp)
            #expect(deleting.metadata.resourceVersion == "2")
            #expect(try await store.get(PersistentVolumeClaim.self, namespace: "default", name: "data") == deleting)

            // Deleting again changes nothing.
            let again = try await store.delete(PersistentVolumeClaim.self, namespace: "default", name: "data", uid: nil)
            #expect(again == deleting)
            #expect(try await store.currentRevision() == 2)

            // An update cannot clear deletionTimestamp.
            var clear = deleting
            clear.metadata.deletionTimestamp = nil
            clear.metadata.setAnnotation("note", "still here")
            let kept = try await store.update(clear)
            #expect(kept.metadata.deletionTimestamp == stamp)
            #expect(kept.metadata.uid == created.metadata.uid)

            // Removing the last finalizer removes the object, returning it as last seen.
            var release = kept
            release.metadata.removeFinalizer("kubernetes.io/pvc-protection")
            let last = try await store.update(release)
            #expect(last.metadata.finalizers == nil)
            #expect(last.metadata.resourceVersion == "4")
            let gone = await storeError { () async throws(StoreError) in
                try await store.get(PersistentVolumeClaim.self, namespace: "default", name: "data")
            }
            #expect(gone?.code == .notFound)
        }
    }

    @Test func deleteWithoutFinalizersRemovesAndChecksUID() async throws {
        try await withStore { store, _ in
            let pv = try await store.create(volume("pv-1"))
            let wrongUID = await storeError { () async throws(StoreError) in
                try await store.delete(PersistentVolume.self, namespace: nil, name: "pv-1", uid: "someone-else")
            }
            #expect(wrongUID?.code == .conflict)
            #expect(wrongUID?.message.hasPrefix("pv pv-1: conflict") == true)

            let result = try await store.delete(PersistentVolume.self, namespace: nil, name: "pv-1", uid: pv.metadata.uid)
            #expect(result == nil)
            #expect(try await store.currentRevision() == 2)
            #expect(try await store.list(PersistentVolume.self, namespace: nil, selector: nil).items.isEmpty)
            // The name is free again, for a new object with a new uid.
            let again = try await store.create(volume("pv-1"))
            #expect(again.metadata.uid != pv.metadata.uid)
        }
    }

    @Test func updateFromAFreshlyBuiltObjectKeepsStoreFields() async throws {
        try await withStore { store, _ in
            let created = try await store.create(volume("pv-1", size: 1 << 30))
            // As an apply would send it: built from a manifest, with only the resourceVersion known.
            var fresh = volume("pv-1", size: 2 << 30)
            fresh.metadata.resourceVersion = created.metadata.resourceVersion
            let updated = try await store.update(fresh)
            #expect(updated.metadata.uid == created.metadata.uid)
            #expect(updated.metadata.creationTimestamp == created.metadata.creationTimestamp)
            #expect(updated.metadata.generation == 2)
            #expect(updated.metadata.resourceVersion == "2")
            #expect(try await store.get(PersistentVolume.self, namespace: nil, name: "pv-1") == updated)
        }
    }

    @Test func labelsNamedLikeStoreFieldsSurviveWrites() async throws {
        try await withStore { store, _ in
            var c = claim("data", labels: ["resourceVersion": "label", "generation": "label"])
            c.metadata.annotations = ["resourceVersion": "\"quoted\"", "metadata": "{}"]
            c = try await store.create(c)
            c.status = PersistentVolumeClaimStatus(phase: .bound)
            c = try await store.update(c)
            _ = try await store.update(c)
            let got = try await store.get(PersistentVolumeClaim.self, namespace: "default", name: "data")
            #expect(got.metadata.labels == ["resourceVersion": "label", "generation": "label"])
            #expect(got.metadata.annotations == ["resourceVersion": "\"quoted\"", "metadata": "{}"])
            #expect(got.metadata.resourceVersion == "3")
            #expect(got.metadata.generation == 1)
        }
    }
}
