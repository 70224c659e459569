import Foundation
import PVDServer
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The store's files taken away or damaged under pvd (issue 13, sections 4 and 5): the daemon
/// notices, goes not-ready, counts it, stops writing and never exits 0; a damaged page is found
/// by the start-up quick_check and by `pvd store check`.
@Suite(.serialized)
struct StoreSafetyTests {
    /// A class and `count` claims of it, all Bound by a running daemon.
    static func bindClaims(_ pvd: PVDProcess, _ serve: ServeProcess, count: Int) throws {
        var manifest = ProvisioningTests.hostPathClass()
        for i in 0..<count { manifest += ProvisioningTests.claim("c\(i)") }
        try pvd.ok(["apply", "-f", try pvd.write("claims.yaml", manifest)])
        for i in 0..<count {
            let r = try pvd.run(["wait", "pvc/c\(i)", "--for=phase=Bound", "--timeout", "120s"])
            #expect(r.status == 0, "c\(i): \(r.stderr)\n\(serve.log)")
        }
    }

    /// Polls /readyz until it fails; its body, or nil if it stayed ready.
    static func waitUntilNotReady(_ serve: ServeProcess, seconds: Double = 30) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let r = serve.get("/readyz"), r.status == 503 { return r.body }
            usleep(50_000)
        }
        return nil
    }

    @Test func theLogRemovedUnderTheDaemonStopsItsWritesAndItsCleanExit() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let serve = try ServeProcess(pvd)
        #expect(serve.waitUntilReady(), "\(serve.log)")
        try Self.bindClaims(pvd, serve, count: 5)
        let before = serve.get("/metrics")?.body ?? ""
        #expect(metricValue(before, #"pvd_store_faults_total{reason="wal_removed"}"#) == 0, "\(before)")

        try FileManager.default.removeItem(atPath: pvd.store + "-wal")
        let body = Self.waitUntilNotReady(serve)
        #expect(body?.contains("write-ahead log") == true && body?.contains("removed") == true, "\(body ?? "still ready")\n\(serve.log)")
        let metrics = serve.get("/metrics")?.body ?? ""
        #expect(metricValue(metrics, #"pvd_store_faults_total{reason="wal_removed"}"#) == 1, "\(metrics)")
        #expect(metricValue(metrics, "pvd_store_writable") == 0, "\(metrics)")
        #expect(serve.log.contains("store writes stopped"), "\(serve.log)")

        let status = serve.stop()
        #expect(status != nil && status != 0, "exit status \(String(describing: status))\n\(serve.log)")
        #expect(serve.log.contains("writes stopped at revision"), "\(serve.log)")
        #expect(serve.log.contains("are lost"), "\(serve.log)")
    }

    @Test(arguments: ["replaced", "removed"])
    func theDatabaseFileReplacedUnderTheDaemonStopsItsWrites(how: String) throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let serve = try ServeProcess(pvd)
        #expect(serve.waitUntilReady(), "\(serve.log)")
        try Self.bindClaims(pvd, serve, count: 2)
        let backup = pvd.root.appendingPathComponent("backup.db").path
        if how == "replaced" {
            // A copy of the file put back over it, as a careless restore would.
            try FileManager.default.copyItem(atPath: pvd.store, toPath: backup)
            #expect(rename(backup, pvd.store) == 0, "rename: \(errno)")
        } else {
            try FileManager.default.removeItem(atPath: pvd.store)
        }
        let body = Self.waitUntilNotReady(serve)
        #expect(body?.contains("database file was \(how)") == true, "\(body ?? "still ready")\n\(serve.log)")
        let metrics = serve.get("/metrics")?.body ?? ""
        #expect(metricValue(metrics, #"pvd_store_faults_total{reason="database_replaced"}"#) == 1, "\(metrics)")

        if how == "replaced" {
            // A claim that reaches the new file is not provisioned by a daemon that cannot see it.
            let r = try pvd.run(["apply", "-f", try pvd.write("late.yaml", ProvisioningTests.claim("late"))])
            if r.status == 0 {
                Thread.sleep(forTimeInterval: 2)
                let phase = (try pvd.items("pvc").first { ($0.path("metadata.name") as? String) == "late" })?.path("status.phase") as? String
                #expect(phase != "Bound", "\(serve.log)")
            }
        }
        let status = serve.stop()
        #expect(status != nil && status != 0, "exit status \(String(describing: status))\n\(serve.log)")
        #expect(serve.log.contains("database file was \(how)"), "\(serve.log)")
    }

    /// A store made by pvd with plenty of history, checkpointed, with 4 KiB of random bytes over
    /// the first leaf page of its `changes` table: a page nothing reads at start.
    static func damagedStore(_ pvd: PVDProcess) throws {
        var manifest = ""
        for i in 0..<300 { manifest += BindingScenarioTests.pv("pv-\(i)", "1Gi") }
        try pvd.ok(["apply", "-f", try pvd.write("pvs.yaml", manifest)])
        let page = try sqlite(pvd.store, "PRAGMA wal_checkpoint(TRUNCATE); SELECT min(pageno) FROM dbstat WHERE name = 'changes' AND pagetype = 'leaf';")
        let number = try #require(page.split(separator: "\n").last.flatMap { Int($0.split(separator: "|").last ?? "") }, "\(page)")
        let pageSize = try #require(Int(try sqlite(pvd.store, "PRAGMA page_size;").trimmingCharacters(in: .whitespacesAndNewlines)))
        let handle = try #require(FileHandle(forUpdatingAtPath: pvd.store))
        try handle.seek(toOffset: UInt64((number - 1) * pageSize))
        var generator = SystemRandomNumberGenerator()
        try handle.write(contentsOf: Data((0..<pageSize).map { _ in UInt8.random(in: 0...255, using: &generator) }))
        try handle.close()
    }

    /// Runs the sqlite3 shell on `path`; its output.
    static func sqlite(_ path: String, _ sql: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = [path, sql]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test func aDamagedPageStopsTheDaemonAtStartAndFailsStoreCheck() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("seed.yaml", BindingScenarioTests.pv("seed", "1Gi"))])
        let clean = try pvd.run(["store", "check"])
        #expect(clean.status == 0 && clean.stdout == "ok\n", "\(clean.stdout)\(clean.stderr)")

        try Self.damagedStore(pvd)
        let check = try pvd.run(["store", "check"])
        #expect(check.status != 0)
        #expect(check.stderr.contains("is corrupt: integrity_check found"), "\(check.stderr)")
        #expect(check.stderr.contains(pvd.store), "\(check.stderr)")
        #expect(!check.stdout.isEmpty && check.stdout != "ok\n", "\(check.stdout)")

        let serve = try ServeProcess(pvd)
        let status = serve.waitForExit()
        #expect(status != nil && status != 0, "serve started on a damaged store:\n\(serve.log)")
        #expect(serve.log.contains("is corrupt: quick_check found"), "\(serve.log)")
        #expect(serve.log.contains("does not start"), "\(serve.log)")

        let reconcile = try pvd.run(["reconcile", "--once"])
        #expect(reconcile.status != 0)
        #expect(reconcile.stderr.contains("is corrupt: quick_check found"), "\(reconcile.stderr)")
    }

    @Test func aPageDamagedUnderTheDaemonIsFoundByThePeriodicCheck() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let serve = try ServeProcess(pvd, args: ["--integrity-interval", "1s"])
        #expect(serve.waitUntilReady(), "\(serve.log)")
        try Self.damagedStore(pvd)
        let body = Self.waitUntilNotReady(serve)
        #expect(body?.contains("is corrupt: integrity_check found") == true, "\(body ?? "still ready")\n\(serve.log)")
        let metrics = serve.get("/metrics")?.body ?? ""
        #expect(metricValue(metrics, #"pvd_store_faults_total{reason="corrupt"}"#) == 1, "\(metrics)")
        let status = serve.stop()
        #expect(status != nil && status != 0, "exit status \(String(describing: status))\n\(serve.log)")
    }

    /// Volumes whose PVs went with lost writes (here: the store put back to a copy made before
    /// they were provisioned) are reported at every start, by name, and kept with their data.
    @Test(.enabled(if: geteuid() == 0, "needs root: trusted xattrs carry the recorded mark"))
    func volumesWhosePVsWereLostAreReportedAndKept() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("class.yaml", ProvisioningTests.hostPathClass())])
        try pvd.ok(["reconcile", "--once"])
        let before = pvd.root.appendingPathComponent("before.db").path
        // No process has the store open: the last one to close folded the log into the file.
        try FileManager.default.copyItem(atPath: pvd.store, toPath: before)
        try pvd.ok(["apply", "-f", try pvd.write("claims.yaml", ProvisioningTests.claim("a") + ProvisioningTests.claim("b"))])
        try pvd.ok(["reconcile", "--once"])
        let names = try pvd.items("pv").compactMap { $0.path("metadata.name") as? String }.sorted()
        #expect(names.count == 2)
        #expect(rename(before, pvd.store) == 0)

        let run = try pvd.run(["reconcile", "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("2 volumes kept without a PV"), "\(run.stdout)")
        for name in names {
            #expect(run.stderr.contains("volume has no PersistentVolume in the store; kept") && run.stderr.contains("pvd.pv=\(name)"), "\(run.stderr)")
            #expect(FileManager.default.fileExists(atPath: pvd.root.appendingPathComponent("hostpath/\(name)").path))
        }
        let events = try pvd.run(["get", "ev", "-A", "-o", "json"]).stdout
        #expect(events.contains("RecordedVolumeWithoutPV"), "\(events)")

        // The daemon's start-up says the same, and removes nothing either.
        let serve = try ServeProcess(pvd, args: ["--orphan-grace", "0s"])
        #expect(serve.waitUntilReady(), "\(serve.log)")
        #expect(serve.stop() == 0, "\(serve.log)")
        for name in names {
            #expect(serve.log.contains("pvd.pv=\(name)") && serve.log.contains("volume has no PersistentVolume in the store; kept"), "\(serve.log)")
            #expect(FileManager.default.fileExists(atPath: pvd.root.appendingPathComponent("hostpath/\(name)").path))
        }
    }
}
