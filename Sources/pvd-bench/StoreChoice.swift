import ArgumentParser
import Foundation
import PVDEtcd
import PVDStore

/// Which store a benchmark runs on, for the benchmarks that run on either backend (bind,
/// latency). On SQLite (the default) a run is what it always was. Given etcd, by URL or as
/// `--etcd 3`, a run measures both: the same benchmark on a fresh SQLite file and then on a
/// fresh prefix of etcd, each in a pvd-bench process of its own (so each one's peak memory is
/// its own), and prints the two side by side; the targets are ratios.
struct StoreChoice: ParsableArguments {
    @Option(help: ArgumentHelp(
        "sqlite (a fresh temporary file), or an etcd URL: then the run also measures SQLite beside it, and uses a fresh prefix under the URL's.",
        valueName: "sqlite|url"))
    var store = "sqlite"

    @Option(help: ArgumentHelp("Start a throwaway etcd of this many members on free loopback ports for the run (instead of --store URL).", valueName: "members"))
    var etcd: Int?

    @Option(help: "--max-txn-ops of the members --etcd starts (the store URL says it too, so pvd's write batches are that big).")
    var etcdMaxTxnOps = 1000

    @Option(help: "--max-request-bytes of the members --etcd starts (said in the URL too).")
    var etcdMaxRequestBytes = 8 << 20

    /// Run on exactly `--store`, without the SQLite run beside it: what a comparison's two
    /// child processes are told.
    @Flag(help: .hidden)
    var alone = false

    func validate() throws {
        if let etcd, etcd < 1 { throw ValidationError("--etcd \(etcd): want at least 1 member") }
        if etcd != nil && store != "sqlite" { throw ValidationError("give --store URL or --etcd N, not both") }
        if store != "sqlite" {
            do {
                _ = try EtcdStoreURL(store)
            } catch {
                throw ValidationError("--store: \(error.message) (or sqlite)")
            }
        }
        if alone && etcd != nil { throw ValidationError("--alone runs on --store only") }
    }

    /// Whether this run measures SQLite and etcd side by side.
    var compares: Bool { !alone && (etcd != nil || store != "sqlite") }

    /// The etcd URL of an `--alone` run, nil on SQLite.
    var etcdURL: String? { store == "sqlite" ? nil : store }

    /// Opens an `--alone` run's etcd store, claiming its (fresh) prefix.
    static func openEtcd(_ url: String) async throws -> EtcdStore {
        let store = try EtcdStore(url)
        try await store.verify(claiming: true)
        return store
    }

    /// Runs the benchmark twice as child processes of this pvd-bench, `arguments(store, json)`
    /// giving each its command line (with `--alone` added here): once on SQLite, once on etcd
    /// (the cluster `--etcd` starts, or a fresh prefix under `--store`). Returns both results
    /// and, for a cluster it started, its members' memory and database sizes.
    func compare(workDir: String, label: String, arguments: (_ store: String, _ json: String) -> [String]) async throws -> Comparison {
        let scratch = URL(fileURLWithPath: workDir).appendingPathComponent("pvd-bench-compare-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var cluster: BenchEtcd?
        defer { cluster?.stop() }
        let prefix = "/pvd-bench-\(label)-\(UUID().uuidString.prefix(8).lowercased())"
        let url: String
        if let size = etcd {
            let started = try await BenchEtcd.start(size: size, workDir: workDir, maxTxnOps: etcdMaxTxnOps, maxRequestBytes: etcdMaxRequestBytes)
            cluster = started
            url = started.url(prefix: prefix)
        } else {
            url = try Self.url(store, withPrefixUnder: prefix)
        }
        let sqlite = try runChild(arguments("sqlite", scratch + "/sqlite.json") + ["--alone"], json: scratch + "/sqlite.json")
        let onEtcd = try runChild(arguments(url, scratch + "/etcd.json") + ["--alone"], json: scratch + "/etcd.json")
        return Comparison(sqlite: sqlite, etcd: onEtcd, etcdURL: url, members: await cluster?.members())
    }

    /// `text` with `sub` appended to its prefix: `etcd://h:1/pvd?x=1` and `/run-1` give
    /// `etcd://h:1/pvd/run-1?x=1`.
    static func url(_ text: String, withPrefixUnder sub: String) throws -> String {
        let parsed = try EtcdStoreURL(text)
        let scheme = text.hasPrefix("etcds://") ? "etcds://" : "etcd://"
        var rest = Substring(text.dropFirst(scheme.count))
        var query = ""
        if let q = rest.firstIndex(of: "?") {
            query = String(rest[q...])
            rest = rest[..<q]
        }
        let hosts = rest.prefix { $0 != "/" }
        return scheme + hosts + parsed.prefix + sub + query
    }

    /// Runs this executable with `args`, its output to ours, and reads the JSON it wrote.
    private func runChild(_ args: [String], json: String) throws -> [String: Any] {
        let status = try ChildProcess.run([CommandLine.arguments[0]] + args, stdoutPath: nil, stderrPath: nil)
        guard status == 0 else { throw BenchError("pvd-bench \(args.joined(separator: " ")) failed with status \(status)") }
        guard let data = FileManager.default.contents(atPath: json),
              let result = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw BenchError("pvd-bench \(args.first ?? "") wrote no results to \(json)") }
        return result
    }
}

/// One benchmark's results on both backends.
struct Comparison {
    var sqlite: [String: Any]
    var etcd: [String: Any]
    var etcdURL: String
    /// The members of the cluster `--etcd` started (nil for a URL given).
    var members: [[String: Any]]?

    /// A number of one result; `key` may name a nested one, `idle.rss_mib`.
    func number(_ result: [String: Any], _ key: String) -> Double {
        var value: Any? = result
        for part in key.split(separator: ".") { value = (value as? [String: Any])?[String(part)] }
        return (value as? Double) ?? (value as? Int).map(Double.init) ?? 0
    }

    /// A table row: what, SQLite's figure, etcd's (each times `scale`, with `digits`
    /// decimals), the unit, and etcd's over SQLite's.
    func row(_ what: String, _ key: String, unit: String, scale: Double = 1, digits: Int = 3) -> String {
        let s = number(sqlite, key) * scale, e = number(etcd, key) * scale
        let figures = String(format: "%10.\(digits)f %10.\(digits)f", s, e)
        return "\(what.padding(toLength: 40, withPad: " ", startingAt: 0)) \(figures) \(unit.padding(toLength: 4, withPad: " ", startingAt: 0)) "
            + String(format: "%6.2fx", e / max(s, 1e-9))
    }

    /// The members' memory, one line each.
    var memberLines: [String] {
        (members ?? []).map { m in
            "etcd \(m["member"] ?? "?"): RSS \(m["rss_mib"] ?? 0) MiB (peak \(m["peak_rss_mib"] ?? 0) MiB), backend db \(m["db_mib"] ?? 0) MiB, "
                + "CPU \(m["cpu_seconds"] ?? 0) s, \(m["wal_fsyncs"] ?? 0) WAL fsyncs \(m["wal_fsync_seconds"] ?? 0) s, "
                + "backend commits \(m["backend_commit_seconds"] ?? 0) s"
        }
    }

    /// Both results, the URL and the members, as one JSON object.
    func json(benchmark: String, extra: [String: Any]) -> [String: Any] {
        var out: [String: Any] = ["benchmark": benchmark, "sqlite": sqlite, "etcd": etcd, "etcd_url": etcdURL]
        if let members { out["etcd_members"] = members }
        for (k, v) in extra { out[k] = v }
        return out
    }
}
