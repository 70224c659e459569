import Foundation
import PVDModel
import PVDStore
import Testing
@testable import PVDControllers

@Suite("Node leases: the heartbeat in kube-node-lease")
struct NodeLeaseTests {
    static let now = Time(seconds: 10_000)

    static func lease(_ node: String, renewedAgo: Int64?, holder: String? = nil) -> Lease {
        var l = Lease(name: node, namespace: NodeLease.namespace)
        l.spec = LeaseSpec(holderIdentity: holder ?? node, leaseDurationSeconds: 40,
                           renewTime: renewedAgo.map { MicroTime(seconds: now.seconds - $0) })
        return l
    }

    /// (Ready heartbeat age, lease renewal age (nil: no lease), ready?, marked Unknown?)
    static let cases: [(Int64?, Int64?, Bool, Bool)] = [
        (0, nil, true, false),
        (100, nil, false, true),
        // A fresh lease keeps a node whose status was last reported long ago alive.
        (300, 5, true, false),
        (300, 40, true, false),
        // Both old: the later one counts, and it is stale too.
        (300, 41, false, true),
        (10, 300, true, false),
        // A lease alone, with no Ready heartbeat ever written.
        (nil, 5, true, false),
        (nil, 100, false, true),
    ]

    @Test("the later of the Ready heartbeat and the lease renewal decides", arguments: cases)
    func laterOfTheTwo(_ beatAge: Int64?, _ leaseAge: Int64?, _ ready: Bool, _ marked: Bool) {
        let node = NodeHealthTests.node("a", beatAgo: beatAge)
        let lease = leaseAge.map { Self.lease("a", renewedAgo: $0) }
        #expect(NodeHealth.isReady(node, lease: lease, now: Self.now) == ready)
        #expect((NodeHealth.staleUpdate(node, lease: lease, now: Self.now) != nil) == marked)
    }

    @Test("a node marked Unknown stays so, whatever its lease says, until its daemon reports")
    func unknownStays() {
        let node = NodeHealthTests.node("a", status: "Unknown", beatAgo: 300)
        let lease = Self.lease("a", renewedAgo: 0)
        #expect(!NodeHealth.isReady(node, lease: lease, now: Self.now))
        #expect(NodeHealth.staleUpdate(node, lease: lease, now: Self.now) == nil)
    }

    @Test("the next check follows the leases")
    func nextCheck() {
        let nodes = [NodeHealthTests.node("a", beatAgo: 300), NodeHealthTests.node("b", beatAgo: 30)]
        // a is alive by its lease (renewed 20 s ago, stale in 21 s); b by its heartbeat (in 11 s).
        #expect(NodeHealth.nextCheck(nodes, leases: ["a": Self.lease("a", renewedAgo: 20)], now: Self.now) == .seconds(11))
        #expect(NodeHealth.nextCheck(nodes, leases: ["a": Self.lease("a", renewedAgo: 20), "b": Self.lease("b", renewedAgo: 0)], now: Self.now)
            == .seconds(21))
    }

    /// (Ready status, heartbeat age, hostname label?, report due?)
    static let reportCases: [(String?, Int64?, Bool, Bool)] = [
        ("True", 0, true, false),
        ("True", 299, true, false),
        ("True", 300, true, true),
        ("True", 0, false, true),
        ("Unknown", 0, true, true),
        ("False", 0, true, true),
        ("True", nil, true, true),
        (nil, nil, true, true),
    ]

    @Test("the Node is written again only when its status needs it", arguments: reportCases)
    func reportDue(_ status: String?, _ age: Int64?, _ labelled: Bool, _ due: Bool) {
        var node = NodeHealthTests.node("a", status: status, beatAgo: age)
        if !labelled { node.metadata.labels = nil }
        #expect(NodeRegistration.needsReport(node, name: "a", now: Self.now, reportInterval: .seconds(300)) == due)
        #expect(NodeRegistration.needsReport(nil, name: "a", now: Self.now, reportInterval: .seconds(300)))
    }

    @Test("a lease changes hands: acquireTime moves and leaseTransitions counts")
    func changesHands() {
        let t = MicroTime(seconds: Self.now.seconds, microseconds: 250)
        let mine = NodeLease.renewed(Self.lease("a", renewedAgo: 10), holder: "a", duration: .seconds(40), now: t)
        #expect(mine.spec.renewTime == t)
        #expect(mine.spec.acquireTime == nil)
        #expect(mine.spec.leaseTransitions == nil)
        let taken = NodeLease.renewed(Self.lease("a", renewedAgo: 10, holder: "old"), holder: "a", duration: .seconds(40), now: t)
        #expect(taken.spec.holderIdentity == "a")
        #expect(taken.spec.acquireTime == t)
        #expect(taken.spec.leaseTransitions == 1)
        #expect(NodeLease.renewed(Self.lease("a", renewedAgo: 10), holder: "a", duration: .milliseconds(10), now: t).spec.leaseDurationSeconds == 1)
    }

    @Test("renewing writes the lease; a fresh Node status is not written again")
    func renewAndRefresh() async throws {
        try await withSQLiteStore { store, _ in
            let first = try await NodeLease.renew("a", in: store, duration: .seconds(40), now: MicroTime(seconds: 1000))
            #expect(first.metadata.namespace == NodeLease.namespace)
            #expect(first.spec.holderIdentity == "a")
            #expect(first.spec.leaseDurationSeconds == 40)
            #expect(first.spec.acquireTime == MicroTime(seconds: 1000))
            let second = try await NodeLease.renew("a", in: store, duration: .seconds(40), now: MicroTime(seconds: 1010, microseconds: 7))
            #expect(second.spec.renewTime == MicroTime(seconds: 1010, microseconds: 7))
            #expect(second.spec.acquireTime == MicroTime(seconds: 1000))
            #expect(second.metadata.resourceVersion != first.metadata.resourceVersion)

            try await NodeRegistration.register("a", in: store, now: Time(seconds: 1000))
            let before = try await store.currentRevision()
            #expect(try await NodeRegistration.refresh("a", in: store, now: Time(seconds: 1010)) == false)
            #expect(try await store.currentRevision() == before)
            // Marked Unknown by the node lifecycle: the next heartbeat reports Ready again.
            var node = try await store.get(Node.self, namespace: nil, name: "a")
            node = try #require(NodeHealth.staleUpdate(node, now: Time(seconds: 2000)))
            _ = try await store.update(node)
            #expect(try await NodeRegistration.refresh("a", in: store, now: Time(seconds: 2001)) == true)
            let back = try await store.get(Node.self, namespace: nil, name: "a")
            #expect(NodeHealth.readyCondition(back)?.status == "True")
            #expect(NodeHealth.readyCondition(back)?.lastHeartbeatTime == Time(seconds: 2001))
        }
    }

    @Test("the node lifecycle reads leases: a node with a fresh lease stays Ready, the others go Unknown")
    func lifecycleReadsLeases() async throws {
        try await withSQLiteStore { store, _ in
            let now = Time.now()
            let old = Time(seconds: now.seconds - 300)
            for name in ["alive", "dead", "leaseless"] {
                try await NodeRegistration.register(name, in: store, now: old)
            }
            try await NodeLease.renew("alive", in: store, duration: .seconds(40))
            try await NodeLease.renew("dead", in: store, duration: .seconds(40), now: MicroTime(seconds: old.seconds))
            // A lease of the same name elsewhere is not a node's.
            var elsewhere = Lease(name: "leaseless", namespace: "default")
            elsewhere.spec = LeaseSpec(holderIdentity: "leaseless", leaseDurationSeconds: 40, renewTime: .now())
            _ = try await store.create(elsewhere)

            _ = try await Reconciler(store: store, node: "leader", logger: quietLogger).runOnce()
            var status: [String: String] = [:]
            for n in try await store.list(Node.self, namespace: nil, selector: nil).items {
                status[n.metadata.name] = NodeHealth.readyCondition(n)?.status
            }
            #expect(status == ["alive": "True", "dead": "Unknown", "leaseless": "Unknown"])
        }
    }

    @Test("the informer keeps node leases for the controllers, and a renewal starts no run")
    func informerKeepsLeases() async throws {
        try await withSQLiteStore { store, _ in
            var running = RunningInformer(store: store)
            #expect(await running.next()?.key == Informer.resyncKey)
            let lease = try await NodeLease.renew("a", in: store, duration: .seconds(40))
            let revision = Int64(lease.metadata.resourceVersion ?? "") ?? 0
            #expect(await running.informer.waitForRevision(revision, limit: .seconds(5)))
            #expect(await running.informer.snapshot().nodeLeases["a"]?.spec.renewTime == lease.spec.renewTime)
            // The next change the handler sees is the Node written after the lease, not the lease.
            let node = try await store.create(Node(name: "a"))
            #expect(await running.next()?.key == Informer.key(.node, node.key))
            try await expectCache(of: running.informer, matches: store)
            await running.stop()
        }
    }
}
