import Foundation
import PVDEtcd
import PVDModel
import PVDStore
import Testing

/// What only etcd can do wrong: members that die, URLs that lead nowhere, prefixes that hold
/// another program's keys, batches bigger than one transaction. Its own cluster, since members
/// are killed; one case at a time.
@Suite(.serialized, .etcdCluster, .enabled(if: EtcdCluster.available, "needs Debian's etcd-server"))
struct EtcdFaultTests {
    var cluster: EtcdCluster { get throws { try #require(EtcdCluster.current) } }

    func freshURL(_ options: String = "") throws -> String {
        try cluster.url(prefix: "/fault-\(UUID().uuidString.prefix(8).lowercased())", options: options)
    }

    @Test func aMemberKilledAndRestartedLosesNoWriteAndNoWatchEvent() async throws {
        let cluster = try self.cluster
        let store = try EtcdStore(try freshURL())
        try await store.verify(claiming: true)
        let base = try await store.currentRevision()
        // The watch's stream is on the first endpoint, the one about to die.
        let collector = EventCollector()
        let watch = collect(store.watch([.persistentVolume], after: base), into: collector)
        for i in 0..<10 { _ = try await store.create(volume("pv-a\(i)")) }
        #expect(await collector.waitFor(count: 10).count == 10)

        cluster.stopMember(0, hard: true)
        for i in 0..<20 { _ = try await store.create(volume("pv-b\(i)")) }
        try cluster.restartMember(0)
        try await cluster.waitHealthy(timeout: .seconds(20))
        for i in 0..<10 { _ = try await store.create(volume("pv-c\(i)")) }

        let events = await collector.waitFor(count: 40)
        #expect(events.count == 40)
        #expect(events.map(\.revision) == events.map(\.revision).sorted())
        #expect(Set(events.map(\.object.metadata.name)).count == 40)
        #expect(await collector.failure == nil)
        watch.cancel()
        _ = await watch.value
        #expect(try await store.list(PersistentVolume.self, namespace: nil, selector: nil).items.count == 40)
    }

    @Test func anUnreachableURLIsAClearErrorNamingTheEndpointSoon() async throws {
        let ports = try EtcdCluster.freePorts(2)
        let url = "etcd://127.0.0.1:\(ports[0]),127.0.0.1:\(ports[1])/x"
        let store = try EtcdStore(url)
        let clock = ContinuousClock()
        var error: StoreError?
        let took = await clock.measure { error = await storeError { () async throws(StoreError) in try await store.verify(claiming: true) } }
        // Four refused passes take under a second; what this guards against is waiting out the
        // URL's 10 s request timeout. 6 s leaves room for a loaded machine (3.04 s was seen
        // with the whole suite running on two cores).
        #expect(took < .seconds(6), "\(took)")
        let e = try #require(error)
        #expect(e.code == .unavailable)
        #expect(e.message.contains("127.0.0.1:\(ports[0]): connection refused"), "\(e.message)")
        #expect(e.message.contains("127.0.0.1:\(ports[1])"), "\(e.message)")
    }

    @Test func wrongTLSIsAClearErrorNamingTheEndpointOrFile() async throws {
        let cluster = try self.cluster
        // TLS spoken to a member that serves plain HTTP: the handshake fails.
        let store = try EtcdStore("etcds://127.0.0.1:\(cluster.clientPorts[0])/x?timeout=2s")
        let e = await storeError { () async throws(StoreError) in try await store.verify(claiming: true) }
        #expect(e?.code == .unavailable)
        #expect(e?.message.contains("127.0.0.1:\(cluster.clientPorts[0]):") == true, "\(e?.message ?? "")")

        let missing = await storeError { () async throws(StoreError) in
            _ = try EtcdStore("etcds://127.0.0.1:2379/x?ca=/nonexistent/ca.pem")
        }
        #expect(missing?.code == .unavailable)
        #expect(missing?.message.contains("CA file /nonexistent/ca.pem") == true, "\(missing?.message ?? "")")
        let plain = await storeError { () async throws(StoreError) in _ = try EtcdStoreURL("etcd://h:2379?ca=/x.pem") }
        #expect(plain?.message.contains("write etcds://") == true)
    }

    @Test func aPrefixHoldingForeignKeysIsRefusedBeforeAnyWrite() async throws {
        let cluster = try self.cluster
        let prefix = "/foreign-\(UUID().uuidString.prefix(8).lowercased())"
        try rawPut(port: cluster.clientPorts[0], key: "\(prefix)/pods/default/web", value: "k8s\u{0}protobuf")
        let store = try EtcdStore(cluster.url(prefix: prefix))
        let before = try await store.currentRevision()
        let e = await storeError { () async throws(StoreError) in try await store.create(claim("data")) }
        #expect(e?.code == .unavailable)
        #expect(e?.message.contains("\(prefix)/pods/default/web") == true, "\(e?.message ?? "")")
        #expect(try await store.currentRevision() == before)

        // A foreign value under a kind's keys of a pvd prefix: the read names the key.
        let ours = try EtcdStore(try freshURL())
        _ = try await ours.create(claim("data"))
        try rawPut(port: cluster.clientPorts[0], key: "\(ours.url.prefix)/persistentvolumeclaims/default/zz", value: "not json")
        let listError = await storeError { () async throws(StoreError) in
            try await ours.list(PersistentVolumeClaim.self, namespace: nil, selector: nil)
        }
        #expect(listError?.message.contains("key \(ours.url.prefix)/persistentvolumeclaims/default/zz does not hold a pvd object") == true)
    }

    @Test func aCommitBiggerThanOneTransactionIsRefusedWhole() async throws {
        let store = try EtcdStore(try freshURL())
        try await store.verify(claiming: true)
        let before = try await store.currentRevision()
        let writes = (0..<129).map { StoreWrite.create(AnyResource(volume("pv-\($0)"))) }
        let e = await storeError { () async throws(StoreError) in try await store.commit(writes) }
        #expect(e?.code == .invalid)
        #expect(e?.message.contains("more than the 128 one etcd transaction takes (--max-txn-ops); nothing was written") == true)
        #expect(try await store.currentRevision() == before)
        #expect(try await store.commit(Array(writes.prefix(128))).count == 128)

        // Bytes: a store URL that says the members take less is held to it.
        let small = try EtcdStore(try freshURL("max-request-bytes=8192"))
        var big = volume("pv-big")
        big.metadata.annotations = ["note": String(repeating: "x", count: 10_000)]
        let tooBig = await storeError { () async throws(StoreError) in try await small.create(big) }
        #expect(tooBig?.message.contains("--max-request-bytes") == true, "\(tooBig?.message ?? "")")
    }

    @Test func oneCompactorPerIntervalCompactsToThePreviousRound() async throws {
        let url = try freshURL()
        let a = try EtcdStore(url), b = try EtcdStore(url)
        _ = try await a.create(volume("pv-1"))
        // Round one: a records where history stands; b, a step behind, only follows.
        let (a1, aCompacted) = try await a.compactionRound(.init())
        let (b1, bCompacted) = try await b.compactionRound(.init())
        #expect(!aCompacted && !bCompacted)
        #expect(b1.keyVersion == a1.keyVersion)
        let kept = try await a.currentRevision()
        _ = try await a.create(volume("pv-2"))
        // Round two: b's view is current, so b wins and compacts to round one's revision.
        let (_, compacted) = try await b.compactionRound(b1)
        #expect(compacted)
        let (_, again) = try await a.compactionRound(a1)
        #expect(!again)
        let collector = EventCollector()
        let task = collect(a.watch([.persistentVolume], after: 0), into: collector)
        #expect((await collector.waitForFailure() as? StoreError)?.code == .compacted)
        _ = await task.value
        let recent = EventCollector()
        let ok = collect(a.watch([.persistentVolume], after: kept), into: recent)
        #expect(await recent.waitFor(count: 1).map(\.object.metadata.name) == ["pv-2"])
        ok.cancel()
        _ = await ok.value
    }
}

/// Puts a raw key through the gateway, as another program sharing the cluster would.
func rawPut(port: Int, key: String, value: String) throws {
    try rawCall(port: port, "/v3/kv/put", #"{"key":"\#(Data(key.utf8).base64EncodedString())","value":"\#(Data(value.utf8).base64EncodedString())"}"#)
}

/// Deletes a raw key through the gateway, as an operator with etcdctl would.
func rawDelete(port: Int, key: String) throws {
    try rawCall(port: port, "/v3/kv/deleterange", #"{"key":"\#(Data(key.utf8).base64EncodedString())"}"#)
}

/// POSTs `body` to the gateway of the member on `port` with curl, not through pvd's client.
func rawCall(port: Int, _ path: String, _ body: String) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    p.arguments = ["-sf", "-m", "5", "-X", "POST", "-d", body, "http://127.0.0.1:\(port)\(path)"]
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    if p.terminationStatus != 0 { throw ClusterError("curl \(path) \(body): exit \(p.terminationStatus)") }
}

extension EtcdFaultTests {
    /// A watch whose consumer stops closes its HTTP stream: a daemon that watches again after
    /// every relist must not pile up open streams.
    @Test func cancelledWatchesCloseTheirStreams() async throws {
        let cluster = try self.cluster
        let store = try EtcdStore(try freshURL())
        try await store.verify(claiming: true)
        let ports = cluster.clientPorts
        // Connections are told apart by their local address, so ones other tests' stores close
        // (or open) meanwhile do not count: only those the watches opened.
        let before = try establishedConnections(to: ports)
        var tasks: [Task<Void, Never>] = []
        // From now: an earlier test of the suite may have compacted the history, which would
        // end a watch from revision 0 at once.
        let now = try await store.currentRevision()
        for _ in 0..<5 { tasks.append(collect(store.watch([.node], after: now), into: EventCollector())) }
        let deadline = ContinuousClock.now + .seconds(10)
        // One stream may take a connection left idle in the pool.
        func opened() throws -> Set<String> { try establishedConnections(to: ports).subtracting(before) }
        while try opened().count < 4, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let streams = try opened()
        #expect(streams.count >= 4, "new connections with the watches: \(streams.sorted())")
        for t in tasks { t.cancel() }
        for t in tasks { _ = await t.value }
        while try !establishedConnections(to: ports).isDisjoint(with: streams), ContinuousClock.now < deadline + .seconds(10) {
            try await Task.sleep(for: .milliseconds(20))
        }
        let left = try establishedConnections(to: ports).intersection(streams)
        #expect(left.isEmpty, "watch streams still open after cancelling: \(left.sorted())")
    }
}

/// The local addresses of established TCP connections from this machine to any of these
/// loopback ports, as `ss` lists them.
func establishedConnections(to ports: [Int]) throws -> Set<String> {
    var found: Set<String> = []
    for port in ports {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ss")
        p.arguments = ["-Htn", "state", "established", "dst", "127.0.0.1:\(port)"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            // Recv-Q Send-Q Local Peer: the local address names the connection.
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 3 { found.insert(String(fields[2])) }
        }
    }
    return found
}
