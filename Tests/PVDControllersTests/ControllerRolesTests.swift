import Foundation
import Logging
import PVDDrivers
import PVDModel
import PVDStore
import Testing
@testable import PVDControllers

/// The cluster and node runners over one real SQLite store, each with its own roles, as the
/// daemon runs them (and as two daemons on one store do): who provisions what, who binds, and
/// that a runner settles while someone else keeps writing.
@Suite("Controller roles")
struct ControllerRolesTests {
    /// A temporary directory holding the store and each node's hostPath root, removed afterwards.
    final class Cluster: Sendable {
        let dir: String
        let store: SQLiteStore

        init() throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-roles-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            store = try SQLiteStore(path: dir + "/state.db")
        }

        deinit { try? FileManager.default.removeItem(atPath: dir) }

        /// The root of node `name`'s own volumes.
        func root(_ name: String) -> String { "\(dir)/\(name)" }

        /// A reconciler for node `name` with a hostPath driver under its own root.
        func reconciler(_ name: String, _ roles: ControllerRoles) throws -> Reconciler {
            var logger = Logger(label: "pvd.test")
            logger.logLevel = .warning
            let driver = try HostPathDriver(root: root(name), logger: logger)
            var r = Reconciler(store: store, agent: NodeAgent(nodeName: name, drivers: [driver]), logger: logger)
            r.roles = roles
            return r
        }

        /// The volume directories node `name` holds (what its driver made).
        func volumes(on name: String) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: root(name) + "/hostpath")) ?? []).filter { $0.hasPrefix("pvc-") }.sorted()
        }

        func claim(_ name: String) async throws -> PersistentVolumeClaim {
            try await store.get(PersistentVolumeClaim.self, namespace: "default", name: name)
        }

        func persistentVolumes() async throws -> [PersistentVolume] {
            try await store.list(PersistentVolume.self, namespace: nil, selector: nil).items
        }
    }

    static func storageClass(_ mode: VolumeBindingMode) -> StorageClass {
        var sc = StorageClass(name: "local", provisioner: "pvd.io/hostpath")
        sc.volumeBindingMode = mode
        return sc
    }

    static func claim(_ name: String, className: String? = "local") -> PersistentVolumeClaim {
        PersistentVolumeClaim(name: name, spec: PersistentVolumeClaimSpec(
            accessModes: [.readWriteOnce], request: Quantity(1 << 20), storageClassName: className))
    }

    @Test("the cluster runner annotates a claim for provisioning but makes nothing; the node runner makes it and binds")
    func clusterDecidesNodeProvisions() async throws {
        let c = try Cluster()
        _ = try await c.store.create(Self.storageClass(.immediate))
        _ = try await c.store.create(Self.claim("data"))

        let cluster = try await c.reconciler("a", .cluster).runOnce()
        #expect(cluster.provisioned == 0)
        #expect(c.volumes(on: "a").isEmpty)
        let annotated = try await c.claim("data")
        #expect(annotated.metadata.annotation(Annotations.storageProvisioner) == "pvd.io/hostpath")
        #expect(annotated.phase == .pending)

        let node = try await c.reconciler("a", .node).runOnce()
        #expect(node.provisioned == 1)
        let bound = try await c.claim("data")
        #expect(bound.phase == .bound)
        #expect(c.volumes(on: "a") == [bound.spec.volumeName ?? "?"])
    }

    @Test("a node runner alone never binds a claim to a volume it did not make")
    func nodeRunnerDoesNotBind() async throws {
        let c = try Cluster()
        var pv = PersistentVolume(name: "static", spec: PersistentVolumeSpec(capacity: Quantity(1 << 30), accessModes: [.readWriteOnce]))
        pv.spec.hostPath = HostPathVolumeSource(path: c.dir + "/static")
        _ = try await c.store.create(pv)
        _ = try await c.store.create(Self.claim("data", className: ""))

        _ = try await c.reconciler("a", .node).runOnce()
        #expect(try await c.claim("data").phase == .pending)
        _ = try await c.reconciler("a", .cluster).runOnce()
        let bound = try await c.claim("data")
        #expect(bound.phase == .bound)
        #expect(bound.spec.volumeName == "static")
    }

    @Test("a WaitForFirstConsumer claim whose Pod names node b is provisioned by b, never by a")
    func waitForFirstConsumerFollowsThePod() async throws {
        let c = try Cluster()
        _ = try await c.store.create(Self.storageClass(.waitForFirstConsumer))
        _ = try await c.store.create(Self.claim("data"))
        let pod = Pod(name: "app", spec: PodSpec(nodeName: "b", volumes: [
            PodVolume(name: "v", persistentVolumeClaim: PersistentVolumeClaimVolumeSource(claimName: "data")),
        ]))
        _ = try await c.store.create(pod)

        _ = try await c.reconciler("a", .cluster).runOnce()
        #expect(try await c.claim("data").metadata.annotation(Annotations.selectedNode) == "b")
        // Node a sees the claim annotated for its provisioner, but selected for b.
        let a = try await c.reconciler("a", .node).runOnce()
        #expect(a.provisioned == 0)
        #expect(c.volumes(on: "a").isEmpty)
        let b = try await c.reconciler("b", .node).runOnce()
        #expect(b.provisioned == 1)
        let volumes = try await c.persistentVolumes()
        #expect(volumes.count == 1)
        #expect(volumes.first.map { NodeAgent(nodeName: "b").owns($0) } == true)
        #expect(try await c.claim("data").phase == .bound)
        #expect(c.volumes(on: "a").isEmpty && c.volumes(on: "b").count == 1)
    }

    @Test("two node runners racing for one Immediate claim make one volume, on the node that took it")
    func immediateClaimIsTakenOnce() async throws {
        let c = try Cluster()
        _ = try await c.store.create(Self.storageClass(.immediate))
        for i in 0..<6 { _ = try await c.store.create(Self.claim("data-\(i)")) }
        _ = try await c.reconciler("a", .cluster).runOnce()

        let a = try c.reconciler("a", .node), b = try c.reconciler("b", .node)
        async let ra = a.runOnce()
        async let rb = b.runOnce()
        let (sa, sb) = try await (ra, rb)
        #expect(sa.provisioned + sb.provisioned == 6)

        let volumes = try await c.persistentVolumes()
        #expect(volumes.count == 6)
        for i in 0..<6 {
            let claim = try await c.claim("data-\(i)")
            let node = try #require(claim.metadata.annotation(Annotations.selectedNode))
            #expect(claim.phase == .bound)
            let pv = try #require(volumes.first { $0.metadata.name == claim.spec.volumeName })
            #expect(NodeAgent(nodeName: node).owns(pv), "claim data-\(i) taken by \(node), its volume pinned elsewhere")
        }
        // Every volume directory is on exactly one node, and none is left without a PV.
        let made = c.volumes(on: "a") + c.volumes(on: "b")
        #expect(made.sorted() == volumes.map(\.metadata.name).sorted())
    }

    @Test("a runner settles while another writer keeps writing: the fixed point does not wait for silence")
    func settlesUnderAForeignWriter() async throws {
        let c = try Cluster()
        _ = try await c.store.create(Self.storageClass(.immediate))
        for i in 0..<20 { _ = try await c.store.create(Self.claim("data-\(i)")) }
        let store = c.store
        let writer = Task {
            var i = 0
            while !Task.isCancelled {
                // Nodes the binder does not act on: only the store's revision moves.
                _ = try? await store.create(Node(name: "other-\(i)", labels: [WellKnownLabels.hostname: "other-\(i)"]))
                i += 1
                try? await Task.sleep(for: .milliseconds(1))
            }
        }
        defer { writer.cancel() }
        let summary = try await c.reconciler("a", .all).runOnce()
        writer.cancel()
        #expect(summary.provisioned == 20)
        #expect(summary.passes < 6, "took \(summary.passes) passes")
        for i in 0..<20 { #expect(try await c.claim("data-\(i)").phase == .bound) }
    }
}

/// Which node takes an Immediate claim when one of them has no room: node a's volumes live on a
/// 16 MiB tmpfs the test mounts under its own directory (and unmounts by that path).
@Suite("Immediate placement by room", .serialized)
struct PlacementByRoomTests {
    @Test("an Immediate claim goes to the Ready node with room")
    func claimGoesToTheNodeWithRoom() async throws {
        guard getuid() == 0 else {
            print("skipped: mounting a small tmpfs for node a needs root")
            return
        }
        let c = try ControllerRolesTests.Cluster()
        let small = c.root("a")
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: true)
        try Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", small])
        defer {
            try? Self.run("/bin/umount", [small])
            // The directory goes only once nothing is mounted on it.
            withExtendedLifetime(c) {}
        }

        _ = try await c.store.create(ControllerRolesTests.storageClass(.immediate))
        var claim = ControllerRolesTests.claim("big")
        claim.spec.resources?.requests?["storage"] = Quantity(64 << 20)
        _ = try await c.store.create(claim)
        for node in ["a", "b"] { try await NodeRegistration.register(node, in: c.store) }
        _ = try await c.reconciler("a", .cluster).runOnce()

        // Node a looks first, and leaves it; node b has room and takes it. (The patience is long
        // so that a slow machine does not see the claim wait out a's turn.)
        var nodeA = try c.reconciler("a", .node)
        nodeA.placementPatience = .seconds(3600)
        let a = try await nodeA.runOnce()
        #expect(a.provisioned == 0)
        #expect(try await c.claim("big").metadata.annotation(Annotations.selectedNode) == nil)
        let b = try await c.reconciler("b", .node).runOnce()
        #expect(b.provisioned == 1)
        let taken = try await c.claim("big")
        #expect(taken.metadata.annotation(Annotations.selectedNode) == "b")
        #expect(taken.phase == .bound)
        #expect(c.volumes(on: "a").isEmpty)
    }

    static func run(_ tool: String, _ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw CocoaError(.executableLoad, userInfo: ["tool": "\(tool) \(args)"]) }
    }
}
