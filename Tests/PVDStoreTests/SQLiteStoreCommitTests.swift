import Foundation
import PVDModel
import PVDStore
import Testing

struct SQLiteStoreCommitTests {
    @Test func commitGivesEachWriteItsOwnRevision() async throws {
        try await withStore { store, _ in
            let pv = try await store.create(volume("pv-1"))
            var bound = pv
            bound.spec.claimRef = ObjectReference(kind: "PersistentVolumeClaim", namespace: "default", name: "data")
            let results = try await store.commit([
                .create(AnyResource(claim("data"))),
                .update(AnyResource(bound)),
                .create(AnyResource(volume("pv-2"))),
                .delete(kind: .persistentVolume, namespace: nil, name: "pv-2", uid: nil),
            ])
            #expect(results.count == 4)
            #expect(results[0]?.metadata.resourceVersion == "2")
            #expect(results[1]?.metadata.resourceVersion == "3")
            #expect(results[1]?.metadata.generation == 2)
            #expect(results[2]?.metadata.resourceVersion == "4")
            #expect(results[3] == nil)
            #expect(try await store.currentRevision() == 5)
            #expect(try await store.commit([]).isEmpty)
        }
    }

    @Test func commitIsAllOrNothing() async throws {
        try await withStore { store, path in
            let a = try await store.create(volume("pv-a"))
            let b = try await store.create(volume("pv-b"))
            var staleB = b
            staleB.metadata.labels = ["x": "1"]
            _ = try await store.update(staleB)  // b is now at revision 3; staleB still says 2

            let pvsBefore = try await store.list(PersistentVolume.self, namespace: nil, selector: nil)
            let claimsBefore = try await store.list(PersistentVolumeClaim.self, namespace: nil, selector: nil)
            let revisionBefore = try await store.currentRevision()

            var newA = a
            newA.status = PersistentVolumeStatus(phase: .available)
            let e = await storeError { () async throws(StoreError) in
                try await store.commit([
                    .create(AnyResource(claim("data"))),
                    .update(AnyResource(newA)),
                    .update(AnyResource(staleB)),
                    .create(AnyResource(volume("pv-c"))),
                ])
            }
            #expect(e == StoreError(.conflict, "pv pv-b: conflict: resourceVersion 2 is stale, current is 3"))

            // Nothing of the batch is visible, through this store or a fresh one on the same file.
            let reopened = try SQLiteStore(path: path, createIfMissing: false)
            for s in [store, reopened] {
                #expect(try await s.currentRevision() == revisionBefore)
                let pvsAfter = try await s.list(PersistentVolume.self, namespace: nil, selector: nil)
                let claimsAfter = try await s.list(PersistentVolumeClaim.self, namespace: nil, selector: nil)
                #expect(pvsAfter.items == pvsBefore.items && pvsAfter.revision == pvsBefore.revision)
                #expect(claimsAfter.items == claimsBefore.items)
            }
            // The revisions the failed batch would have used are used by the next write.
            let next = try await store.create(volume("pv-c"))
            #expect(next.metadata.resourceVersion == String(revisionBefore + 1))
        }
    }

    @Test func twoStoresOnOneFileRaceUpdates() async throws {
        try await withStore { first, path in
            let second = try SQLiteStore(path: path, createIfMissing: false)
            let pv = try await first.create(volume("pv-1"))
            #expect(try await second.get(PersistentVolume.self, namespace: nil, name: "pv-1") == pv)

            // Both start from the same resourceVersion: exactly one may win.
            var one = pv
            one.metadata.setAnnotation("winner", "first")
            var two = pv
            two.metadata.setAnnotation("winner", "second")
            async let r1 = storeError { () async throws(StoreError) in try await first.update(one) }
            async let r2 = storeError { () async throws(StoreError) in try await second.update(two) }
            let errors = [await r1, await r2]
            #expect(errors.filter { $0 == nil }.count == 1)
            #expect(errors.compactMap { $0 }.map(\.code) == [.conflict])
            let stored = try await first.get(PersistentVolume.self, namespace: nil, name: "pv-1")
            #expect(stored.metadata.annotation("winner") == (errors[0] == nil ? "first" : "second"))

            // Read-modify-write loops with retry on conflict lose no increment.
            // Read-modify-write loops with retry on conflict lose no increment.
            async let a: Void = increment(first, times: 40)
            async let b: Void = increment(second, times: 40)
            _ = try await (a, b)
            let final = try await second.get(PersistentVolume.self, namespace: nil, name: "pv-1")
            #expect(final.metadata.annotation("count") == "80")
        }
    }

    /// 10,000 creates and then 10,000 updates, each one transaction, all land with their
    /// revisions and generations. (Their speed is `pvd-bench commit`'s to measure.)
    @Test func largeCommitsLandWhole() async throws {
        try await withStore { store, _ in
            let n = 10_000
            let created = try await store.commit((0..<n).map { StoreWrite.create(AnyResource(volume("pv-\($0)"))) })
            #expect(created.count == n)

            let updates = created.compactMap { r -> StoreWrite? in
                guard var pv = r?.as(PersistentVolume.self) else { return nil }
                pv.status = PersistentVolumeStatus(phase: .available)
                pv.spec.claimRef = ObjectReference(kind: "PersistentVolumeClaim", namespace: "default", name: pv.metadata.name)
                return .update(AnyResource(pv))
            }
            let updated = try await store.commit(updates)
            #expect(updated.count == n)
            #expect(updated.last??.metadata.generation == 2)
            #expect(try await store.currentRevision() == Int64(2 * n))
            let all = try await store.list(PersistentVolume.self, namespace: nil, selector: nil)
            #expect(all.items.count == n)
        }
    }

    /// The log is copied into the database file by the background checkpointer, not left to
    /// pile up until the writer's own (far higher) threshold: the writer never waits for it.
    @Test func backgroundCheckpointCopiesTheLogIntoTheFile() async throws {
        try await withStore { store, path in
            let sizeBefore = try fileSize(path)
            var i = 0
            while i < 9_000 {
                _ = try await store.commit((i..<(i + 1_000)).map { StoreWrite.create(AnyResource(volume("pv-\($0)"))) })
                i += 1_000
            }
            // Well under the writer's backstop, so only the background checkpoint can have
            // grown the file. It runs on its own thread: allow it time.
            let deadline = ContinuousClock.now + .seconds(60)
            while try fileSize(path) < sizeBefore + 1_000_000, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            let sizeAfter = try fileSize(path)
            #expect(sizeAfter >= sizeBefore + 1_000_000, "the database file did not grow: nothing was checkpointed")
            let all = try await store.list(PersistentVolume.self, namespace: nil, selector: nil)
            #expect(all.items.count == 9_000)
        }
    }

    /// `checkpoint()` leaves nothing in the log: everything is in the database file.
    @Test func checkpointEmptiesTheLog() async throws {
        try await withStore { store, path in
            // Enough rows that the background checkpointer has most likely just started one,
            // which SQLite would not wait for.
            var i = 0
            while i < 9_000 {
                _ = try await store.commit((i..<(i + 1_000)).map { StoreWrite.create(AnyResource(volume("pv-\($0)"))) })
                i += 1_000
            }
            let before = try fileSize(path + "-wal")
            try await store.checkpoint()
            let after = try fileSize(path + "-wal")
            #expect(before > 0)
            #expect(after == 0)
            #expect(try await store.list(PersistentVolume.self, namespace: nil, selector: nil).items.count == 9_000)
        }
    }
}

/// Adds one to the "count" annotation of pv-1 `times` times, retrying on conflict as a controller
/// does.
private func increment(_ store: SQLiteStore, times: Int) async throws {
    for _ in 0..<times {
        while true {
            var current = try await store.get(PersistentVolume.self, namespace: nil, name: "pv-1")
            let n = Int(current.metadata.annotation("count") ?? "0") ?? 0
            current.metadata.setAnnotation("count", String(n + 1))
            do {
                _ = try await store.update(current)
                break
            } catch {
                if error.code != .conflict { throw error }
            }
        }
    }
}

private func fileSize(_ path: String) throws -> Int64 {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.size] as? NSNumber)?.int64Value ?? 0
}
