import Foundation
import Logging
import PVDEtcd
import PVDModel
import PVDStore
import Synchronization
import Testing

/// Leader election on etcd: a lease-held leader key, renewed every third of the TTL, and writes
/// fenced on the key's create_revision. Its own cluster, since one case stops a member; one
/// case at a time, at the TTL the issue asks about (5 s).
@Suite(.serialized, .etcdCluster, .enabled(if: EtcdCluster.available, "needs Debian's etcd-server"))
struct EtcdLeaderElectionTests {
    static let ttl: Duration = .seconds(5)
    let logger = Logger(label: "pvd.test.leader")

    var cluster: EtcdCluster { get throws { try #require(EtcdCluster.current) } }

    /// A store URL on a fresh prefix (or on `prefix`), through all three members or some of them.
    func freshURL(members: [Int] = [0, 1, 2], prefix: String = Self.freshPrefix()) throws -> String {
        let cluster = try self.cluster
        return "etcd://" + members.map { "127.0.0.1:\(cluster.clientPorts[$0])" }.joined(separator: ",") + prefix
    }

    static func freshPrefix() -> String { "/leader-\(UUID().uuidString.prefix(8).lowercased())" }

    func election(_ url: String, _ identity: String, ttl: Duration = Self.ttl) throws -> EtcdLeaderElection {
        let store = try EtcdStore(url)
        return try EtcdLeaderElection(store: store, config: LeaderElectionConfig(identity: identity, ttl: ttl), logger: logger)
    }

    @Test func oneLeadsTheOtherWaitsAndAResignHandsOver() async throws {
        let url = try freshURL()
        // A long lease: this case is about who leads, and a loaded machine (the whole suite at
        // once) can starve a 5 s lease's renewals; the timing cases below use the short one.
        let a = try election(url, "node-a", ttl: .seconds(15)), b = try election(url, "node-b", ttl: .seconds(15))
        #expect(try await a.currentLeader() == nil)
        let termA = try await a.campaign()
        #expect(try await b.currentLeader() == "node-a")

        let waiting = CampaignWatch(b)
        // Longer than a renewal interval: b keeps waiting while a renews.
        try await Task.sleep(for: .seconds(2))
        #expect(!waiting.won)
        #expect(try await a.currentLeader() == "node-a")

        let clock = ContinuousClock()
        let resigned = clock.now
        await termA.resign()
        await termA.ended()
        let termB = try await waiting.term()
        let handover = clock.now - resigned
        // The revoke deletes the key and b's watch of it fires: no TTL is waited out.
        #expect(handover < .seconds(15), "handover after resign took \(handover)")
        print("leader handover after resign: \(handover)")
        #expect(termB.identity == "node-b")
        #expect(try await a.currentLeader() == "node-b")

        // The resigned term's store refuses to write, without asking etcd.
        let e = await storeError { () async throws(StoreError) in try await termA.store.create(volume("pv-late")) }
        #expect(e?.code == .fenced)
        #expect(e?.message.contains("node-a no longer leads") == true, "\(e?.message ?? "")")
        await termB.resign()
        #expect(try await b.currentLeader() == nil)
    }

    @Test func aLeaderThatStopsRenewingIsSucceededOnceItsLeaseExpiresAndItsWritesAreFenced() async throws {
        let url = try freshURL()
        let a = try election(url, "node-a"), b = try election(url, "node-b")
        var termA: (any LeaderTerm)? = try await a.campaign()
        let staleStore = try #require(termA?.store)
        let written = try await staleStore.create(volume("pv-a"))
        weak let dropped = termA as? EtcdLeaderTerm
        let waiting = CampaignWatch(b)
        try await Task.sleep(for: .milliseconds(300))

        // As if the process were killed, or stopped dead: no renewal, no revoke.
        let clock = ContinuousClock()
        let killed = clock.now
        termA = nil
        #expect(dropped == nil, "the test must hold no other reference to the term")
        let termB = try await waiting.term()
        let failover = clock.now - killed
        print("leader failover after a kill at TTL \(Self.ttl): \(failover)")
        // Not before the dead leader's lease can have expired (it renewed at most a third of a
        // TTL before the kill), and not never. How fast within that is pvd-bench failover's to
        // measure (TTL + 0.3–0.5 s there): a loaded machine must not fail this test.
        #expect(failover >= Self.ttl * 2 / 3 - .milliseconds(100), "failover took only \(failover) at TTL \(Self.ttl)")
        #expect(failover <= Self.ttl * 2 + .seconds(2), "failover took \(failover) at TTL \(Self.ttl)")
        #expect(try await b.currentLeader() == "node-b")

        // The old term's store believes nothing ended (its process never learnt): etcd's compare refuses.
        let check = try EtcdStore(url)
        let before = try await check.currentRevision()
        let created = await storeError { () async throws(StoreError) in try await staleStore.create(volume("pv-late")) }
        #expect(created?.code == .fenced, "\(created?.message ?? "no error")")
        #expect(created?.message.contains("pvd-leader") == true, "\(created?.message ?? "")")
        #expect(created?.message.contains("node-b") == true, "names who leads now: \(created?.message ?? "")")
        var changed = written
        changed.metadata.labels = ["by": "old-leader"]
        let updated = await storeError { () async throws(StoreError) in try await staleStore.update(changed) }
        #expect(updated?.code == .fenced)
        let deleted = await storeError { () async throws(StoreError) in
            try await staleStore.delete(PersistentVolume.self, namespace: nil, name: "pv-a", uid: nil)
        }
        #expect(deleted?.code == .fenced)
        #expect(try await check.currentRevision() == before, "a fenced write changes nothing")
        #expect(try await check.get(PersistentVolume.self, namespace: nil, name: "pv-a").metadata.resourceVersion == written.metadata.resourceVersion)
        let late = await storeError { () async throws(StoreError) in try await check.get(PersistentVolume.self, namespace: nil, name: "pv-late") }
        #expect(late?.code == .notFound)
        // The new leader's writes go through.
        _ = try await termB.store.update(changed)
        await termB.resign()
    }

    @Test func aLeaderCutOffFromEtcdEndsItsTermBeforeItsLeaseCanExpire() async throws {
        let cluster = try self.cluster
        // a talks only to member 2; b to the others, which keep a quorum when 2 stops.
        let prefix = Self.freshPrefix()
        let a = try election(try freshURL(members: [2], prefix: prefix), "node-a")
        let b = try election(try freshURL(members: [0, 1], prefix: prefix), "node-b")
        let termA = try #require(try await a.campaign() as? EtcdLeaderTerm)
        let waiting = CampaignWatch(b)
        // Let a renew once or twice first.
        try await Task.sleep(for: .seconds(2))
        #expect(!waiting.won)

        let clock = ContinuousClock()
        let stopped = clock.now
        cluster.stopMember(2, hard: true)
        do {
            await termA.ended()
            let endedAt = clock.now
            let lastRenewal = termA.lastRenewalSent
            print("cut-off leader's term ended \(endedAt - stopped) after its etcd stopped, \(endedAt - lastRenewal) after its last renewal was sent")
            #expect(endedAt - lastRenewal < Self.ttl, "ended \(endedAt - lastRenewal) after the last renewal was sent, TTL \(Self.ttl)")
            #expect(endedAt - stopped < Self.ttl)
            let e = await storeError { () async throws(StoreError) in try await termA.store.create(volume("pv-late")) }
            #expect(e?.code == .fenced)
            #expect(e?.message.contains("not renewed in time") == true, "\(e?.message ?? "")")
            // b leads once the lease expires (a's revoke cannot reach etcd).
            let termB = try await waiting.term()
            #expect(try await b.currentLeader() == "node-b")
            await termB.resign()
        } catch {
            try? cluster.restartMember(2)
            throw error
        }
        try cluster.restartMember(2)
        try await cluster.waitHealthy(timeout: .seconds(20))
    }

    @Test func fencedWritesSucceedWhileLeadingAndALostRaceIsStillAConflict() async throws {
        let url = try freshURL()
        let a = try election(url, "node-a")
        let term = try await a.campaign()
        let store = term.store
        let pv = try await store.create(volume("pv-1"))
        var changed = pv
        changed.metadata.labels = ["tier": "gold"]
        let updated = try await store.update(changed)
        #expect(updated.metadata.labels?["tier"] == "gold")
        let results = try await store.commit([
            .create(AnyResource(volume("pv-2"))), .create(AnyResource(claim("data"))),
            .delete(kind: .persistentVolume, namespace: nil, name: "pv-1", uid: nil),
        ])
        #expect(results.count == 3)
        #expect(try await store.list(PersistentVolume.self, namespace: nil, selector: nil).items.map(\.metadata.name) == ["pv-2"])
        // A stale resourceVersion is the lost race it always was, not a fence.
        let stale = await storeError { () async throws(StoreError) in try await store.update(pv) }
        #expect(stale?.code == .notFound)
        var old = try await store.get(PersistentVolume.self, namespace: nil, name: "pv-2")
        _ = try await store.update(old)
        old.metadata.labels = ["x": "y"]
        let conflict = await storeError { () async throws(StoreError) in try await store.update(old) }
        #expect(conflict?.code == .conflict)
        // The leader's compaction round is fenced too, and goes through.
        let etcd = try #require(store as? EtcdStore)
        _ = try await etcd.compactionRound(.init())
        await term.resign()
    }

    @Test func theLeaderKeyIsNeitherForeignNorAnObject() async throws {
        let url = try freshURL()
        let a = try election(url, "node-a")
        // The campaign claims the empty prefix first: a leader key alone would look foreign.
        let term = try await a.campaign()
        let other = try EtcdStore(url)
        try await other.verify(claiming: false)
        for kind in ResourceKind.allCases {
            #expect(try await other.list(kind: kind, namespace: nil, selector: nil).0.isEmpty, "\(kind)")
        }
        // A watch from before the campaign sees the object written after it, not the key.
        let collector = EventCollector()
        let watch = collect(other.watch(Set(ResourceKind.allCases), after: 0), into: collector)
        _ = try await term.store.create(volume("pv-1"))
        #expect(await collector.waitFor(count: 1).map(\.object.metadata.name) == ["pv-1"])
        watch.cancel()
        _ = await watch.value
        await term.resign()
    }

    @Test func aLeaderKeyDeletedByHandEndsTheTermAtTheNextWrite() async throws {
        let cluster = try self.cluster
        let url = try freshURL()
        let a = try election(url, "node-a")
        let term = try await a.campaign()
        let prefix = try EtcdStoreURL(url).prefix
        try rawDelete(port: cluster.clientPorts[0], key: "\(prefix)/pvd-leader")
        let e = await storeError { () async throws(StoreError) in try await term.store.create(volume("pv-1")) }
        #expect(e?.code == .fenced)
        #expect(e?.message.contains("the leader key is gone") == true, "\(e?.message ?? "")")
        await term.ended()
        await term.resign()
    }

    @Test func aCancelledCampaignThrowsCancellation() async throws {
        let url = try freshURL()
        let a = try election(url, "node-a"), b = try election(url, "node-b")
        let term = try await a.campaign()
        let waiting = Task { try await b.campaign() }
        try await Task.sleep(for: .milliseconds(300))
        waiting.cancel()
        await #expect(throws: CancellationError.self) { _ = try await waiting.value }
        #expect(try await b.currentLeader() == "node-a")
        await term.resign()
    }

    @Test func theStoreHandsOutTheElectionAndRefusesATTLUnderTwoSeconds() async throws {
        // As the daemon holds it: any ObjectStore.
        let store: any ObjectStore = try EtcdStore(try freshURL())
        let e = await storeError { () async throws(StoreError) in
            _ = try store.leaderElection(LeaderElectionConfig(identity: "node-a", ttl: .seconds(1)), logger: logger)
        }
        #expect(e?.code == .invalid)
        #expect(e?.message.contains("at least 2s") == true, "\(e?.message ?? "")")
        let election = try #require(try store.leaderElection(LeaderElectionConfig(identity: "node-a", ttl: Self.ttl), logger: logger))
        #expect(election is EtcdLeaderElection)
        let term = try await election.campaign()
        // A term's store is already one term's: it has no election of its own.
        #expect(try term.store.leaderElection(LeaderElectionConfig(identity: "node-b"), logger: logger) == nil)
        await term.resign()
    }
}

/// A campaign running in a task, and whether it has won yet.
final class CampaignWatch: Sendable {
    private let task: Task<any LeaderTerm, any Error>
    private let done: Flag

    init(_ election: any LeaderElection) {
        let done = Flag()
        self.done = done
        task = Task {
            let term = try await election.campaign()
            done.set()
            return term
        }
    }

    var won: Bool { done.isSet }

    /// The term, once won; fails after 30 s (a bound on a hang, not a speed check).
    func term() async throws -> any LeaderTerm {
        let deadline = ContinuousClock.now + .seconds(30)
        while !won && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        if !won { task.cancel() }
        return try await task.value
    }
}

/// Something that happened, or not yet, seen from other tasks.
final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
