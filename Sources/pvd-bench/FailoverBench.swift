import ArgumentParser
import Foundation
import PVDEtcd
import PVDModel
import PVDServer
import PVDStore

#if canImport(Glibc)
import Glibc
#endif

/// `pvd-bench failover`: several `pvd serve` daemons on a 3-member etcd started for the run.
/// (1) The leader is killed with SIGKILL `--kills` times; each time a claim is applied at once,
/// and the time until it is Bound (which needs the next leader's binder) and until another
/// daemon's /readyz says it leads are recorded, beside the lease TTL + 1 s target. (2) apply →
/// Bound of one claim at a time with every member up, then with one etcd member killed: the
/// p99 ratio, beside the ≤ 2× target.
struct FailoverBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failover", abstract: "Leader failover after SIGKILL, and apply → Bound with an etcd member down.")

    @Option(help: "How many times the leader is killed.")
    var kills = 10
    @Option(help: "The leader's lease, in seconds (--leader-lease of every daemon).")
    var lease = 5
    @Option(help: "How many daemons.")
    var nodes = 3
    @Option(help: "Claims applied one at a time for each half of the member-kill measurement.")
    var claims = 50
    @Option(help: "The pvd binary (default: the one beside pvd-bench).")
    var pvd: String?
    @Option(help: "Directory under which the benchmark makes its root.")
    var workDir = NSTemporaryDirectory()
    @Option(help: "Where to write the JSON results (default bench-results/failover.json).")
    var json: String?

    /// One daemon of the run, restarted after each kill with the same root and node.
    struct Daemon: Sendable {
        var node: String
        var root: String
        var port: Int
        var pid: pid_t = 0
    }

    func run() async throws {
        let binary = pvd ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("pvd").path
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw BenchError("no pvd binary at \(binary); pass --pvd") }
        let root = URL(fileURLWithPath: workDir).appendingPathComponent("pvd-bench-failover-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let etcd = try await BenchEtcd.start(size: 3, workDir: root, maxTxnOps: 1000, maxRequestBytes: 8 << 20)
        var daemons: [Daemon] = []
        defer {
            for d in daemons where d.pid > 0 {
                kill(d.pid, SIGKILL)
                _ = ChildProcess.wait(d.pid)
            }
            etcd.stop()
            for _ in 0..<3 where FileManager.default.fileExists(atPath: root) { try? FileManager.default.removeItem(atPath: root) }
        }
        let url = etcd.url(prefix: "/failover")
        let storeArgs = ["--store", url]
        let errors = root + "/stderr.log"
        try DaemonBenchRoot.prepare(root, binary: binary, storeArgs: storeArgs, errors: errors)
        let ports = try LoopbackPorts.free(nodes)
        for i in 0..<nodes {
            daemons.append(Daemon(node: "node-\(i + 1)", root: "\(root)/node-\(i + 1)", port: ports[i]))
        }
        func start(_ i: Int) throws {
            let d = daemons[i]
            try FileManager.default.createDirectory(atPath: d.root, withIntermediateDirectories: true)
            daemons[i].pid = try ChildProcess.spawn(
                [binary, "serve", "--root", d.root, "--node", d.node, "--config", root + "/config.yaml", "--listen", "127.0.0.1:\(d.port)",
                 "--log-level", "warning", "--leader-lease", "\(lease)s"] + storeArgs,
                stderrPath: d.root + "/serve.log")
        }
        for i in daemons.indices { try start(i) }
        for d in daemons { try await Self.waitLeaderKnown(d) }
        let store = try await StoreChoice.openEtcd(url)
        var claimNumber = 0
        func applyClaim() throws -> String {
            claimNumber += 1
            let name = "claim-\(claimNumber)"
            let file = "\(root)/\(name).yaml"
            try Data("""
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: \(name)}
                spec:
                  storageClassName: bench
                  accessModes: [ReadWriteOnce]
                  resources: {requests: {storage: 1Mi}}
                """.utf8).write(to: URL(fileURLWithPath: file))
            guard try ChildProcess.run([binary, "apply", "--root", root, "-f", file] + storeArgs, stderrPath: errors) == 0 else {
                throw BenchError("pvd apply \(name) failed: \(ChildProcess.tail(errors))")
            }
            return name
        }
        func waitBound(_ name: String, limit: Duration = .seconds(60)) async throws {
            let deadline = ContinuousClock.now + limit
            while ContinuousClock.now < deadline {
                if let c = try? await store.get(PersistentVolumeClaim.self, namespace: "default", name: name), c.phase == .bound { return }
                try await Task.sleep(for: .milliseconds(5))
            }
            throw BenchError("\(name) not Bound within \(limit)")
        }

        // (1) Kill the leader, again and again.
        print("failover: \(nodes) daemons, lease \(lease) s, \(kills) SIGKILLs of the leader")
        var bound: [Double] = [], led: [Double] = []
        for k in 0..<kills {
            guard let leaderName = daemons.lazy.compactMap({ Self.leader(of: $0)?.name }).first,
                  let li = daemons.firstIndex(where: { $0.node == leaderName }) else {
                throw BenchError("no daemon names a leader")
            }
            kill(daemons[li].pid, SIGKILL)
            _ = ChildProcess.wait(daemons[li].pid)
            daemons[li].pid = 0
            let killed = ContinuousClock.now
            let name = try applyClaim()
            // Who leads next, seen from the survivors' /readyz, while the claim waits.
            let survivors = daemons.enumerated().filter { $0.offset != li }.map(\.element)
            async let newLeader: Double = Self.timeUntilSomeoneLeads(survivors, since: killed)
            try await waitBound(name)
            let tBound = Measure.seconds(ContinuousClock.now - killed)
            let tLed = await newLeader
            bound.append(tBound)
            led.append(tLed)
            print(String(format: "  kill %2d of %@: new leader after %.2f s, claim Bound after %.2f s", k + 1, leaderName, tLed, tBound))
            try start(li)
            try await Self.waitLeaderKnown(daemons[li])
        }

        // (2) apply → Bound, healthy, then with one member down.
        func latencies() async throws -> [Double] {
            var out: [Double] = []
            for _ in 0..<claims {
                let t0 = ContinuousClock.now
                let name = try applyClaim()
                try await waitBound(name)
                out.append(Measure.seconds(ContinuousClock.now - t0))
            }
            return out
        }
        let healthy = try await latencies()
        etcd.killMember(2)
        let degraded = try await latencies()

        func p(_ xs: [Double], _ q: Double) -> Double {
            let s = xs.sorted()
            return s.isEmpty ? 0 : s[min(s.count - 1, Int((Double(s.count) * q).rounded(.up)) - 1)]
        }
        let target = Double(lease + 1)
        print("")
        print("what                                min   median      p90      max")
        for (label, xs) in [("new leader after kill (s)", led), ("claim Bound after kill (s)", bound)] {
            print(label.padding(toLength: 30, withPad: " ", startingAt: 0)
                + String(format: "%8.2f %8.2f %8.2f %8.2f", xs.min() ?? 0, Measure.median(xs), p(xs, 0.9), xs.max() ?? 0))
        }
        print(String(format: "target: claim Bound within lease + 1 s = %.0f s: %@ (max %.2f s)", target,
                     (bound.max() ?? .infinity) <= target ? "met" : "MISSED", bound.max() ?? 0))
        print("")
        print("apply → Bound (one pvd apply, then polled), \(claims) claims each")
        print(String(format: "  3 members:    median %7.2f ms, p99 %7.2f ms", Measure.median(healthy) * 1000, p(healthy, 0.99) * 1000))
        print(String(format: "  1 killed:     median %7.2f ms, p99 %7.2f ms", Measure.median(degraded) * 1000, p(degraded, 0.99) * 1000))
        let ratio = p(degraded, 0.99) / max(p(healthy, 0.99), 1e-9)
        print(String(format: "target: p99 with a member down ≤ 2× healthy: %@ (%.2f×)", ratio <= 2 ? "met" : "MISSED", ratio))
        print("load average: \(ProcessStats.loadAverage())")
        try ResultFile.write([
            "benchmark": "failover", "lease_seconds": lease, "nodes": nodes, "kills": kills,
            "new_leader_seconds": led, "bound_after_kill_seconds": bound,
            "healthy_apply_to_bound_seconds": healthy, "member_down_apply_to_bound_seconds": degraded,
        ], to: json ?? "bench-results/failover.json")
    }

    /// The leader a daemon's /readyz names, and whether it is that daemon.
    static func leader(of d: Daemon) -> (name: String, isThis: Bool)? {
        guard d.pid > 0, let r = LoopbackHTTPClient.get(port: d.port, path: "/readyz"), r.status == 200,
              let seen = ReadinessLeader.parse(r.body), let name = seen.name else { return nil }
        return (name, seen.isThisDaemon)
    }

    static func waitLeaderKnown(_ d: Daemon) async throws {
        for _ in 0..<3000 {
            if let status = ChildProcess.hasExited(d.pid) { throw BenchError("pvd serve \(d.node) exited with \(status): \(ChildProcess.tail(d.root + "/serve.log"))") }
            if leader(of: d) != nil { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchError("\(d.node) never named a leader: \(ChildProcess.tail(d.root + "/serve.log"))")
    }

    /// Seconds from `since` until one of `daemons` says it leads (at most 60 s).
    static func timeUntilSomeoneLeads(_ daemons: [Daemon], since: ContinuousClock.Instant) async -> Double {
        for _ in 0..<6000 {
            if daemons.contains(where: { leader(of: $0)?.isThis == true }) { return Measure.seconds(ContinuousClock.now - since) }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return .infinity
    }
}
