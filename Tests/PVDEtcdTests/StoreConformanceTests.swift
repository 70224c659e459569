import Foundation
import PVDEtcd
import PVDModel
import PVDStore
import Testing

/// The `ObjectStore` contract, written once and run against both backends: SQLite in a
/// temporary file and etcd on a 3-member cluster started for this suite. Revisions are compared
/// with the store's revision before each case: etcd's is shared by every prefix of the cluster,
/// so the cases run one at a time (another case's writes would move it).
@Suite(.serialized, .etcdCluster, .enabled(if: EtcdCluster.available, "needs Debian's etcd-server"))
struct StoreConformanceTests {
    /// A commit's events say which of them completes its revision: on etcd the writes of one
    /// commit share one revision, and a cache must not call that revision reached before its
    /// last event (a controller run would count the others handled unseen).
    @Test(arguments: Backend.allCases)
    func theLastEventOfARevisionCompletesIt(_ backend: Backend) async throws {
        try await withBackend(backend) { t in
            let collector = EventCollector()
            let task = collect(t.store.watch([.persistentVolume, .persistentVolumeClaim], after: t.base), into: collector)
            _ = try await t.store.commit([
                .create(.persistentVolume(volume("pv-a"))), .create(.persistentVolumeClaim(claim("c-a"))),
                .create(.persistentVolume(volume("pv-b"))),
            ])
            _ = try await t.store.create(volume("pv-c"))
            let events = await collector.waitFor(count: 4)
            #expect(events.count == 4)
            for (i, e) in events.enumerated() {
                let laterSameRevision = events[(i + 1)...].contains { $0.revision == e.revision }
                #expect(e.completesRevision == !laterSameRevision, "event \(i) at \(e.revision): \(e.object.metadata.name)")
            }
            #expect(events.last?.completesRevision == true)
            task.cancel()
        }
    }

    /// Paged lists (the API's limit and continue) give exactly the list, in its order, with
    /// selectors applied across the stretches a page reads: SQLite by its key range, etcd by
    /// the default that lists and cuts.
    @Test(arguments: Backend.allCases)
    func pagesJoinIntoTheList(_ backend: Backend) async throws {
        try await withBackend(backend) { t in
            var writes: [StoreWrite] = []
            for ns in ["a", "b-x", "b"] {
                for i in 0..<12 { writes.append(.create(.persistentVolumeClaim(claim("c\(i)", namespace: ns, labels: i % 3 == 0 ? ["keep": "yes"] : nil)))) }
            }
            _ = try await t.store.commit(writes)
            let selector = try LabelSelector(parsing: "keep=yes")
            for (labels, namespace) in [(nil, nil), (selector, nil), (selector, "b"), (nil, "b-x")] as [(LabelSelector?, String?)] {
                let (whole, _) = try await t.store.list(kind: .persistentVolumeClaim, namespace: namespace, selector: labels)
                for limit in [1, 5, 500] {
                    var pages: [AnyResource] = []
                    var after: ListCursor?
                    var reads = 0
                    repeat {
                        let page = try await t.store.listPage(
                            kind: .persistentVolumeClaim, namespace: namespace, selector: labels, fields: nil, after: after, limit: limit)
                        #expect(page.items.count <= limit)
                        pages += page.items
                        after = page.next
                        reads += 1
                    } while after != nil && reads < 100
                    #expect(pages.map(\.key) == whole.map(\.key), "limit \(limit), \(labels.map { "\($0)" } ?? "all") in \(namespace ?? "every namespace")")
                }
            }
            let range = try await t.store.listRange(PersistentVolumeClaim.self, namespace: nil, after: ListCursor(namespace: "b", name: "c9"), limit: 2)
            #expect(range.items.map(\.key) == ["b-x/c0", "b-x/c1"] && range.more)
        }
    }

    @Test(arguments: Backend.allCases)
    func createAssignsStoreFieldsAndGetReturnsIt(_ backend: Backend) async throws {
        try await withBackend(backend) { t in
            var c = claim("data")
            c.metadata.namespace = nil
            c.metadata.uid = "caller-uid"
            c.metadata.resourceVersion = "42"
            c.metadata.generation = 7
            c.metadata.deletionTimestamp = Time(seconds: 2)
            let before = Time.now()
            let created = try await t.store.create(c)
            #expect(created.metadata.namespace == "default")
            #expect(created.metadata.uid != "caller-uid")
            #expect(UUID(uuidString: created.metadata.uid ?? "") != nil)
            #expect(created.metadata.resourceVersion == t.rv(1))
            #expect(created.metadata.generation == 1)
            #expect(created.metadata.deletionTimestamp == nil)
            #expect((created.metadata.creationTimestamp ?? Time(seconds: 0)) >= before)
            #expect(created.apiVersion == "v1" && created.kindName == "PersistentVolumeClaim")
            #expect(try await t.store.currentRevision() == t.base + 1)
            #expect(try await t.store.get(PersistentVolumeClaim.self, namespace: "default", name: "data") == created)
            #expect(try await t.store.get(PersistentVolumeClaim.self, namespace: nil, name: "data") == created)

            var pv = volume("pv-1")
            pv.metadata.namespace = "ignored"
            let createdPV = try await t.store.create(pv)
            #expect(createdPV.metadata.namespace == nil)
            #expect(createdPV.metadata.resourceVersion == t.rv(2))
            #expect(try await t.second().get(PersistentVolume.self, namespace: nil, name: "pv-1") == createdPV)
        }
    }

    @Test(arguments: Backend.allCases)
    func listFiltersByNamespaceAndSelectorInOrder(_ backend: Backend) async throws {
        try await withBackend(backend) { t in
            _ = try await t.store.create(claim("b", namespace: "team-b", labels: ["tier": "db"]))
            _ = try await t.store.create(claim("z", namespace: "team-a", labels: ["tier": "web"]))
            _ = try await t.store.create(claim("a", namespace: "team-a", labels: ["tier": "db"]))
            // etcd orders "team-a-x/" before "team-a/" byte by byte; the store's order is
            // namespace, then name.
            _ = try await t.store.create(claim("q", namespace: "team-a-x"))
            _ = try await t.store.create(claim("m", namespace: "team-b"))
            _ = try await t.store.create(volume("pv-1"))

            let all = try await t.store.list(PersistentVolumeClaim.self, namespace: nil, selector: nil)
            #expect(all.items.map(\.key) == ["team-a/a", "team-a/z", "team-a-x/q", "team-b/b", "team-b/m"])
            #expect(all.revision == t.base + 6)
            let teamA = try await t.store.list(PersistentVolumeClaim.self, namespace: "team-a", selector: nil)
            #expect(teamA.items.map(\.key) == ["team-a/a", "team-a/z"])
            let db = try await t.store.list(PersistentVolumeClaim.self, namespace: nil, selector: LabelSelector(matchLabels: ["tier": "db"]))
            #expect(db.items.map(\.key) == ["team-a/a", "team-b/b"])
            #expect(try await t.store.list(PersistentVolume.self, namespace: nil, selector: nil).items.map(\.key) == ["pv-1"])
            #expect(try await t.store.list(Pod.self, namespace: nil, selector: nil).items.isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func createRefusesAnExistingNameAndMissingObjectsAreNotFound(_ backend: Backend) async throws {
        try await withBackend(backend) { t in
            _ = try await t.store.create(claim("data"))
            let e = await storeError { () async throws(StoreError) in try await t.store.create(claim("data")) }
            #expect(e == StoreError(.alreadyExists, "pvc default/data: already exists"))
            #expect(try await t.store.currentRevision() == t.base + 1)
            _ = try await t.store.create(claim("data", namespace: "other"))

            let getError = await storeError { () async throws(StoreError) in
                try await t.store.get(PersistentVolumeClaim.self, namespace: "default", name: "x")
            }
            #expect(getError == StoreError(.notFound, "pvc default/x: not found"))
            var c = claim("x")
            c.metadata.resourceVersion = "1"
            let updateError = await storeError { () async throws(StoreError) in try await t.store.update(c) }
            #expect(updateError == StoreError(.notFound, "pvc default/x: not found"))
            let deleteError = await storeError { () async throws(StoreError) in
                try await t.store.delete(PersistentVolume.self, namespace: nil, name: "pv-9", uid: nil)
            }
            #expect(deleteError == StoreError(.notFound, "pv pv-9: not found"))
            #expect(try await t.store.currentRevision() == t.base + 2)
        }
    }

    @Test(arguments: Backend.allCases)
    func updateIsCompareAndSwap(_ backend: Backend) async throws {
        try await withBackend(backend) { t in
            let created = try await t.store.create(volume("pv-1"))
            var first = created
            first.status = PersistentVolumeStatus(phase: .available)
            let updated = try await t.store.update(first)
            #expect(updated.metadata.resourceVersion == t.rv(2))
            #expect(updated.metadata.uid == created.metadata.uid)
            #expect(updated.metadata.creationTimestamp == created.metadata.creationTimestamp)
            #expect(try await t.store.get(PersistentVolume.self, namespace: nil, name: "pv-1") == updated)

            var stale = created
            stale.status = PersistentVolumeStatus(phase: .bound)
            let e = await storeError { () async throws(StoreError) in try await t.store.update(stale) }
            #expect(e == StoreError(.conflict, "pv pv-1: conflict: resourceVersion \(t.rv(1)) is stale, current is \(t.rv(2))"))

            var noVersion = updated
            noVersion.metadata.resourceVersion = nil
            let invalid = await storeError { () async throws(StoreError) in try await t.store.update(noVersion) }
            #expect(invalid == StoreError(.invalid, "pv pv-1: resourceVersion required for update"))
            var otherUID = updated
            otherUID.metadata.uid = "00000000-0000-0000-0000-000000000000"
            #expect(await storeError { () async throws(StoreError) in try await t.store.update(otherUID) }?.code == .conflict)
            #expect(try await t.store.currentRevision() == t.base + 2)
        }
    }

    @Test(arguments: Backend.allCases)
    func twoClientsRaceUpdatesAndLoseNoWrite(_ backend: Backend) async throws {
        try await withBackend(backend) { t in
            let second = try t.second()
            let pv = try await t.store.create(volume("pv-1"))
            var one = pv
            one.metadata.setAnnotation("winner", "first")
            var two = pv
            two.metadata.setAnnotation("winner", "second")
            let store = t.store
            async let r1 = storeError { () async throws(StoreError) in try await store.update(one) }
            async let r2 = storeError { () async throws(StoreError) in try await second.update(two) }
            let errors = [await r1, await r2]
            #expect(errors.filter { $0 == nil }.count == 1)
            #expect(errors.compactMap { $0 }.map(\.code) == [.conflict])
            let stored = try await store.get(PersistentVolume.self, namespace: nil, name: "pv-1")
            #expect(stored.metadata.annotation("winner") == (errors[0] == nil ? "first" : "second"))

            async let a: Void = increment(store, times: 25)
            async let b: Void = increment(second, times: 25)
            _ = try await (a, b)
            #expect(try await second.get(PersistentVolume.self, namespace: nil, name: "pv-1").metadata.annotation("count") == "50")
        }
    }

    @Test(arguments: Backend.allCases)
    func generationMovesOnlyWithTheSpec(_ backend: Backend) async throws {
        try await withBackend(backend) { t in
            var pv = try await t.store.create(volume("pv-1"))
            pv.status = PersistentVolumeStatus(phase: .available, message: "ready")
            pv = try await t.store.update(pv)
            #expect(pv.metadata.generation == 1)
            pv.metadata.labels = ["zone": "a"]
            pv.metadata.addFinalizer("kubernetes.io/pv-protection")
            pv.metadata.generation = 40
            pv = try await t.store.update(pv)
            #expect(pv.metadata.generation == 1)
            pv.spec.claimRef = ObjectReference(kind: "PersistentVolumeClaim", namespace: "default", name: "data")
            pv = try await t.store.update(pv)
            #expect(pv.metadata.generation == 2)
            pv = try await t.store.update(pv)
            #expect(pv.metadata.generation == 2)
            #expect(pv.metadata.resourceVersion == t.rv(5))
            #expect(try await t.store.get(PersistentVolume.self, namespace: nil, name: "pv-1") == pv)

            // As an apply sends it: built from a manifest, only the resourceVersion known.
            var fresh = volume("pv-1", size: 2 << 30)
            fresh.metadata.resourceVersion = pv.metadata.resourceVersion
            let applied = try await t.store.update(fresh)
            #expect(applied.metadata.uid == pv.metadata.uid)
            #expect(applied.metadata.creationTimestamp == pv.metadata.creationTimestamp)
            #expect(applied.metadata.generation == 3)
        }
    }

    @Test(arguments: Backend.allCases)
    func deleteWaitsForFinalizersAndChecksTheUID(_ backend: Backend) async throws {
        try await withBackend(backend) { t in
            var c = claim("data")
            c.metadata.addFinalizer("kubernetes.io/pvc-protection")
            let created = try await t.store.create(c)
            let deleting = try #require(try await t.store.delete(PersistentVolumeClaim.self, namespace: "default", name: "data", uid: nil))
            let stamp = try #require(deleting.metadata.deletionTimestamp)
            #expect(deleting.metadata.resourceVersion == t.rv(2))
            #expect(try await t.store.get(PersistentVolumeClaim.self, namespace: "default", name: "data") == deleting)
            #expect(try await t.store.delete(PersistentVolumeClaim.self, namespace: "default", name: "data", uid: nil) == deleting)
            #expect(try await t.store.currentRevision() == t.base + 2)

            var clear = deleting
            clear.metadata.deletionTimestamp = nil
            clear.metadata.setAnnotation("note", "still here")
            let kept = try await t.store.update(clear)
            #expect(kept.metadata.deletionTimestamp == stamp)
            #expect(kept.metadata.uid == created.metadata.uid)

            var release = kept
            release.metadata.removeFinalizer("kubernetes.io/pvc-protection")
            let last = try await t.store.update(release)
            #expect(last.metadata.finalizers == nil)
            #expect(last.metadata.resourceVersion == t.rv(4))
            #expect(await storeError { () async throws(StoreError) in
                try await t.store.get(PersistentVolumeClaim.self, namespace: "default", name: "data")
            }?.code == .notFound)

            let pv = try await t.store.create(volume("pv-1"))
            let wrongUID = await storeError { () async throws(StoreError) in
                try await t.store.delete(PersistentVolume.self, namespace: nil, name: "pv-1", uid: "someone-else")
            }
            #expect(wrongUID?.code == .conflict)
            #expect(try await t.store.delete(PersistentVolume.self, namespace: nil, name: "pv-1", uid: pv.metadata.uid) == nil)
            #expect(try await t.store.create(volume("pv-1")).metadata.uid != pv.metadata.uid)
        }
    }

    /// A resourceVersion precondition is decided in the delete's own commit: a version another
    /// write has moved past is a conflict and deletes nothing.
    @Test(arguments: Backend.allCases)
    func deleteChecksTheResourceVersionInItsCommit(_ backend: Backend) async throws {
        try await withBackend(backend) { t in
            let first = try await t.store.create(volume("pv-1"))
            var changed = first
            changed.metadata.labels = ["moved": "on"]
            let second = try await t.store.update(changed)
            let stale = await storeError { () async throws(StoreError) in
                try await t.store.delete(kind: .persistentVolume, namespace: nil, name: "pv-1", resourceVersion: first.metadata.resourceVersion)
            }
            #expect(stale?.code == .conflict, "\(String(describing: stale))")
            #expect(try await t.store.get(PersistentVolume.self, namespace: nil, name: "pv-1") == second)
            #expect(try await t.store.delete(kind: .persistentVolume, namespace: nil, name: "pv-1", resourceVersion: second.metadata.resourceVersion) == nil)
            #expect(await storeError { () async throws(StoreError) in
                try await t.store.get(PersistentVolume.self, namespace: nil, name: "pv-1")
            }?.code == .notFound)
        }
    }

    @Test(arguments: Backend.allCases)
    func commitAppliesWritesInOrderAllOrNothing(_ backend: Backend) async throws {
        try await withBackend(backend) { t in
            let pv = try await t.store.create(volume("pv-1"))
            var bound = pv
            bound.spec.claimRef = ObjectReference(kind: "PersistentVolumeClaim", namespace: "default", name: "data")
            let results = try await t.store.commit([
                .create(AnyResource(claim("data"))),
                .update(AnyResource(bound)),
                .create(AnyResource(volume("pv-2"))),
                .delete(kind: .persistentVolume, namespace: nil, name: "pv-2", uid: nil),
            ])
            #expect(results.count == 4)
            #expect(results[1]?.metadata.generation == 2)
            #expect(results[3] == nil)
            // SQLite gives each write its own revision; etcd gives a txn's writes one.
            let revisions = results.compactMap { $0?.metadata.resourceVersion.flatMap { Int64($0) } }
            #expect(revisions == revisions.sorted() && revisions.allSatisfy { $0 > t.base + 1 })
            #expect(await storeError { () async throws(StoreError) in
                try await t.store.get(PersistentVolume.self, namespace: nil, name: "pv-2")
            }?.code == .notFound)

            let a = try await t.store.create(volume("pv-a"))
            let b = try await t.store.create(volume("pv-b"))
            var staleB = b
            staleB.metadata.labels = ["x": "1"]
            _ = try await t.store.update(staleB)
            let before = try await t.store.currentRevision()
            let pvsBefore = try await t.store.list(PersistentVolume.self, namespace: nil, selector: nil).items
            var newA = a
            newA.status = PersistentVolumeStatus(phase: .available)
            let e = await storeError { () async throws(StoreError) in
                try await t.store.commit([
                    .create(AnyResource(claim("other"))),
                    .update(AnyResource(newA)),
                    .update(AnyResource(staleB)),
                    .create(AnyResource(volume("pv-c"))),
                ])
            }
            #expect(e?.code == .conflict)
            #expect(e?.message.hasPrefix("pv pv-b: conflict: resourceVersion \(b.metadata.resourceVersion ?? "") is stale") == true)
            let other = try t.second()
            for s in [t.store, other] {
                #expect(try await s.currentRevision() == before)
                #expect(try await s.list(PersistentVolume.self, namespace: nil, selector: nil).items == pvsBefore)
                #expect(try await s.list(PersistentVolumeClaim.self, namespace: nil, selector: nil).items.map(\.key) == ["default/data"])
            }
            #expect(try await t.store.commit([]).isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func watchReplaysFromARevisionThenFollowsBothClients(_ backend: Backend) async throws {
        try await withBackend(backend) { t in
            var c = claim("data")
            c.metadata.addFinalizer("kubernetes.io/pvc-protection")
            c = try await t.store.create(c)                                                      // 1 ADDED
            _ = try await t.store.create(volume("pv-1"))                                        // 2 (other kind)
            c.status = PersistentVolumeClaimStatus(phase: .bound)
            c = try await t.store.update(c)                                                      // 3 MODIFIED
            _ = try await t.store.delete(PersistentVolumeClaim.self, namespace: "default", name: "data", uid: nil)  // 4 MODIFIED

            let collector = EventCollector()
            let task = collect(t.store.watch([.persistentVolumeClaim], after: t.base), into: collector)
            let replayed = await collector.waitFor(count: 3)
            #expect(replayed.map(\.revision) == [t.base + 1, t.base + 3, t.base + 4])
            #expect(replayed.map(\.type) == [.added, .modified, .modified])
            #expect(replayed.last?.object.metadata.deletionTimestamp != nil)

            var d = try await t.store.get(PersistentVolumeClaim.self, namespace: "default", name: "data")
            d.metadata.removeFinalizer("kubernetes.io/pvc-protection")
            _ = try await t.store.update(d)                                                      // 5 DELETED
            let afterLocal = await collector.waitFor(count: 4)
            #expect(afterLocal.last?.type == .deleted)
            #expect(afterLocal.last?.revision == t.base + 5)
            #expect(afterLocal.last?.object.metadata.name == "data")
            #expect(afterLocal.last?.object.metadata.resourceVersion == t.rv(5))

            let other = try t.second()
            _ = try await other.create(claim("other", namespace: "ns"))                          // 6 ADDED
            _ = try await other.create(volume("pv-2"))                                          // 7
            _ = try await other.delete(PersistentVolumeClaim.self, namespace: "ns", name: "other", uid: nil)  // 8 DELETED
            let all = await collector.waitFor(count: 6)
            #expect(all.map(\.revision) == [1, 3, 4, 5, 6, 8].map { t.base + $0 })
            #expect(all.suffix(2).map(\.type) == [.added, .deleted])
            #expect(await collector.failure == nil)
            task.cancel()
            _ = await task.value

            // From the middle, of several kinds.
            let middle = EventCollector()
            let again = collect(t.store.watch([.persistentVolume, .persistentVolumeClaim], after: t.base + 5), into: middle)
            let tail = await middle.waitFor(count: 3)
            #expect(tail.map(\.revision) == [6, 7, 8].map { t.base + $0 })
            #expect(tail.map(\.object.kind) == [.persistentVolumeClaim, .persistentVolume, .persistentVolumeClaim])
            again.cancel()
            _ = await again.value
        }
    }

    @Test(arguments: Backend.allCases)
    func watchFromACompactedRevisionFailsAndARelistGoesOn(_ backend: Backend) async throws {
        try await withBackend(backend, historyLimit: 10) { t in
            for i in 0..<30 { _ = try await t.store.create(volume("pv-\(i)")) }
            try await t.compactAll()
            let collector = EventCollector()
            let task = collect(t.store.watch([.persistentVolume], after: t.base), into: collector)
            let failure = try #require(await collector.waitForFailure() as? StoreError)
            #expect(failure.code == .compacted)
            #expect(await collector.events.isEmpty)
            _ = await task.value

            // What an informer does then: list, and watch from the list's revision.
            let list = try await t.store.list(PersistentVolume.self, namespace: nil, selector: nil)
            #expect(list.items.count == 30)
            let live = EventCollector()
            let follow = collect(t.store.watch([.persistentVolume], after: list.revision), into: live)
            let last = try await t.store.create(volume("pv-new"))
            let events = await live.waitFor(count: 1)
            #expect(events.map(\.object.metadata.name) == ["pv-new"])
            #expect(events.first?.object.metadata.resourceVersion == last.metadata.resourceVersion)
            #expect(await live.failure == nil)
            follow.cancel()
            _ = await follow.value
        }
    }

    @Test(arguments: Backend.allCases)
    func restoreKeepsWhatACreateWouldAssign(_ backend: Backend) async throws {
        try await withBackend(backend) { t in
            var c = claim("data")
            c.metadata.uid = "0b5c3a0e-2f44-4c61-9d0e-4a1f3b7c9e21"
            c.metadata.creationTimestamp = Time(seconds: 1_700_000_000)
            c.metadata.deletionTimestamp = Time(seconds: 1_700_000_100)
            c.metadata.generation = 4
            c.metadata.finalizers = ["kubernetes.io/pvc-protection"]
            c.metadata.resourceVersion = "999999"
            c.status = PersistentVolumeClaimStatus(phase: .bound)
            try await t.store.restore([AnyResource(c), AnyResource(volume("pv-1"))], replacing: false)
            let got = try await t.store.get(PersistentVolumeClaim.self, namespace: "default", name: "data")
            var expected = c
            expected.setTypeMeta()
            expected.metadata.resourceVersion = got.metadata.resourceVersion
            #expect(got == expected)
            let taken = await storeError { () async throws(StoreError) in
                try await t.store.restore([AnyResource(volume("pv-2")), AnyResource(c)], replacing: false)
            }
            #expect(taken == StoreError(.alreadyExists, "pvc default/data: already exists"))
            #expect(await storeError { () async throws(StoreError) in
                try await t.store.get(PersistentVolume.self, namespace: nil, name: "pv-2")
            }?.code == .notFound)
            try await t.store.restore([AnyResource(c)], replacing: true)
        }
    }

    /// Prints the figures the design note quotes; asserts only correctness.
    @Test(arguments: Backend.allCases)
    func tenThousandObjectListAndCASLatency(_ backend: Backend) async throws {
        try await withBackend(backend) { t in
            let n = 10_000
            let batch = t.store.maxWritesPerCommit.map { min($0, 100) } ?? 1_000
            var i = 0
            while i < n {
                _ = try await t.store.commit((i..<min(n, i + batch)).map { .create(AnyResource(volume("pv-\(String(format: "%05d", $0))"))) })
                i += batch
            }
            let clock = ContinuousClock()
            var list = ObjectList<PersistentVolume>(items: [], revision: 0)
            let listTime = try await clock.measure { list = try await t.store.list(PersistentVolume.self, namespace: nil, selector: nil) }
            #expect(list.items.count == n)
            #expect(list.items.map(\.metadata.name) == (0..<n).map { "pv-\(String(format: "%05d", $0))" })
            #expect(list.revision == (try await t.store.currentRevision()))

            var pv = list.items[0]
            var latencies: [Double] = []
            for k in 0..<200 {
                pv.metadata.setAnnotation("k", String(k))
                let d = try await clock.measure { pv = try await t.store.update(pv) }
                latencies.append(d.seconds * 1000)
            }
            var reads: [Double] = []
            for _ in 0..<200 {
                let d = try await clock.measure { _ = try await t.store.get(PersistentVolume.self, namespace: nil, name: "pv-00001") }
                reads.append(d.seconds * 1000)
            }
            func percentile(_ xs: [Double], _ p: Int) -> String { String(format: "%.2f", xs.sorted()[xs.count * p / 100]) }
            print("""
                pvd conformance [\(backend)]: list of \(n) in \(listTime); CAS update p50 \(percentile(latencies, 50)) ms \
                p99 \(percentile(latencies, 99)) ms; get p50 \(percentile(reads, 50)) ms p99 \(percentile(reads, 99)) ms
                """)
        }
    }
}

/// Adds one to the "count" annotation of pv-1 `times` times, retrying on conflict as a controller does.
func increment(_ store: any ObjectStore, times: Int) async throws {
    for _ in 0..<times {
        while true {
            var current = try await store.get(PersistentVolume.self, namespace: nil, name: "pv-1")
            current.metadata.setAnnotation("count", String((Int(current.metadata.annotation("count") ?? "0") ?? 0) + 1))
            do {
                _ = try await store.update(current)
                break
            } catch {
                if error.code != .conflict { throw error }
            }
        }
    }
}
