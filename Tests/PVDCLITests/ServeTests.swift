import Foundation
import PVDDrivers
import PVDServer
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `pvd serve` as a user runs it: the real binary on a temporary root and a free port, claims
/// applied by other `pvd` processes, its HTTP endpoint read over a socket, stopped with SIGTERM.
@Suite(.serialized)
struct ServeTests {
    @Test func bindsAClaimAppliedByAnotherProcessAndReportsIt() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let serve = try ServeProcess(pvd)
        #expect(serve.waitUntilReady(), "serve never became ready:\n\(serve.log)")

        let health = try #require(serve.get("/healthz"))
        #expect(health.status == 200)
        #expect(health.body == "ok\n")

        try pvd.ok(["apply", "-f", try pvd.write("c.yaml", ProvisioningTests.hostPathClass() + ProvisioningTests.claim("data"))])
        let waited = try pvd.run(["wait", "pvc/data", "--for=phase=Bound", "--timeout", "120s"])
        #expect(waited.status == 0, "wait failed: \(waited.stderr)\n\(serve.log)")
        let claim = try #require(try pvd.items("pvc").first)
        let uid = try #require(claim.path("metadata.uid") as? String)
        var isDir: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: pvd.root.appendingPathComponent("hostpath/pvc-\(uid)").path, isDirectory: &isDir) && isDir.boolValue)

        let ready = try #require(serve.get("/readyz"))
        #expect(ready.status == 200)
        let metrics = try #require(serve.get("/metrics"))
        #expect(metrics.status == 200)
        #expect(metrics.head.lowercased().contains("content-type: text/plain; version=0.0.4"))
        let text = metrics.body
        #expect(metricValue(text, "pvd_provisioning_duration_seconds_count") == 1, "\(text)")
        #expect(metricValue(text, "pvd_binding_duration_seconds_count") == 1, "\(text)")
        #expect(metricValue(text, #"pvd_objects{kind="PersistentVolumeClaim",phase="Bound"}"#) == 1, "\(text)")
        #expect(metricValue(text, #"pvd_objects{kind="PersistentVolume",phase="Bound"}"#) == 1, "\(text)")
        #expect(metricValue(text, #"pvd_objects{kind="StorageClass",phase=""}"#) == 1, "\(text)")
        #expect(metricValue(text, "pvd_workqueue_depth") == 0, "\(text)")
        #expect(metricValue(text, "pvd_controller_errors_total") == 0, "\(text)")
        #expect(text.contains("pvd_workqueue_retries_total"))

        // Deleting the claim: Released, then the Delete policy removes directory and PV.
        try pvd.ok(["delete", "pvc", "data"])
        let gone = try pvd.run(["wait", "pv/pvc-\(uid)", "--for=delete", "--timeout", "120s"])
        #expect(gone.status == 0, "\(gone.stderr)\n\(serve.log)")
        #expect(!FileManager.default.fileExists(atPath: pvd.root.appendingPathComponent("hostpath/pvc-\(uid)").path))

        #expect(serve.stop() == 0, "\(serve.log)")
        #expect(serve.log.contains("shutting down"))
        let stray = try MountTable.entries().filter { $0.mountPoint.hasPrefix(pvd.root.path) }
        #expect(stray.isEmpty, "mounts left under the root: \(stray.map(\.mountPoint))")
    }

    @Test func aFailedProvisioningIsRetriedWithBackoffAndCounted() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let serve = try ServeProcess(pvd)
        #expect(serve.waitUntilReady(), "\(serve.log)")
        // A basePath outside every allowed root: the driver refuses it, the claim stays Pending.
        let cls = ProvisioningTests.hostPathClass(parameters: "{basePath: /proc/pvd-not-allowed}")
        try pvd.ok(["apply", "-f", try pvd.write("c.yaml", cls + ProvisioningTests.claim("data"))])
        var text = ""
        for _ in 0..<600 {
            text = serve.get("/metrics")?.body ?? ""
            if (metricValue(text, "pvd_workqueue_retries_total") ?? 0) >= 2 { break }
            usleep(20_000)
        }
        #expect((metricValue(text, "pvd_workqueue_retries_total") ?? 0) >= 2, "\(text)\n\(serve.log)")
        #expect((metricValue(text, "pvd_provisioning_failures_total") ?? 0) >= 2, "\(text)")
        #expect(metricValue(text, #"pvd_objects{kind="PersistentVolumeClaim",phase="Pending"}"#) == 1, "\(text)")
        let events = try pvd.run(["describe", "pvc", "data"]).stdout
        #expect(events.contains("ProvisioningFailed"), "\(events)")
        #expect(serve.stop() == 0, "\(serve.log)")
    }

    @Test func flagsWinOverTheConfigFileWhichWinsOverDefaults() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let filePort = try ServeProcess.freePort()
        let flagPort = try ServeProcess.freePort()
        let config = try pvd.write("config.yaml", """
            listen: 127.0.0.1:\(filePort)
            node: from-config
            logLevel: debug
            resyncInterval: 1m
            """)
        let serve = try ServeProcess(pvd, args: ["--config", config, "--listen", "127.0.0.1:\(flagPort)"], port: flagPort)
        #expect(serve.waitUntilReady(), "\(serve.log)")
        #expect(LoopbackHTTPClient.get(port: filePort, path: "/healthz") == nil, "the file's address was used over the flag's")
        let nodes = try pvd.items("nodes").compactMap { $0.path("metadata.name") as? String }
        #expect(nodes == ["from-config"])
        #expect(serve.log.contains("debug"))
        #expect(serve.stop() == 0, "\(serve.log)")
    }

    @Test(arguments: [
        ("resyncInterval: soon\n", "field resyncInterval"),
        ("listen: nowhere\n", "field listen"),
        ("logLevel: loud\n", "field logLevel"),
        ("colour: blue\n", "field colour"),
        ("allowedRoots: /one\n", "field allowedRoots"),
        ("listen: [unclosed\n", "not valid YAML"),
    ])
    func aBadConfigFileIsAnErrorNamingFileAndField(yaml: String, expected: String) throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let config = try pvd.write("bad.yaml", yaml)
        let serve = try ServeProcess(pvd, args: ["--config", config])
        let status = serve.waitForExit()
        #expect(status != nil && status != 0, "\(serve.log)")
        #expect(serve.log.contains("config \(config)"), "\(serve.log)")
        #expect(serve.log.contains(expected), "\(serve.log)")
        #expect(!FileManager.default.fileExists(atPath: pvd.store), "a refused start made a store")
    }

    @Test func aMissingNamedConfigFileAndABadFlagAreErrors() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let missing = pvd.root.appendingPathComponent("nope.yaml").path
        let r = try pvd.run(["serve", "--config", missing])
        #expect(r.status != 0)
        #expect(r.stderr.contains("config \(missing): no such file"), "\(r.stderr)")
        let f = try pvd.run(["serve", "--resync-interval", "often", "--config", try pvd.write("empty.yaml", "")])
        #expect(f.status != 0)
        #expect(f.stderr.contains("--resync-interval"), "\(f.stderr)")
    }

    @Test func tellsSystemdReadyAndStopping() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let socketPath = pvd.root.appendingPathComponent("notify.sock").path
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in socketPath.utf8.enumerated() { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0 }
        }
        try #require(bound)
        var timeout = timeval(tv_sec: 120, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        func receive() -> String {
            var buffer = [UInt8](repeating: 0, count: 256)
            let n = recv(fd, &buffer, buffer.count, 0)
            return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
        }
        let serve = try ServeProcess(pvd, env: ["NOTIFY_SOCKET": socketPath])
        #expect(receive() == "READY=1", "\(serve.log)")
        #expect(serve.get("/readyz")?.status == 200)
        #expect(serve.stop() == 0, "\(serve.log)")
        #expect(receive() == "STOPPING=1")
    }
}
