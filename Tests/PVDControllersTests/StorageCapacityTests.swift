import Foundation
import Logging
import PVDDrivers
import PVDModel
import PVDStore
import Testing
@testable import PVDControllers

@Suite("Storage capacity: what nodes publish, and placement by it")
struct StorageCapacityTests {
    static let now = NodeHealthTests.now

    @Test("one name per node and class, stable, in Kubernetes' name rules")
    func names() {
        let a = StorageCapacityReport.name(node: "node-a", storageClass: "local")
        #expect(a == StorageCapacityReport.name(node: "node-a", storageClass: "local"))
        #expect(a != StorageCapacityReport.name(node: "node-b", storageClass: "local"))
        #expect(a != StorageCapacityReport.name(node: "node-a", storageClass: "fast"))
        // The separator keeps "a"+"b.c" and "a.b"+"c" apart.
        #expect(StorageCapacityReport.name(node: "a", storageClass: "b.c") != StorageCapacityReport.name(node: "a.b", storageClass: "c"))
        #expect(a.count == 22 && a.hasPrefix("csisc-"))
        let c = StorageCapacityReport.object(node: String(repeating: "n", count: 63), storageClass: String(repeating: "c", count: 253), bytes: 1)
        #expect(c.validate().isEmpty, "\(c.validate())")
    }

    @Test("the object says whole MiB, for the node's hostname")
    func object() {
        let c = StorageCapacityReport.object(node: "node-a", storageClass: "local", bytes: (5 << 20) + 12345)
        #expect(c.capacity == Quantity(5 << 20))
        #expect(c.nodeTopology?.matches([WellKnownLabels.hostname: "node-a"]) == true)
        #expect(c.nodeTopology?.matches([WellKnownLabels.hostname: "node-b"]) == false)
        #expect(StorageCapacityReport.isOwn(c, node: "node-a"))
        #expect(!StorageCapacityReport.isOwn(c, node: "node-b"))
        #expect(StorageCapacityReport.object(node: "a", storageClass: "s", bytes: -5).capacity == Quantity(0))
        #expect(c.validate().isEmpty)
    }

    /// (stored MiB, measured MiB, rewrite?)
    static let moves: [(Int64, Int64, Bool)] = [
        (1000, 1000, false), (1000, 991, false), (1000, 990, true), (1000, 1009, false), (1000, 1010, true),
        (0, 1, true), (1, 0, true), (0, 0, false),
    ]

    @Test("a capacity is rewritten only when it moved by 1% or more", arguments: moves)
    func rewrites(_ stored: Int64, _ measured: Int64, _ rewrite: Bool) {
        let old = StorageCapacityReport.object(node: "a", storageClass: "s", bytes: stored << 20)
        let new = StorageCapacityReport.object(node: "a", storageClass: "s", bytes: measured << 20)
        #expect(StorageCapacityReport.needsWrite(old, new) == rewrite)
    }

    @Test("room for a request: what a matching object says, nil when none matches")
    func room() {
        let caps = [
            StorageCapacityReport.object(node: "b", storageClass: "local", bytes: 100 << 20),
            CSIStorageCapacity(name: "x", storageClassName: "fast", nodeTopology: LabelSelector(matchLabels: ["zone": "z1"]),
                               capacity: Quantity(1 << 40), maximumVolumeSize: Quantity(10 << 20)),
        ]
        func room(_ mib: Int64, _ sc: String, _ node: String, _ labels: [String: String] = [:]) -> Bool? {
            StorageCapacityReport.room(for: Quantity(mib << 20), storageClass: sc, node: node, labels: labels, in: caps)
        }
        #expect(room(50, "local", "b") == true)
        #expect(room(200, "local", "b") == false)
        #expect(room(50, "local", "c") == nil)
        #expect(room(50, "other", "b") == nil)
        // The largest volume bounds a request even where the capacity is larger.
        #expect(room(5, "fast", "c", ["zone": "z1"]) == true)
        #expect(room(20, "fast", "c", ["zone": "z1"]) == false)
    }

    struct Case: Sendable, CustomStringConvertible {
        var description: String
        var published: Int64?
        var age: Int64 = 0
        var takes: Bool
    }

    static let placementCases: [Case] = [
        Case(description: "b published nothing: left to b while patient", published: nil, takes: false),
        Case(description: "b publishes room: left to b", published: 100, takes: false),
        Case(description: "b publishes too little: no one else can, taken at once", published: 10, takes: true),
        Case(description: "b publishes room, but the patience is out", published: 100, age: 11, takes: true),
    ]

    @Test("a node without room leaves a claim only to a node that may have it", arguments: placementCases)
    func placement(_ c: Case) {
        let me = NodeHealthTests.node("a")
        let b = NodeHealthTests.node("b")
        let caps = c.published.map { [StorageCapacityReport.object(node: "b", storageClass: "local", bytes: $0 << 20)] } ?? []
        let decision = ImmediatePlacement.decide(
            claim: NodeHealthTests.claim(bytes: 50 << 20, age: c.age), storageClass: NodeHealthTests.storageClass(), nodeName: "a", node: me,
            others: [me, b], capacities: caps, availableBytes: 1 << 20, now: Self.now)
        #expect((decision == .take) == c.takes, "\(decision)")
        if case .leave(_, let until) = decision { #expect(until == Self.now.seconds + 10 - c.age) }
    }

    @Test("a node publishes one capacity per class it serves, rewrites none unchanged, withdraws a class's when it goes")
    func publishes() async throws {
        try await withSQLiteStore { store, path in
            let dir = (path as NSString).deletingLastPathComponent
            let driver = try HostPathDriver(root: dir + "/node", logger: quietLogger)
            let agent = NodeAgent(nodeName: "a", drivers: [driver])
            _ = try await store.create(StorageClass(name: "local", provisioner: "pvd.io/hostpath"))
            _ = try await store.create(StorageClass(name: "elsewhere", provisioner: "example.com/other"))
            var zoned = StorageClass(name: "zoned", provisioner: "pvd.io/hostpath")
            zoned.allowedTopologies = [TopologySelectorTerm(matchLabelExpressions: [
                TopologySelectorLabelRequirement(key: WellKnownLabels.hostname, values: ["b"]),
            ])]
            _ = try await store.create(zoned)
            // Another node's object stays whatever this one does.
            let other = try await store.create(StorageCapacityReport.object(node: "b", storageClass: "local", bytes: 1 << 30))

            let freeBefore = try #require(FreeSpace.availableBytes(under: dir))
            #expect(try await StorageCapacityPublisher.publish(agent: agent, store: store, logger: quietLogger) == 1)
            let freeAfter = try #require(FreeSpace.availableBytes(under: dir))
            var caps = try await store.list(CSIStorageCapacity.self, namespace: StorageCapacityReport.namespace, selector: nil).items
            let mine = try #require(caps.first { StorageCapacityReport.isOwn($0, node: "a") })
            #expect(caps.count == 2)
            #expect(mine.storageClassName == "local")
            // About the free space (whole MiB of it), which other tests writing to the same disk
            // move up and down meanwhile: within 5% of what was measured on either side.
            let published = try #require(mine.capacity?.int64Value)
            let slack = max(freeBefore, freeAfter) / 20
            #expect(published <= max(freeBefore, freeAfter) + slack, "\(published) vs \(freeBefore)...\(freeAfter)")
            #expect(published >= min(freeBefore, freeAfter) - slack, "\(published) vs \(freeBefore)...\(freeAfter)")
            #expect(published % (1 << 20) == 0)

            // Unchanged, nothing is rewritten. Other suites write to the same disk at the same
            // time: when the free space itself moved by the 1% that calls for a rewrite around
            // this publish, a rewrite is right and this round proves nothing.
            let before = try await store.currentRevision()
            let freeAround = try #require(FreeSpace.availableBytes(under: dir))
            let rewrites = try await StorageCapacityPublisher.publish(agent: agent, store: store, logger: quietLogger)
            let freeLater = try #require(FreeSpace.availableBytes(under: dir))
            let moved = max(abs(freeAround - published), abs(freeLater - published))
            if moved * 200 < published {
                #expect(rewrites == 0)
                #expect(try await store.currentRevision() == before)
            }

            _ = try await store.delete(StorageClass.self, namespace: nil, name: "local", uid: nil)
            #expect(try await StorageCapacityPublisher.publish(agent: agent, store: store, logger: quietLogger) == 1)
            caps = try await store.list(CSIStorageCapacity.self, namespace: StorageCapacityReport.namespace, selector: nil).items
            #expect(caps == [other])
        }
    }

    @Test("a node alone in the store takes an Immediate claim in its provisioning commit, but never one its class's topology keeps from it")
    func aloneStillHonoursTopology() async throws {
        try await withSQLiteStore { store, path in
            let dir = (path as NSString).deletingLastPathComponent
            let driver = try HostPathDriver(root: dir + "/node", logger: quietLogger)
            let reconciler = Reconciler(store: store, agent: NodeAgent(nodeName: "a", drivers: [driver]), logger: quietLogger)
            _ = try await store.create(StorageClass(name: "local", provisioner: "pvd.io/hostpath"))
            var elsewhere = StorageClass(name: "elsewhere", provisioner: "pvd.io/hostpath")
            elsewhere.allowedTopologies = [TopologySelectorTerm(matchLabelExpressions: [
                TopologySelectorLabelRequirement(key: WellKnownLabels.hostname, values: ["b"]),
            ])]
            _ = try await store.create(elsewhere)
            for (name, cls) in [("here", "local"), ("there", "elsewhere")] {
                _ = try await store.create(PersistentVolumeClaim(name: name, spec: PersistentVolumeClaimSpec(
                    accessModes: [.readWriteOnce], request: Quantity(1 << 20), storageClassName: cls)))
            }
            let summary = try await reconciler.runOnce()
            #expect(summary.provisioned == 1)
            let here = try await store.get(PersistentVolumeClaim.self, namespace: "default", name: "here")
            #expect(here.phase == .bound)
            #expect(here.metadata.annotation(Annotations.selectedNode) == "a")
            let there = try await store.get(PersistentVolumeClaim.self, namespace: "default", name: "there")
            #expect(there.phase == .pending)
            #expect(there.metadata.annotation(Annotations.selectedNode) == nil)
            #expect(try await store.list(PersistentVolume.self, namespace: nil, selector: nil).items.count == 1)
        }
    }

    @Test("a claim no node has room for, left to a node that has not published, is taken once the patience is out")
    func leftClaimIsLookedAtAgain() async throws {
        try await withSQLiteStore { store, path in
            let dir = (path as NSString).deletingLastPathComponent
            let driver = try HostPathDriver(root: dir + "/node", logger: quietLogger)
            var reconciler = Reconciler(store: store, agent: NodeAgent(nodeName: "a", drivers: [driver]), logger: quietLogger)
            reconciler.placementPatience = .seconds(1)
            let queue = WorkQueue<String>()
            let informer = Informer(store: store, logger: quietLogger)
            let loop = ControllerLoop(reconciler: reconciler, informer: informer, queue: queue)
            let informing = Task { await informer.run(onChange: { await loop.enqueue($0) }) }
            let running = Task { await loop.run() }
            defer {
                informing.cancel()
                running.cancel()
                Task { await queue.shutDown() }
            }
            for n in ["a", "b"] {
                try await NodeRegistration.register(n, in: store)
                try await NodeLease.renew(n, in: store, duration: .seconds(40))
            }
            _ = try await store.create(StorageClass(name: "local", provisioner: "pvd.io/hostpath"))
            // More than any disk here has: node a has no room, and b, Ready, might.
            _ = try await store.create(PersistentVolumeClaim(name: "huge", spec: PersistentVolumeClaimSpec(
                accessModes: [.readWriteOnce], request: Quantity(1 << 60), storageClassName: "local")))
            // Nothing else happens in the store: only the loop's own delayed look takes it.
            var selected: String?
            for _ in 0..<200 where selected == nil {
                try await Task.sleep(for: .milliseconds(50))
                selected = try await store.get(PersistentVolumeClaim.self, namespace: "default", name: "huge")
                    .metadata.annotation(Annotations.selectedNode)
            }
            #expect(selected == "a")
            // Stopped and waited for before the directory goes: a run still going would make
            // the driver's lock file again in a directory no one removes.
            informing.cancel()
            await queue.shutDown()
            _ = await running.value
            _ = await informing.value
        }
    }
}
