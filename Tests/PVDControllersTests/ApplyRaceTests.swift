import PVDAdmission
import PVDModel
import PVDStore
import Testing

/// An apply racing another writer on the same objects, over real SQLite: the writer's update
/// lands between the apply's read of the store and its commit. The commit's compare-and-swap
/// fails, the apply plans again from what is stored now, and neither write is lost.
struct ApplyRaceTests {
    static func claims(_ count: Int, annotation: String) throws -> [ManifestObject] {
        let yaml = (0..<count).map { i in
            """
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: c-\(i), annotations: {\(annotation): "yes"}}
            spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
            """
        }.joined(separator: "\n---\n")
        return try Admission.prepare(try ManifestReader.read(yaml, source: "m.yaml"), namespace: nil)
    }

    @Test func aWriterBetweenTheReadAndTheCommitIsKeptAndTheApplyRetried() async throws {
        try await withSQLiteStore { sqlite, _ in
            let store = FailingStore(over: sqlite)
            // 100 claims: more than ExistingObjects.listFrom, so the plan lists them.
            _ = try await Admission.write(try Self.claims(100, annotation: "first"), to: store)
            store.interleave { () throws(StoreError) in
                // A controller's update of one claim, through the store as any writer makes it.
                var c = try await sqlite.get(PersistentVolumeClaim.self, namespace: "default", name: "c-42")
                c.metadata.annotations?["writer"] = "kept"
                _ = try await sqlite.update(c)
            }
            let before = store.commits
            let result = try await Admission.write(try Self.claims(100, annotation: "second"), to: store)
            #expect(store.commits - before == 2, "the conflicted commit, then the one planned again")
            #expect(result.outcomes.allSatisfy { $0.outcome == .configured })
            let stored = try await sqlite.list(PersistentVolumeClaim.self, namespace: nil, selector: nil).items
            #expect(stored.count == 100)
            for c in stored {
                #expect(c.metadata.annotations?["first"] == "yes" && c.metadata.annotations?["second"] == "yes", "\(c.metadata.name)")
            }
            let raced = try #require(stored.first { $0.metadata.name == "c-42" })
            #expect(raced.metadata.annotations?["writer"] == "kept", "the other writer's update was lost")
        }
    }
}
