import Foundation
import PVDControllers
import PVDEtcd
import PVDModel
import PVDStore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Two `pvd serve` daemons, two node names, one etcd store, as `deploy/cluster/` runs them:
/// each provisions on its own disks, exactly one leads the cluster-wide controllers, and a
/// leader killed with SIGKILL is replaced within its lease without a claim bound twice or lost.
@Suite(.serialized, .etcdCluster, .enabled(if: EtcdCluster.available, "needs Debian's etcd-server"))
struct TwoDaemonsTests {
    /// The leader's lease in these tests (the failover benchmark's TTL).
    static let lease = 5

    /// A fresh prefix, a temporary directory, and two daemons node-a and node-b on them.
    final class Pair: @unchecked Sendable {
        let dir: String
        let store: String
        let a: DaemonProcess
        let b: DaemonProcess

        init(cluster: EtcdCluster) throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-two-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            store = cluster.url(prefix: "/two-\(UUID().uuidString.prefix(8).lowercased())")
            let ports = try EtcdCluster.freePorts(2)
            a = DaemonProcess(node: "node-a", root: dir + "/a", store: store, port: ports[0])
            b = DaemonProcess(node: "node-b", root: dir + "/b", store: store, port: ports[1])
        }

        deinit {
            a.kill(hard: true)
            b.kill(hard: true)
            // A killed daemon leaves its Pods' volumes published: unmount them (under this
            // pair's directory only) before the directory goes.
            DaemonProcess.unmountEverything(under: dir)
            try? FileManager.default.removeItem(atPath: dir)
        }

        var daemons: [DaemonProcess] { [a, b] }

        func start(extra: [String] = []) async throws {
            for d in daemons { try d.start(extra: ["--leader-lease", "\(TwoDaemonsTests.lease)s"] + extra) }
            let ready = await DaemonProcess.waitUntil(.seconds(30)) { daemons.allSatisfy { $0.leader() != nil } }
            #expect(ready, "daemons not ready: \(a.logText)\n---\n\(b.logText)")
        }

        func apply(_ yaml: String) throws {
            let file = dir + "/m-\(UUID().uuidString.prefix(6)).yaml"
            try yaml.write(toFile: file, atomically: true, encoding: .utf8)
            let r = try runPVD(["apply", "--root", dir, "--store", store, "-f", file])
            #expect(r.status == 0, "\(r.stderr)")
        }

        func waitBound(_ claim: String, timeout: String = "60s") throws -> Bool {
            let r = try runPVD(["wait", "--root", dir, "--store", store, "pvc/\(claim)", "--for=phase=Bound", "--timeout", timeout])
            return r.status == 0
        }

        /// Volume directories `d` holds.
        func volumes(on d: DaemonProcess) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: d.root + "/hostpath")) ?? []).filter { $0.hasPrefix("pvc-") }.sorted()
        }
    }

    static let classes = """
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: local}
        provisioner: pvd.io/hostpath
        ---
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: local-wffc}
        provisioner: pvd.io/hostpath
        volumeBindingMode: WaitForFirstConsumer
        """

    static func claim(_ name: String, className: String = "local") -> String {
        """
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: \(name)}
        spec:
          storageClassName: \(className)
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: 1Mi}}
        """
    }

    @Test(.enabled(if: geteuid() == 0, "provisions hostPath directories as root"))
    func oneLeaderAndEachNodeProvisionsItsOwn() async throws {
        let cluster = try #require(EtcdCluster.current)
        let pair = try Pair(cluster: cluster)
        try await pair.start(extra: ["--heartbeat-interval", "1s"])
        // Exactly one leads, and both name the same one.
        let seen = pair.daemons.compactMap { $0.leader() }
        #expect(seen.count == 2 && Set(seen.map(\.name)).count == 1, "\(seen)")
        #expect(seen.filter(\.isThis).count == 1, "\(seen)")

        let pod = """
            apiVersion: v1
            kind: Pod
            metadata: {name: app}
            spec:
              nodeName: node-b
              containers: [{name: c, image: busybox}]
              volumes: [{name: v, persistentVolumeClaim: {claimName: wffc}}]
            """
        try pair.apply([Self.classes, Self.claim("wffc", className: "local-wffc"), pod, Self.claim("now")].joined(separator: "\n---\n"))
        #expect(try pair.waitBound("wffc"), "\(pair.a.logText)\n---\n\(pair.b.logText)")
        #expect(try pair.waitBound("now"))

        let store = try EtcdStore(pair.store)
        let wffc = try await store.get(PersistentVolumeClaim.self, namespace: "default", name: "wffc")
        let now = try await store.get(PersistentVolumeClaim.self, namespace: "default", name: "now")
        let wffcVolume = try #require(wffc.spec.volumeName)
        let nowVolume = try #require(now.spec.volumeName)
        // The Pod's node made the WaitForFirstConsumer volume; node-a never did.
        #expect(pair.volumes(on: pair.b).contains(wffcVolume))
        #expect(!pair.volumes(on: pair.a).contains(wffcVolume))
        // The Immediate one is on exactly the node that took it.
        let taker = try #require(now.metadata.annotation(Annotations.selectedNode))
        let onA = pair.volumes(on: pair.a).contains(nowVolume), onB = pair.volumes(on: pair.b).contains(nowVolume)
        #expect(onA != onB)
        #expect((onA ? "node-a" : "node-b") == taker)
        // Both nodes registered, Ready.
        let nodes = try await store.list(Node.self, namespace: nil, selector: nil).items.map(\.metadata.name).sorted()
        #expect(nodes == ["node-a", "node-b"])
        // Each renews its own lease in kube-node-lease.
        let leases = try await store.list(Lease.self, namespace: NodeLease.namespace, selector: nil).items
        #expect(leases.map(\.metadata.name).sorted() == ["node-a", "node-b"])
        #expect(leases.allSatisfy { $0.spec.holderIdentity == $0.metadata.name && $0.spec.renewTime != nil })
        // Each publishes its room for each class, at the heartbeat after the classes came.
        let published = await DaemonProcess.waitUntil(.seconds(10)) {
            let caps = (try? await store.list(CSIStorageCapacity.self, namespace: StorageCapacityReport.namespace, selector: nil).items) ?? []
            return Set(caps.map { "\($0.nodeTopology?.matchLabels?[WellKnownLabels.hostname] ?? "?")/\($0.storageClassName)" })
                == ["node-a/local", "node-a/local-wffc", "node-b/local", "node-b/local-wffc"]
        }
        #expect(published)
    }

    @Test(.enabled(if: geteuid() == 0, "provisions hostPath directories as root"))
    func aKilledLeaderIsReplacedAndNoClaimIsBoundTwice() async throws {
        let cluster = try #require(EtcdCluster.current)
        let pair = try Pair(cluster: cluster)
        // Heartbeats every second, stale after five: the node lifecycle's part is seen in seconds.
        let grace: Int64 = 5
        try await pair.start(extra: ["--heartbeat-interval", "1s", "--node-grace", "\(grace)s"])
        try pair.apply(Self.classes + "\n---\n" + (0..<4).map { Self.claim("before-\($0)") }.joined(separator: "\n---\n"))
        for i in 0..<4 { #expect(try pair.waitBound("before-\(i)")) }

        let leaderName = try #require(pair.a.leader()?.name)
        let leader = leaderName == "node-a" ? pair.a : pair.b
        let other = leaderName == "node-a" ? pair.b : pair.a
        leader.kill(hard: true)
        let killed = ContinuousClock.now
        // Needs the new leader's binder to annotate it for provisioning.
        try pair.apply(Self.claim("after"))
        #expect(try pair.waitBound("after", timeout: "30s"), "\(other.logText)")
        let took = ContinuousClock.now - killed
        print("failover: claim bound \(took) after the leader's SIGKILL (lease \(Self.lease)s)")
        #expect(took < .seconds(Self.lease + 6), "took \(took)")
        #expect(other.leader()?.isThis == true)

        // The new leader marks the killed node Unknown. The survivor posted its Ready status only
        // at start, so once that is older than the grace, only its lease keeps it Ready.
        let store = try EtcdStore(pair.store)
        func ready(_ name: String) async throws -> NodeCondition? {
            let node = try await store.get(Node.self, namespace: nil, name: name)
            return node.status?.conditions?.first { $0.type == "Ready" }
        }
        let marked = await DaemonProcess.waitUntil(.seconds(30)) {
            guard let dead = try? await ready(leaderName), let alive = try? await ready(other.node),
                  let beat = alive.lastHeartbeatTime?.seconds else { return false }
            return dead.status == "Unknown" && beat + grace < Time.now().seconds
        }
        #expect(marked, "\(other.logText)")
        #expect(try await ready(leaderName)?.reason == NodeHealth.staleReason)
        #expect(try await ready(other.node)?.status == "True")

        // The killed daemon comes back as a follower, Ready again; more claims bind.
        try leader.start(extra: ["--leader-lease", "\(Self.lease)s", "--heartbeat-interval", "1s", "--node-grace", "\(grace)s"])
        #expect(await DaemonProcess.waitUntil(.seconds(30)) { leader.leader() != nil })
        #expect(leader.leader()?.isThis == false)
        #expect(try await ready(leaderName)?.status == "True")
        try pair.apply((0..<4).map { Self.claim("later-\($0)") }.joined(separator: "\n---\n"))
        for i in 0..<4 { #expect(try pair.waitBound("later-\(i)")) }

        // Every claim bound once, to a volume bound back to it; no volume without its claim.
        let claims = try await store.list(PersistentVolumeClaim.self, namespace: nil, selector: nil).items
        let volumes = try await store.list(PersistentVolume.self, namespace: nil, selector: nil).items
        #expect(claims.count == 9)
        #expect(volumes.count == 9)
        #expect(Set(claims.compactMap(\.spec.volumeName)).count == 9)
        for c in claims {
            let pv = volumes.first { $0.metadata.name == c.spec.volumeName }
            #expect(pv?.spec.claimRef?.uid == c.metadata.uid, "\(c.key)")
        }
        let made = pair.volumes(on: pair.a) + pair.volumes(on: pair.b)
        #expect(made.sorted() == volumes.map(\.metadata.name).sorted())
    }
}

extension TwoDaemonsTests {
    @Test(.enabled(if: geteuid() == 0, "provisions hostPath directories as root"))
    func aDaemonKilledMidProvisioningFinishesOnRestartWithNothingDoubled() async throws {
        let cluster = try #require(EtcdCluster.current)
        let pair = try Pair(cluster: cluster)
        // One daemon: the claims are all its to provision.
        try pair.a.start(extra: ["--leader-lease", "\(Self.lease)s"])
        #expect(await DaemonProcess.waitUntil(.seconds(30)) { pair.a.leader() != nil }, "\(pair.a.logText)")
        try pair.apply(Self.classes + "\n---\n" + (0..<20).map { Self.claim("c-\($0)") }.joined(separator: "\n---\n"))
        // Killed as soon as the first volume is there, with the others in flight.
        #expect(await DaemonProcess.waitUntil(.seconds(30)) { !pair.volumes(on: pair.a).isEmpty })
        pair.a.kill(hard: true)
        try pair.a.start(extra: ["--leader-lease", "\(Self.lease)s"])
        for i in 0..<20 { #expect(try pair.waitBound("c-\(i)"), "\(pair.a.logText)") }

        let store = try EtcdStore(pair.store)
        let volumes = try await store.list(PersistentVolume.self, namespace: nil, selector: nil).items
        #expect(volumes.count == 20)
        #expect(pair.volumes(on: pair.a) == volumes.map(\.metadata.name).sorted())
        // No half-made directory left beside them.
        let all = (try? FileManager.default.contentsOfDirectory(atPath: pair.a.root + "/hostpath")) ?? []
        #expect(all.filter { !$0.hasPrefix("pvc-") }.isEmpty, "\(all)")
    }

    @Test(.enabled(if: geteuid() == 0, "provisions hostPath directories as root"))
    func claimsBindWhileAnEtcdMemberIsDown() async throws {
        let cluster = try #require(EtcdCluster.current)
        let pair = try Pair(cluster: cluster)
        try await pair.start()
        try pair.apply(Self.classes)
        cluster.stopMember(0, hard: true)
        // Restarted once, here or on the way out: a second start would leave the first process
        // running with nobody holding its PID.
        var restarted = false
        defer { if !restarted { try? cluster.restartMember(0) } }
        try pair.apply((0..<5).map { Self.claim("down-\($0)") }.joined(separator: "\n---\n"))
        for i in 0..<5 { #expect(try pair.waitBound("down-\(i)"), "\(pair.a.logText)\n---\n\(pair.b.logText)") }
        try cluster.restartMember(0)
        restarted = true
        try await cluster.waitHealthy(timeout: .seconds(20))
        try pair.apply((0..<5).map { Self.claim("up-\($0)") }.joined(separator: "\n---\n"))
        for i in 0..<5 { #expect(try pair.waitBound("up-\(i)")) }
        let volumes = try await EtcdStore(pair.store).list(PersistentVolume.self, namespace: nil, selector: nil).items
        #expect(volumes.count == 10)
    }
}
