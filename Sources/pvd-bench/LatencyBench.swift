import ArgumentParser
import Foundation
import PVDEtcd
import PVDModel
import PVDServer
import PVDStore

#if canImport(Glibc)
import Glibc
#endif

/// `pvd-bench latency`: a running `pvd serve`, and N times `pvd apply -f claim.yaml` in one
/// process followed by `pvd wait pvc/NAME --for=phase=Bound` in another, as a user would. Then
/// an idle daemon holding many objects: its resident memory and CPU time. With an etcd store
/// (`--store etcd://…` or `--etcd 3`), the same on SQLite and on etcd, side by side.
struct LatencyBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latency", abstract: "Time apply → Bound against a running pvd serve, then measure it idle with many objects.")

    @Option(help: "How many claims to apply and wait for, one after another.")
    var count = 200

    @Option(help: "The pvd binary (default: the one beside pvd-bench).")
    var pvd: String?

    @Option(help: "Objects (half PVs, half claims) loaded for the idle measurement; 0 skips it.")
    var idleObjects = 10_000

    @Option(help: "Seconds the idle daemon is watched.")
    var idleSeconds = 30

    @Option(help: "Directory under which the benchmark makes its root.")
    var workDir = "/var/tmp"

    @Option(help: "Where to write the JSON results (default bench-results/latency-N.json, latency-N-etcd.json when compared).")
    var json: String?

    @OptionGroup var storeChoice: StoreChoice

    func run() async throws {
        let binary = pvd ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("pvd").path
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw BenchError("no pvd binary at \(binary); pass --pvd") }
        if storeChoice.compares { return try await compare(binary: binary) }
        // On etcd, every pvd process is told the store; on SQLite it is <root>/state.db.
        let storeArgs = storeChoice.etcdURL.map { ["--store", $0] } ?? []
        let root = URL(fileURLWithPath: workDir).appendingPathComponent("pvd-bench-latency-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer {
            // A store connection closing meanwhile may leave a -wal file behind the first pass.
            for _ in 0..<3 where FileManager.default.fileExists(atPath: root) { try? FileManager.default.removeItem(atPath: root) }
        }
        let loadBefore = ProcessStats.loadAverage()
        let errors = root + "/stderr.log"

        // The class, then the daemon on a free port, with an empty config file so nothing on
        // this machine's /etc/pvd changes the run.
        try DaemonBenchRoot.prepare(root, binary: binary, storeArgs: storeArgs, errors: errors)
        let port = try LoopbackPorts.free(1)[0]
        let daemon = try ChildProcess.spawn(
            [binary, "serve", "--root", root, "--config", root + "/config.yaml", "--listen", "127.0.0.1:\(port)", "--log-level", "warning"]
                + storeArgs,
            stderrPath: root + "/serve.log")
        var daemonStatus: Int32?
        defer {
            if daemonStatus == nil {
                kill(daemon, SIGKILL)
                _ = ChildProcess.wait(daemon)
            }
        }
        try await waitReady(port: port, daemon: daemon, log: root + "/serve.log")

        // Watch the claims from here too: the same inotify wake-up (or etcd watch) tells this
        // process when each apply committed and when the daemon wrote it Bound.
        let store: any ObjectStore
        if let url = storeChoice.etcdURL {
            store = try await StoreChoice.openEtcd(url)
        } else {
            store = try SQLiteStore(path: root + "/state.db", createIfMissing: false)
        }
        let timeline = Timeline()
        let watcher = Task {
            do {
                for try await e in store.watch([.persistentVolumeClaim], after: try await store.currentRevision()) {
                    guard case .persistentVolumeClaim(let c) = e.object else { continue }
                    await timeline.saw(c.metadata.name, bound: c.phase == .bound, at: ContinuousClock.now)
                }
            } catch {}
        }
        defer { watcher.cancel() }

        // CLI start-up alone.
        var startup: [Double] = []
        for _ in 0..<50 {
            let t = ContinuousClock.now
            _ = try ChildProcess.run([binary, "version"])
            startup.append(Measure.seconds(ContinuousClock.now - t))
        }

        for i in 0..<count {
            try Data("""
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: claim-\(i)}
                spec:
                  storageClassName: bench
                  accessModes: [ReadWriteOnce]
                  resources: {requests: {storage: 1Gi}}
                """.utf8).write(to: URL(fileURLWithPath: "\(root)/claim-\(i).yaml"))
        }
        var total: [Double] = [], apply: [Double] = [], wait: [Double] = []
        for i in 0..<count {
            let t0 = ContinuousClock.now
            guard try ChildProcess.run([binary, "apply", "--root", root, "-f", "\(root)/claim-\(i).yaml"] + storeArgs, stderrPath: errors) == 0
            else {
                throw BenchError("pvd apply claim-\(i) failed: \(ChildProcess.tail(errors))")
            }
            let t1 = ContinuousClock.now
            guard try ChildProcess.run(
                [binary, "wait", "--root", root, "pvc/claim-\(i)", "--for=phase=Bound", "--timeout", "60s"] + storeArgs, stderrPath: errors) == 0
            else {
                throw BenchError("pvd wait claim-\(i) failed: \(ChildProcess.tail(errors))")
            }
            let t2 = ContinuousClock.now
            total.append(Measure.seconds(t2 - t0))
            apply.append(Measure.seconds(t1 - t0))
            wait.append(Measure.seconds(t2 - t1))
        }
        // The watcher may trail the last Bound by a moment.
        for _ in 0..<500 where await timeline.reactions().count < count { try await Task.sleep(for: .milliseconds(10)) }
        let reaction = await timeline.reactions()
        watcher.cancel()
        _ = await watcher.value
        let metrics = LoopbackHTTPClient.get(port: port, path: "/metrics")?.body ?? ""
        func metric(_ s: String) -> Double { LoopbackHTTPClient.metricValue(metrics, s) ?? 0 }
        let bindCount = metric("pvd_binding_duration_seconds_count"), bindSum = metric("pvd_binding_duration_seconds_sum")
        let provCount = metric("pvd_provisioning_duration_seconds_count"), provSum = metric("pvd_provisioning_duration_seconds_sum")

        // Idle with many objects.
        var idle: [String: Any] = [:]
        if idleObjects > 0 {
            idle = try await measureIdle(store: store, daemon: daemon, port: port)
        }

        kill(daemon, SIGTERM)
        var status: Int32?
        for _ in 0..<6000 {
            status = ChildProcess.hasExited(daemon)
            if status != nil { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        daemonStatus = status
        let loadAfter = ProcessStats.loadAverage()
        // A cluster this run did not start keeps nothing of it.
        if let url = storeChoice.etcdURL { try await EtcdGateway(url).deleteStore() }

        let result: [String: Any] = [
            "benchmark": "latency", "count": count, "pvd": binary, "store": storeChoice.etcdURL ?? "sqlite",
            "total_median_ms": ms(Measure.median(total)), "total_p99_ms": ms(Measure.p99(total)),
            "apply_median_ms": ms(Measure.median(apply)), "wait_median_ms": ms(Measure.median(wait)),
            "apply_p99_ms": ms(Measure.p99(apply)), "wait_p99_ms": ms(Measure.p99(wait)),
            "cli_startup_median_ms": ms(Measure.median(startup)), "cli_startup_p99_ms": ms(Measure.p99(startup)),
            "reaction_median_ms": ms(Measure.median(reaction)), "reaction_p99_ms": ms(Measure.p99(reaction)),
            "daemon_binding_mean_ms": bindCount > 0 ? bindSum / bindCount * 1000 : 0, "daemon_binding_count": bindCount,
            "daemon_provisioning_mean_ms": provCount > 0 ? provSum / provCount * 1000 : 0,
            "idle": idle, "daemon_exit_status": status.map { Int($0) } ?? -1,
            "load_average_before": loadBefore, "load_average_after": loadAfter,
        ]
        print("""
            pvd-bench latency  N=\(count)  pvd=\(binary)  store=\(storeChoice.etcdURL ?? "sqlite")
            load average before: \(loadBefore)   after: \(loadAfter)
            what                                          median        p99
            apply → Bound, whole (two CLI processes)  \(fmt(Measure.median(total)))  \(fmt(Measure.p99(total)))
              pvd apply process                       \(fmt(Measure.median(apply)))  \(fmt(Measure.p99(apply)))
              pvd wait process                        \(fmt(Measure.median(wait)))  \(fmt(Measure.p99(wait)))
            CLI start-up (pvd version)                \(fmt(Measure.median(startup)))  \(fmt(Measure.p99(startup)))
            daemon reaction (commit seen → Bound seen) \(fmt(Measure.median(reaction)))  \(fmt(Measure.p99(reaction)))
            daemon histograms: binding mean \(String(format: "%.2f", bindCount > 0 ? bindSum / bindCount * 1000 : 0)) ms over \(Int(bindCount)), \
            provisioning mean \(String(format: "%.2f", provCount > 0 ? provSum / provCount * 1000 : 0)) ms over \(Int(provCount))
            """)
        if !idle.isEmpty {
            print("""
                idle daemon, \(idle["objects"] ?? 0) objects: RSS \(idle["rss_mib"] ?? 0) MiB (peak \(idle["peak_rss_mib"] ?? 0) MiB), \
                CPU \(idle["cpu_seconds"] ?? 0) s over \(idleSeconds) s
                """)
        }
        print("daemon exit status after SIGTERM: \(status.map { "\($0)" } ?? "did not exit")")
        let path = json ?? "bench-results/latency-\(count).json"
        try ResultFile.write(result, to: path)
        print("wrote \(path)")
        if status != 0 { throw ExitCode(1) }
    }

    /// The benchmark on SQLite and on etcd, each in a process of its own, side by side.
    private func compare(binary: String) async throws {
        let c = try await storeChoice.compare(workDir: workDir, label: "latency") { store, json in
            ["latency", "--count", "\(count)", "--pvd", binary, "--idle-objects", "\(idleObjects)", "--idle-seconds", "\(idleSeconds)",
             "--work-dir", workDir, "--json", json, "--store", store]
        }
        let median = c.number(c.etcd, "total_median_ms"), p99 = c.number(c.etcd, "total_p99_ms")
        print("""

            pvd-bench latency  N=\(count)  SQLite beside etcd (\(c.etcdURL))
            what                                         sqlite       etcd      etcd/sqlite
            \(c.row("apply → Bound, median", "total_median_ms", unit: "ms", digits: 2))
            \(c.row("apply → Bound, p99", "total_p99_ms", unit: "ms", digits: 2))
            \(c.row("  pvd apply process, median", "apply_median_ms", unit: "ms", digits: 2))
            \(c.row("  pvd wait process, median", "wait_median_ms", unit: "ms", digits: 2))
            \(c.row("CLI start-up (pvd version), median", "cli_startup_median_ms", unit: "ms", digits: 2))
            \(c.row("daemon reaction, median", "reaction_median_ms", unit: "ms", digits: 2))
            \(c.row("daemon reaction, p99", "reaction_p99_ms", unit: "ms", digits: 2))
            \(c.row("daemon binding mean (its histogram)", "daemon_binding_mean_ms", unit: "ms", digits: 2))
            \(c.row("idle daemon RSS", "idle.rss_mib", unit: "MiB", digits: 1))
            \(c.row("idle daemon CPU over \(idleSeconds) s", "idle.cpu_seconds", unit: "s", digits: 2))
            target on etcd: median ≤ 30 ms \(median <= 30 ? "met" : "MISSED") (\(String(format: "%.2f", median)) ms), \
            p99 ≤ 100 ms \(p99 <= 100 ? "met" : "MISSED") (\(String(format: "%.2f", p99)) ms)
            """)
        for line in c.memberLines { print(line) }
        let path = json ?? "bench-results/latency-\(count)-etcd.json"
        try ResultFile.write(c.json(benchmark: "latency-compare", extra: ["count": count]), to: path)
        print("wrote \(path)")
    }

    /// Loads `idleObjects` objects (the bind benchmark's mix), lets the daemon settle, then
    /// watches its memory and CPU time for `idleSeconds`.
    private func measureIdle(store: any ObjectStore, daemon: pid_t, port: Int) async throws -> [String: Any] {
        var gen = BindWorkload(seed: 42)
        let (classes, volumes, claims) = gen.make(count: idleObjects / 2)
        var objects: [AnyResource] = classes.map { .storageClass($0) }
        objects += volumes.map { Defaulting.forCreate(.persistentVolume($0)) }
        objects += claims.map { Defaulting.forCreate(.persistentVolumeClaim($0)) }
        try await BindWorkload.load(objects, into: store)
        // Settled: the store's revision has not moved for 3 s and the queue is empty.
        var last: Int64 = -1, still = 0
        for _ in 0..<1200 {
            try await Task.sleep(for: .milliseconds(250))
            let r = try await store.currentRevision()
            let depth = LoopbackHTTPClient.get(port: port, path: "/metrics").flatMap {
                LoopbackHTTPClient.metricValue($0.body, "pvd_workqueue_depth")
            } ?? 1
            still = r == last && depth == 0 ? still + 1 : 0
            last = r
            if still >= 12 { break }
        }
        let bound = try await store.list(PersistentVolumeClaim.self, namespace: nil, selector: nil).items.filter { $0.phase == .bound }.count
        let cpu0 = ProcessStats.cpuSeconds(daemon)
        try await Task.sleep(for: .seconds(idleSeconds))
        let cpu1 = ProcessStats.cpuSeconds(daemon)
        let mem = ProcessStats.memoryMiB(daemon)
        return [
            "objects": objects.count, "claims_bound": bound, "rss_mib": (mem.rss * 10).rounded() / 10,
            "peak_rss_mib": (mem.peak * 10).rounded() / 10, "cpu_seconds": ((cpu1 - cpu0) * 100).rounded() / 100,
            "seconds": idleSeconds,
        ]
    }

    private func waitReady(port: Int, daemon: pid_t, log: String) async throws {
        try await DaemonBenchRoot.waitReady(port: port, daemon: daemon, log: log)
    }

    private func ms(_ s: Double) -> Double { (s * 100_000).rounded() / 100 }
    private func fmt(_ s: Double) -> String { String(format: "%8.2f ms", s * 1000) }
}

/// When this process saw each claim first, and first Bound.
actor Timeline {
    private var added: [String: ContinuousClock.Instant] = [:]
    private var bound: [String: ContinuousClock.Instant] = [:]

    func saw(_ name: String, bound isBound: Bool, at t: ContinuousClock.Instant) {
        if added[name] == nil { added[name] = t }
        if isBound && bound[name] == nil { bound[name] = t }
    }

    /// Seconds from first seen to first seen Bound, per claim that got there.
    func reactions() -> [Double] {
        bound.compactMap { name, b in
            added[name].map { a in Measure.seconds(b - a) }
        }
    }
}
