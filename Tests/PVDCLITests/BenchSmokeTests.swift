import Foundation
import Testing

/// The benchmarks are run by hand for figures, but they must keep working: each runs here at a
/// tiny size against the binaries under test, and what it writes is checked, not timed.
struct BenchSmokeTests {
    /// pvd-bench beside the pvd under test.
    static var bench: String {
        URL(fileURLWithPath: PVDProcess.binary).deletingLastPathComponent().appendingPathComponent("pvd-bench").path
    }

    func run(_ args: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.bench)
        process.arguments = args
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: BenchSmokeTests.bench), "pvd-bench is not built beside pvd"))
    func applyBenchAppliesEveryObjectTwice() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-bench-smoke-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let json = work.appendingPathComponent("apply.json").path
        let (status, output) = try run(["apply", "--count", "50", "--pvd", PVDProcess.binary, "--work-dir", work.path, "--json", json])
        #expect(status == 0, "pvd-bench apply failed:\n\(output)")
        let data = try #require(FileManager.default.contents(atPath: json), "no JSON written:\n\(output)")
        let result = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(result["documents"] as? Int ?? 0 > 100, "\(result)")
        #expect((result["apply_seconds"] as? Double ?? 0) > 0 && (result["reapply_seconds"] as? Double ?? 0) > 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path) == ["apply.json"], "the bench left its stores behind")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: BenchSmokeTests.bench) && geteuid() == 0, "pvd-bench is not built beside pvd, or not root"))
    func ownershipBenchWalksEveryFile() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-bench-smoke-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let json = work.appendingPathComponent("ownership.json").path
        let (status, output) = try run(["ownership", "--files", "50", "--per-directory", "20", "--rounds", "1", "--work-dir", work.path, "--json", json])
        #expect(status == 0, "pvd-bench ownership failed:\n\(output)")
        let data = try #require(FileManager.default.contents(atPath: json), "no JSON written:\n\(output)")
        let result = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(result["directories"] as? Int == 3 && (result["pvd_median_s"] as? Double ?? 0) > 0, "\(result)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path) == ["ownership.json"], "the bench left its tree behind")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: BenchSmokeTests.bench) && FileManager.default.isExecutableFile(atPath: "/usr/bin/kubectl"),
                   "pvd-bench is not built beside pvd, or kubectl is missing"))
    func apiBenchDrivesKubectlAndWatchers() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-bench-smoke-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let json = work.appendingPathComponent("api.json").path
        let (status, output) = try run([
            "api", "--claims", "30", "--watchers", "3", "--changes", "2", "--apply", "5", "--repeats", "2", "--pvd", PVDProcess.binary,
            "--work-dir", work.path, "--json", json,
        ])
        #expect(status == 0, "pvd-bench api failed:\n\(output)")
        let data = try #require(FileManager.default.contents(atPath: json), "no JSON written:\n\(output)")
        let result = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(result["watch_events_seen"] as? Int == 6, "every watcher saw every change: \(result)")
        // kubectl apply: a GET and a POST per claim, plus its discovery.
        #expect((result["apply_requests"] as? Double ?? 0) >= 10, "\(result)")
        #expect((result["list_table_server_median_ms"] as? Double ?? 0) > 0 && (result["kubectl_get_wall_median_ms"] as? Double ?? 0) > 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path) == ["api.json"], "the bench left its root behind")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: BenchSmokeTests.bench), "pvd-bench is not built beside pvd"))
    func latencyBenchRunsAgainstARealDaemon() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-bench-smoke-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let json = work.appendingPathComponent("latency.json").path
        let (status, output) = try run([
            "latency", "--count", "5", "--pvd", PVDProcess.binary, "--idle-objects", "200", "--idle-seconds", "1",
            "--work-dir", work.path, "--json", json,
        ])
        #expect(status == 0, "pvd-bench latency failed:\n\(output)")
        let data = try #require(FileManager.default.contents(atPath: json), "no JSON written:\n\(output)")
        let result = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(result["count"] as? Int == 5)
        #expect((result["total_median_ms"] as? Double ?? 0) > 0)
        #expect(result["daemon_exit_status"] as? Int == 0, "the daemon did not stop cleanly on SIGTERM")
        let idle = result["idle"] as? [String: Any]
        // The 200 loaded, plus the class and the node the run made before them.
        #expect((idle?["objects"] as? Int ?? 0) >= 200)
        #expect((idle?["claims_bound"] as? Int ?? 0) > 0, "the daemon bound nothing of the bulk load")
        // Everything the bench made under its work directory is gone but what it was told to keep.
        let left = try FileManager.default.contentsOfDirectory(atPath: work.path).filter { $0 != "latency.json" }
        #expect(left.isEmpty, "left behind: \(left)")
    }

    /// `bind --etcd 3` starts its own etcd, runs the benchmark on SQLite and on etcd in turn,
    /// and writes both results side by side; the members are stopped and their data removed.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: BenchSmokeTests.bench), "pvd-bench is not built beside pvd"),
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/etcd"), "needs Debian's etcd-server"))
    func bindBenchOnEtcdRunsBesideSQLite() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-bench-smoke-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let json = work.appendingPathComponent("bind.json").path
        let (status, output) = try run(["bind", "--count", "100", "--etcd", "3", "--work-dir", work.path, "--json", json])
        #expect(status == 0, "pvd-bench bind --etcd 3 failed:\n\(output)")
        let data = try #require(FileManager.default.contents(atPath: json), "no JSON written:\n\(output)")
        let result = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let sqlite = try #require(result["sqlite"] as? [String: Any]), etcd = try #require(result["etcd"] as? [String: Any])
        #expect(sqlite["store"] as? String == "sqlite")
        #expect((etcd["store"] as? String)?.hasPrefix("etcd://127.0.0.1:") == true, "\(etcd)")
        // Each run checks that its reconcile bound what its matcher did; how many differs by a
        // few between runs of the same seed (uids, hence some orders, are new each time).
        #expect((sqlite["reconcile_bound"] as? Int ?? 0) > 0)
        #expect((etcd["reconcile_bound"] as? Int ?? 0) > 0)
        #expect((result["etcd_members"] as? [Any])?.count == 3)
        let left = try FileManager.default.contentsOfDirectory(atPath: work.path).filter { $0 != "bind.json" }
        #expect(left.isEmpty, "left behind: \(left)")
    }

    /// The commit benchmark that replaced the store test's printed timings still runs, and
    /// counts every row it claims to have timed.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: BenchSmokeTests.bench), "pvd-bench is not built beside pvd"))
    func commitBenchRuns() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-bench-smoke-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let json = work.appendingPathComponent("commit.json").path
        let (status, output) = try run(["commit", "--count", "200", "--work-dir", work.path, "--json", json])
        #expect(status == 0, "pvd-bench commit failed:\n\(output)")
        let data = try #require(FileManager.default.contents(atPath: json), "no JSON written:\n\(output)")
        let result = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(result["count"] as? Int == 200)
        #expect((result["create_rows_per_second"] as? Int ?? 0) > 0)
        let left = try FileManager.default.contentsOfDirectory(atPath: work.path).filter { $0 != "commit.json" }
        #expect(left.isEmpty, "left behind: \(left)")
    }
}
