import Foundation
import Logging
import PVDEtcd
import PVDModel
import PVDStore
import Testing
@testable import PVDControllers

/// The informer in process over a real etcd (a fresh prefix of the suite's 3-member cluster):
/// list then watch, a watch from a revision etcd compacted, and the cache after many writes.
/// One case at a time: compaction is cluster-wide.
@Suite(.serialized, .etcdCluster, .enabled(if: EtcdCluster.available, "needs Debian's etcd-server"), .timeLimit(.minutes(3)))
struct InformerOnEtcdTests {
    /// An informer run over `store` in its own task, and what it hands on, in order. `beforeWatch`
    /// runs in the handler of each resync: between a list and the watch from its revision.
    final class Run: Sendable {
        let informer: Informer
        let changes: AsyncStream<InformerChange>
        let task: Task<Void, Never>

        init(_ store: any ObjectStore, beforeWatch: @escaping @Sendable () async -> Void = {}) {
            let informer = Informer(store: store, logger: Logger(label: "pvd.test") { _ in SwiftLogNoOpLogHandler() })
            let (changes, sink) = AsyncStream.makeStream(of: InformerChange.self)
            self.informer = informer
            self.changes = changes
            task = Task {
                await informer.run { c in
                    if c.key == Informer.resyncKey { await beforeWatch() }
                    sink.yield(c)
                }
                sink.finish()
            }
        }

        /// The next `n` changes. Each call iterates the one stream afresh; the stream keeps what
        /// was not taken yet.
        func take(_ n: Int) async -> [InformerChange] {
            var out: [InformerChange] = []
            for await c in changes {
                out.append(c)
                if out.count == n { break }
            }
            return out
        }
    }

    /// What the cache and a fresh read disagree on, by kind; empty when they agree.
    func differences(_ informer: Informer, _ store: any ObjectStore) async throws -> [String] {
        let cached = await informer.snapshot()
        let read = try await Snapshot.read(from: store)
        var out: [String] = []
        if cached.revision != read.revision { out.append("revision \(cached.revision) != \(read.revision)") }
        if cached.volumes != read.volumes { out.append("volumes") }
        if cached.claims != read.claims { out.append("claims") }
        if Set(cached.pods.map(\.key)) != Set(read.pods.map(\.key)) { out.append("pods") }
        if cached.nodes.map(\.metadata.name).sorted() != read.nodes.map(\.metadata.name) { out.append("nodes") }
        let events = try await store.list(Event.self, namespace: nil, selector: nil).items
        if Set(await informer.eventIndex().value.byKey.keys) != Set(events.map(\.key)) { out.append("events") }
        return out
    }

    @Test func listsThenHandsOnEachWatchedChangeInOrderWithItsKey() async throws {
        try await withBackend(.etcd) { t in
            _ = try await t.store.create(volume("pv-before"))
            let run = Run(t.store)
            #expect(await run.take(1) == [InformerChange(key: Informer.resyncKey, revision: t.base + 1, type: nil)])
            var c = try await t.store.create(claim("data"))
            c.metadata.labels = ["tier": "gold"]
            _ = try await t.store.update(c)
            _ = try await t.store.delete(PersistentVolumeClaim.self, namespace: "default", name: "data", uid: nil)
            let key = "PersistentVolumeClaim/default/data"
            #expect(await run.take(3) == [
                InformerChange(key: key, revision: t.base + 2, type: .added, kind: .persistentVolumeClaim),
                InformerChange(key: key, revision: t.base + 3, type: .modified, kind: .persistentVolumeClaim),
                InformerChange(key: key, revision: t.base + 4, type: .deleted, kind: .persistentVolumeClaim),
            ])
            #expect(try await differences(run.informer, t.store).isEmpty)
            run.task.cancel()
            await run.task.value
        }
    }

    /// etcd's `/v3/kv/compaction` (`EtcdStore.compact(before:)`) run between the list and the
    /// watch: the watch from the listed revision is cancelled with `compact_revision`, the
    /// store reports `.compacted`, and the informer lists again.
    @Test func listsAgainWhenEtcdCompactedTheRevisionItWatchesFrom() async throws {
        try await withBackend(.etcd) { t in
            _ = try await t.store.create(volume("pv-0"))
            let store = try #require(t.store as? EtcdStore)
            let listedAt = t.base + 1
            let run = Run(store) {
                guard (try? await store.currentRevision()) == listedAt else { return }
                for i in 1...5 { _ = try? await store.create(volume("pv-\(i)")) }
                try? await store.compact(before: try await store.currentRevision())
            }
            #expect(await run.take(2) == [
                InformerChange(key: Informer.resyncKey, revision: listedAt, type: nil),
                InformerChange(key: Informer.resyncKey, revision: listedAt + 5, type: nil),
            ])
            #expect(try await differences(run.informer, store).isEmpty)
            #expect(await run.informer.snapshot().volumes.count == 6)
            run.task.cancel()
            await run.task.value
        }
    }

    @Test func theCacheMatchesTheStoreAfterABurstOfWritesFromTwoClients() async throws {
        try await withBackend(.etcd) { t in
            let run = Run(t.store)
            _ = await run.take(1)
            let other = try t.second()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { for i in 0..<40 { _ = try await t.store.create(claim("c-\(i)")) } }
                group.addTask { for i in 0..<40 { _ = try await other.create(volume("v-\(i)")) } }
                try await group.waitForAll()
            }
            for i in stride(from: 0, to: 40, by: 4) {
                var v = try await t.store.get(PersistentVolume.self, namespace: nil, name: "v-\(i)")
                v.metadata.labels = ["n": "\(i)"]
                _ = try await other.update(v)
                _ = try await t.store.delete(PersistentVolumeClaim.self, namespace: "default", name: "c-\(i)", uid: nil)
            }
            _ = try await other.commit([
                .create(AnyResource(Node(name: "node-a"))),
                .create(AnyResource(Pod(name: "app"))),
                .delete(kind: .persistentVolume, namespace: nil, name: "v-1", uid: nil),
            ])
            #expect(await run.informer.waitForRevision(try await t.store.currentRevision(), limit: .seconds(60)))
            #expect(try await differences(run.informer, t.store).isEmpty)
            run.task.cancel()
            await run.task.value
        }
    }
}
