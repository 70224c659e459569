import ArgumentParser
import Foundation
import GRDB
import Logging
import PVDControllers
import PVDEtcd
import PVDModel
import PVDStore

/// `pvd-bench bind --count N`: N PVs and N claims of mixed sizes, access modes and classes,
/// loaded into a fresh store, then bound by one `reconcile --once`. With an etcd store
/// (`--store etcd://…` or `--etcd 3`), the same on SQLite and on etcd, side by side.
struct BindBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bind",
        abstract: "Time loading N PVs + N claims, reconciling them, and the pure matcher alone.")

    @Option(help: "How many PVs, and as many claims.")
    var count = 10_000

    @Option(help: "Seed for the generated objects.")
    var seed: UInt64 = 42

    @Option(help: "Where to write the JSON results (default bench-results/bind-N.json).")
    var json: String?

    @Flag(help: "Time only the pure matcher (no store): for profiling it.")
    var matcherOnly = false

    @Option(help: "How many times (c) runs the matcher over the same objects; the median is reported.")
    var matcherRuns = 3

    @Option(help: "Directory for the temporary store, and an etcd --etcd starts (default: the system temp dir).")
    var workDir: String?

    @OptionGroup var storeChoice: StoreChoice

    func run() async throws {
        if storeChoice.compares && !matcherOnly { return try await compare() }
        let dir = URL(fileURLWithPath: workDir ?? NSTemporaryDirectory()).appendingPathComponent("pvd-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        if matcherOnly {
            let (classes, vols, stamped, now) = try storedLikeObjects()
            let (n, runs) = try await Self.timeMatcher(classes: classes, volumes: vols, claims: stamped, now: now, runs: matcherRuns)
            let seconds = runs.map(\.seconds)
            print("matcher alone: \(String(format: "%.3f", Measure.median(seconds))) s (median of \(Self.list(seconds))), \(n) bound, peak RSS \(String(format: "%.0f", Measure.peakRSSMiB())) MiB")
            return
        }

        // (a) Load into a fresh store. The generated objects are dropped once loaded, and (c)'s
        // lists once matched, so the reconcile's peak memory is its own.
        let store: any ObjectStore
        if let url = storeChoice.etcdURL {
            store = try await StoreChoice.openEtcd(url)
        } else {
            store = try SQLiteStore(path: dir.appendingPathComponent("state.db").path)
        }
        var (classes, objects) = makeObjects()
        let objectCount = objects.count
        let (_, loadSeconds, loadCPU) = try await Measure.timed {
            try await BindWorkload.load(objects, into: store)
            // The load's log is the load's work: flushed here, not left to run under (c) and (b).
            if let sqlite = store as? SQLiteStore { try await sqlite.checkpoint() }
        }
        objects = []

        // (c) The pure matcher alone, over the objects as stored (uids and timestamps as the
        // reconciler will see them), volumes already Available: index + match, no store.
        let (matched, matcherRuns) = try await matchStored(store: store, classes: classes)
        let matcherSeconds = Measure.median(matcherRuns.map(\.seconds))
        let matcherCPU = Measure.median(matcherRuns.map(\.cpu))

        // (b) reconcile --once.
        var logger = Logger(label: "pvd.bench")
        logger.logLevel = ProcessInfo.processInfo.environment["PVD_BENCH_TRACE"] != nil ? .debug : .warning
        let (summary, reconcileSeconds, reconcileCPU) = try await Measure.timed {
            try await Reconciler(store: store, node: "bench", logger: logger).runOnce()
        }

        // The floor: the same number of rows of the same size written straight to SQLite, or
        // straight to etcd (raw puts, as many per transaction as pvd's batches hold).
        let rows = objectCount + summary.writes + summary.events
        let avgBytes = try averageRowBytes()
        let floorSeconds: Double
        let floorText: String
        if let url = storeChoice.etcdURL {
            let gateway = try EtcdGateway(url)
            floorSeconds = try await gateway.putSeconds(rows: rows, bytes: avgBytes)
            floorText = "floor: raw etcd puts       \(f(floorSeconds))   \(rows) rows of \(avgBytes) B, \(gateway.url.maxTxnOps) per transaction"
            // A cluster this run did not start keeps nothing of it.
            try await gateway.deleteStore()
        } else {
            floorSeconds = try rawInsertSeconds(rows: rows, bytes: avgBytes, path: dir.appendingPathComponent("floor.db").path)
            floorText = "floor: raw SQLite rows     \(f(floorSeconds))   \(rows) rows of \(avgBytes) B, 1000 per transaction"
        }

        let rss = Measure.peakRSSMiB()
        let result: [String: Any] = [
            "benchmark": "bind", "count": count, "seed": seed, "store": storeChoice.etcdURL ?? "sqlite",
            "load_seconds": loadSeconds, "reconcile_seconds": reconcileSeconds, "matcher_seconds": matcherSeconds,
            "matcher_run_seconds": matcherRuns.map(\.seconds),
            "load_cpu_seconds": loadCPU, "reconcile_cpu_seconds": reconcileCPU, "matcher_cpu_seconds": matcherCPU,
            "matcher_bound": matched, "reconcile_bound": summary.bound, "reconcile_writes": summary.writes,
            "reconcile_events": summary.events, "reconcile_passes": summary.passes,
            "reconcile_read_seconds": Measure.seconds(summary.timings.read), "reconcile_decide_seconds": Measure.seconds(summary.timings.decide),
            "reconcile_commit_seconds": Measure.seconds(summary.timings.commit), "reconcile_events_seconds": Measure.seconds(summary.timings.events),
            "floor_rows": rows, "floor_row_bytes": avgBytes, "floor_seconds": floorSeconds,
            "reconcile_over_floor": reconcileSeconds / max(floorSeconds, 1e-9),
            "peak_rss_mib": rss,
        ]
        print("""
            pvd-bench bind  N=\(count) (\(count) PVs, \(count) claims, seed \(seed))  store=\(storeChoice.etcdURL ?? "sqlite")
            step                       seconds   cpu s     notes
            (a) load                   \(f(loadSeconds)) \(f(loadCPU))   \(objectCount) creates
            (b) reconcile --once       \(f(reconcileSeconds)) \(f(reconcileCPU))   \(summary.bound) bound, \(summary.writes) writes, \(summary.events) events, \(summary.passes) passes
                read                   \(f(Measure.seconds(summary.timings.read)))             listing and decoding the store
                decide                 \(f(Measure.seconds(summary.timings.decide)))             binder decisions, all passes
                commit                 \(f(Measure.seconds(summary.timings.commit)))             object writes (events alongside)
                events                 \(f(Measure.seconds(summary.timings.events)))             events still unwritten after them
            (c) matcher alone          \(f(matcherSeconds)) \(f(matcherCPU))   \(matched) bound; median of \(Self.list(matcherRuns.map(\.seconds)))
            \(floorText)
            (a+b) / floor              \(String(format: "%.2fx", (loadSeconds + reconcileSeconds) / max(floorSeconds, 1e-9)))
            peak RSS                   \(String(format: "%.0f MiB", rss))
            """)
        let path = json ?? "bench-results/bind-\(count).json"
        try ResultFile.write(result, to: path)
        print("wrote \(path)")
        if matched != summary.bound {
            throw ValidationError("the matcher bound \(matched) claims but reconcile bound \(summary.bound)")
        }
    }

    /// The benchmark on SQLite and on etcd, each in a process of its own, side by side.
    private func compare() async throws {
        let work = workDir ?? NSTemporaryDirectory()
        let c = try await storeChoice.compare(workDir: work, label: "bind") { store, json in
            ["bind", "--count", "\(count)", "--seed", "\(seed)", "--matcher-runs", "\(matcherRuns)", "--work-dir", work, "--json", json, "--store", store]
        }
        let ratio = c.number(c.etcd, "reconcile_seconds") / max(c.number(c.sqlite, "reconcile_seconds"), 1e-9)
        let rss = c.number(c.etcd, "peak_rss_mib")
        print("""

            pvd-bench bind  N=\(count)  SQLite beside etcd (\(c.etcdURL))
            what                                         sqlite       etcd      etcd/sqlite
            \(c.row("(a) load", "load_seconds", unit: "s"))
            \(c.row("(b) reconcile --once", "reconcile_seconds", unit: "s"))
            \(c.row("    read", "reconcile_read_seconds", unit: "s"))
            \(c.row("    decide", "reconcile_decide_seconds", unit: "s"))
            \(c.row("    commit", "reconcile_commit_seconds", unit: "s"))
            \(c.row("    events", "reconcile_events_seconds", unit: "s"))
            \(c.row("(b) cpu seconds of this process", "reconcile_cpu_seconds", unit: "s"))
            \(c.row("(c) matcher alone", "matcher_seconds", unit: "s"))
            \(c.row("floor (each store's raw writes)", "floor_seconds", unit: "s"))
            \(c.row("(b) / floor", "reconcile_over_floor", unit: "x", digits: 2))
            \(c.row("peak RSS", "peak_rss_mib", unit: "MiB", digits: 0))
            target: reconcile on etcd ≤ 3× SQLite's \(ratio <= 3 ? "met" : "MISSED") (\(String(format: "%.2f", ratio))×)\
            \(count >= 50_000 ? ", peak RSS ≤ 1.5 GiB \(rss <= 1536 ? "met" : "MISSED") (\(String(format: "%.0f", rss)) MiB)" : "")
            """)
        for line in c.memberLines { print(line) }
        let path = json ?? "bench-results/bind-\(count)-etcd.json"
        try ResultFile.write(c.json(benchmark: "bind-compare", extra: ["count": count, "reconcile_etcd_over_sqlite": ratio]), to: path)
        print("wrote \(path)")
    }

    /// The generated objects as a store would hand them back (defaulted, with uid,
    /// resourceVersion and creation time, decoded from JSON), volumes already Available: what
    /// (c) matches, without a store.
    private func storedLikeObjects() throws -> ([StorageClass], [PersistentVolume], [PersistentVolumeClaim], Time) {
        let (classes, objects) = makeObjects()
        let now = Time.now()
        var revision = 0
        func stored<R: Resource>(_ object: R, _ change: (inout R) -> Void = { _ in }) throws -> R {
            var o = object
            revision += 1
            o.metadata.uid = UUID().uuidString.lowercased()
            o.metadata.resourceVersion = String(revision)
            o.metadata.generation = 1
            o.metadata.creationTimestamp = now
            change(&o)
            return try JSONCoding.shared.decode(R.self, from: JSONCoding.shared.encode(o))
        }
        var vols: [PersistentVolume] = []
        var pvcs: [PersistentVolumeClaim] = []
        for object in objects {
            switch object {
            case .persistentVolume(let pv): vols.append(try stored(pv) { $0.status = PersistentVolumeStatus(phase: .available) })
            case .persistentVolumeClaim(let c): pvcs.append(try stored(c))
            default: break
            }
        }
        return (classes, vols, pvcs, now)
    }

    /// The generated classes, and every object to load, defaulted as `apply` would.
    private func makeObjects() -> ([StorageClass], [AnyResource]) {
        var gen = BindWorkload(seed: seed)
        let (classes, volumes, claims) = gen.make(count: count)
        let objects: [AnyResource] = classes.map { .storageClass($0) } + volumes.map { .persistentVolume(Defaulting.forCreate(.persistentVolume($0)).as(PersistentVolume.self)!) }
            + claims.map { Defaulting.forCreate(.persistentVolumeClaim($0)) }
        return (classes, objects)
    }

    private func matchStored(store: any ObjectStore, classes: [StorageClass]) async throws -> (Int, [MatcherRun]) {
        let storedVolumes = try await store.list(PersistentVolume.self, namespace: nil, selector: nil).items.map { pv -> PersistentVolume in
            var v = pv
            v.status = PersistentVolumeStatus(phase: .available)
            return v
        }
        let storedClaims = try await store.list(PersistentVolumeClaim.self, namespace: nil, selector: nil).items
        return try await Self.timeMatcher(classes: classes, volumes: storedVolumes, claims: storedClaims, now: Time.now(), runs: matcherRuns)
    }

    /// Times the matcher `runs` times over the same objects: context, index, and every claim
    /// decided in queue order (in lanes on every core when the batch splits, as the reconciler
    /// does). The clock stops when the matcher hands back its decisions; freeing them afterwards
    /// is its caller's work, which (b) includes. One run of a second or two is at the mercy of
    /// this VM's neighbours; the median of a few is not. With PVD_BENCH_TRACE set, prints each
    /// run's parts. Returns how many claims it bound (the same every run, or it throws), and
    /// each run's wall and CPU seconds.
    static func timeMatcher(
        classes: [StorageClass], volumes: [PersistentVolume], claims: [PersistentVolumeClaim], now: Time, runs: Int
    ) async throws -> (bound: Int, runs: [MatcherRun]) {
        var bound: Int?
        var timings: [MatcherRun] = []
        let trace = ProcessInfo.processInfo.environment["PVD_BENCH_TRACE"] != nil
        for _ in 0..<max(1, runs) {
            let cpuBefore = Measure.cpuSeconds()
            let clock = ContinuousClock()
            let start = clock.now
            // No claims map: the claim matcher never reads it (only volume syncing does), and
            // the reconciler shares its snapshot's rather than building one.
            let context = BinderContext(storageClasses: classes, now: now)
            let built = clock.now
            let actions = await Binder().matchAll(claims: claims, volumes: volumes, context: context)
            let s = Measure.seconds(clock.now - start)
            if trace { print("context \(Measure.seconds(built - start)) index+match \(Measure.seconds(clock.now - built))") }
            let cpu = Measure.cpuSeconds() - cpuBefore
            let n = actions.filter { if case .bound = $0.outcome { true } else { false } }.count
            if let bound, bound != n { throw ValidationError("matcher runs disagree: \(bound) and \(n) claims bound") }
            bound = n
            timings.append(MatcherRun(seconds: s, cpu: cpu))
        }
        return (bound ?? 0, timings)
    }

    /// One timed matcher run: wall seconds, and the process's CPU seconds over the same span.
    struct MatcherRun {
        var seconds: Double
        var cpu: Double
    }

    static func list(_ xs: [Double]) -> String { xs.map { String(format: "%.3f", $0) }.joined(separator: " ") }

    private func f(_ s: Double) -> String { String(format: "%9.3f", s) }

    private func averageRowBytes() throws -> Int {
        // Mean encoded size of the objects, from a sample.
        let sample = try JSONCoding.shared.encode(PersistentVolumeClaim(name: "sample", spec: PersistentVolumeClaimSpec(
            accessModes: [.readWriteOnce], request: Quantity(1 << 30), storageClassName: "gold")))
        return max(sample.count, 400)
    }

    /// Inserts `rows` blobs of `bytes` into a plain WAL SQLite table, 1000 per transaction.
    private func rawInsertSeconds(rows: Int, bytes: Int, path: String) throws -> Double {
        var config = Configuration()
        config.journalMode = .wal
        let db = try DatabasePool(path: path, configuration: config)
        try db.write { try $0.execute(sql: "CREATE TABLE t(k TEXT PRIMARY KEY, v BLOB)") }
        let blob = Data(repeating: 0x61, count: bytes)
        let clock = ContinuousClock()
        let start = clock.now
        var i = 0
        while i < rows {
            let end = min(i + 1000, rows)
            try db.write { d in
                let st = try d.cachedStatement(sql: "INSERT OR REPLACE INTO t(k, v) VALUES (?, ?)")
                for j in i..<end { try st.execute(arguments: ["k\(j % max(rows / 2, 1))", blob]) }
            }
            i = end
        }
        return Measure.seconds(clock.now - start)
    }
}
