import Foundation
import PVDAPIClient
import PVDEnvironment
import PVDModel
import PVDStore
import Testing

/// `APIClientStore` against a real `pvd serve`: the store semantics the commands rely on, kept
/// over HTTP (conflicts, not-found, uid preconditions, status through its subresource, watch).
struct APIClientStoreTests {
    static func volume(_ name: String) throws -> PersistentVolume {
        let yaml = """
            apiVersion: v1
            kind: PersistentVolume
            metadata: {name: \(name)}
            spec:
              capacity: {storage: 1Gi}
              accessModes: [ReadWriteOnce]
              hostPath: {path: /srv/\(name)}

            """
        guard case .persistentVolume(let pv) = try ManifestReader.read(yaml, source: "test")[0].object else {
            throw StoreError(.invalid, "not a PV")
        }
        return pv
    }

    @Test func storeSemanticsHoldOverTheAPI() async throws {
        let d = try APIDaemon()
        try #require(d.listening, "the API did not come up: \(d.log)")
        let store = try APIClientStore(try KubeconfigReader.endpoint(path: try d.kubeconfig(token: APIDaemon.adminToken), context: nil))

        let created = try await store.create(try Self.volume("pv-a"))
        #expect(created.metadata.uid != nil && created.metadata.resourceVersion != nil)
        let again = try Self.volume("pv-a")
        do {
            _ = try await store.create(again)
            Issue.record("a second create of pv-a was taken")
        } catch {
            #expect(error.code == .alreadyExists, "\(error)")
        }

        // The binder marks a new volume Available; the status written next is ours.
        var current = created
        for _ in 0..<200 where current.phase != .available {
            try await Task.sleep(for: .milliseconds(25))
            current = try await store.get(PersistentVolume.self, namespace: nil, name: "pv-a")
        }
        #expect(current.phase == .available)
        var labelled = current
        labelled.metadata.labels = ["tier": "gold"]
        labelled.status = PersistentVolumeStatus(phase: .available, message: "checked by the test")
        let written = try await store.update(labelled)
        #expect(written.metadata.labels == ["tier": "gold"])
        #expect(written.status?.message == "checked by the test", "a status change goes through /status")
        let reread = try await store.get(PersistentVolume.self, namespace: nil, name: "pv-a")
        #expect(reread.status?.message == "checked by the test" && reread.metadata.labels == ["tier": "gold"])

        // The version read before the update is stale now.
        var stale = current
        stale.metadata.labels = ["tier": "silver"]
        do {
            _ = try await store.update(stale)
            Issue.record("a stale update was taken")
        } catch {
            #expect(error.code == .conflict, "\(error)")
        }
        do {
            _ = try await store.get(PersistentVolume.self, namespace: nil, name: "nothere")
            Issue.record("a missing object was found")
        } catch {
            #expect(error.code == .notFound && error.message.contains(#"persistentvolumes "nothere" not found"#), "\(error)")
        }

        // A watch from here sees the next write.
        let from = try await store.currentRevision()
        let seen = Task { () async throws -> WatchEvent.EventType? in
            for try await e in store.watch(.persistentVolume, namespace: nil, after: from) where e.object.metadata.name == "pv-b" {
                return e.type
            }
            return nil
        }
        // A lost event fails the test rather than hanging it.
        let deadline = Task {
            try await Task.sleep(for: .seconds(30))
            seen.cancel()
        }
        _ = try await store.create(try Self.volume("pv-b"))
        #expect(try await seen.value == .added)
        deadline.cancel()

        do {
            _ = try await store.delete(PersistentVolume.self, namespace: nil, name: "pv-a", uid: "not-its-uid")
            Issue.record("a delete with another uid was taken")
        } catch {
            #expect(error.code == .conflict, "\(error)")
        }
        _ = try await store.delete(PersistentVolume.self, namespace: nil, name: "pv-a", uid: created.metadata.uid)
        // Gone, or held by a finalizer with its deletion begun.
        do {
            let after = try await store.get(PersistentVolume.self, namespace: nil, name: "pv-a")
            #expect(after.metadata.deletionTimestamp != nil, "the delete was taken")
        } catch {
            #expect(error.code == .notFound, "\(error)")
        }
    }

    @Test func aBatchTheServerRefusesInPartWritesNothing() async throws {
        let d = try APIDaemon()
        try #require(d.listening, "the API did not come up: \(d.log)")
        let store = try APIClientStore(try KubeconfigReader.endpoint(path: try d.kubeconfig(token: APIDaemon.adminToken), context: nil))
        var bad = try Self.volume("pv-bad")
        bad.spec.accessModes = []
        let good = try Self.volume("pv-good")
        do {
            _ = try await store.commit([.create(AnyResource(good)), .create(AnyResource(bad))])
            Issue.record("an invalid object was taken")
        } catch {
            #expect(error.code == .invalid && error.message.contains("pv-bad"), "\(error)")
        }
        let volumes = try await store.list(PersistentVolume.self, namespace: nil, selector: nil)
        #expect(volumes.items.isEmpty, "the dry run stopped the batch before pv-good was written")
    }
}
