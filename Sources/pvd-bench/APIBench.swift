import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import PVDServer

#if canImport(Glibc)
import Glibc
#endif

/// `pvd-bench api`: the Kubernetes API's targets, against a real `pvd serve` on a temporary
/// root: `kubectl get pvc NAME` (server time from the daemon's request histogram, kubectl's own
/// wall time beside it), a LIST of many claims as a Table, a watch fan-out (every watcher's
/// delay from a change sent to it seen), and the server's share of a `kubectl apply -f` of many
/// claims.
struct APIBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api", abstract: "The Kubernetes API: get, list as Table, watch fan-out, kubectl apply's server share.")

    @Option(help: "Claims in the store for the LIST.")
    var claims = 10_000
    @Option(help: "Watchers of the fan-out.")
    var watchers = 50
    @Option(help: "Changes each watcher sees.")
    var changes = 30
    @Option(help: "Claims `kubectl apply -f` creates.")
    var apply = 1_000
    @Option(help: "Repetitions of `kubectl get pvc NAME` and of the LIST.")
    var repeats = 20
    @Option(help: "The pvd binary (default: the one beside pvd-bench).")
    var pvd: String?
    @Option(help: "kubectl.")
    var kubectl = "/usr/bin/kubectl"
    @Option(help: "Directory under which the benchmark makes its root.")
    var workDir = "/var/tmp"
    @Option(help: "Where to write the JSON results (default bench-results/api-N.json).")
    var json: String?

    static let token = "bench-token-0123456789abcdef"

    func run() async throws {
        let binary = pvd ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("pvd").path
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw BenchError("no pvd binary at \(binary); pass --pvd") }
        guard FileManager.default.isExecutableFile(atPath: kubectl) else { throw BenchError("no kubectl at \(kubectl); pass --kubectl") }
        let root = URL(fileURLWithPath: workDir).appendingPathComponent("pvd-bench-api-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let errors = root + "/stderr.log"
        try DaemonBenchRoot.prepare(root, binary: binary, storeArgs: [], errors: errors)
        try Self.claimsYAML(prefix: "c", count: claims).write(toFile: root + "/claims.yaml", atomically: true, encoding: .utf8)
        guard try ChildProcess.run([binary, "apply", "--root", root, "-f", root + "/claims.yaml"], stderrPath: errors) == 0 else {
            throw BenchError("pvd apply of \(claims) claims failed: \(ChildProcess.tail(errors))")
        }
        try "\(Self.token),bench,uid-bench,\"system:masters\"\n".write(toFile: root + "/tokens.csv", atomically: true, encoding: .utf8)
        let ports = try LoopbackPorts.free(2)
        let (health, api) = (ports[0], ports[1])
        let daemon = try ChildProcess.spawn(
            [binary, "serve", "--root", root, "--config", root + "/config.yaml", "--listen", "127.0.0.1:\(health)",
             "--api-listen", "127.0.0.1:\(api)", "--token-auth-file", root + "/tokens.csv", "--log-level", "warning"],
            stderrPath: root + "/serve.log")
        defer {
            kill(daemon, SIGTERM)
            _ = ChildProcess.wait(daemon)
        }
        try await DaemonBenchRoot.waitReady(port: health, daemon: daemon, log: root + "/serve.log")

        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(root + "/api/ca.crt")
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        // One connection per watch stream, beside those of the requests.
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: watchers + 8)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            try await measure(client, root: root, binary: binary, health: health, api: api)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    private func measure(_ client: HTTPClient, root: String, binary: String, health: Int, api: Int) async throws {
        let errors = root + "/stderr.log"
        let base = "https://127.0.0.1:\(api)"
        func server() -> (sum: Double, count: Double) {
            let m = LoopbackHTTPClient.get(port: health, path: "/metrics")?.body ?? ""
            return (LoopbackHTTPClient.metricValue(m, "pvd_api_request_duration_seconds_sum") ?? 0,
                    LoopbackHTTPClient.metricValue(m, "pvd_api_request_duration_seconds_count") ?? 0)
        }
        func serverMean(since before: (sum: Double, count: Double)) -> Double {
            let after = server()
            return after.count > before.count ? (after.sum - before.sum) / (after.count - before.count) : 0
        }
        for _ in 0..<100 where (try? await Self.body(client, base + "/version", accept: "application/json")) == nil {
            try await Task.sleep(for: .milliseconds(50))
        }

        let kubeconfig = root + "/kubeconfig"
        guard try ChildProcess.run([binary, "kubeconfig", "--root", root, "--user", "bench", "--token", Self.token, "--server", base],
                                   stdoutPath: kubeconfig, stderrPath: errors) == 0
        else { throw BenchError("pvd kubeconfig failed: \(ChildProcess.tail(errors))") }
        let kube = [kubectl, "--kubeconfig", kubeconfig, "--cache-dir", root + "/kube-cache"]
        _ = try ChildProcess.run(kube + ["get", "pvc", "c0"], stderrPath: errors)

        // 1. kubectl get pvc NAME: each run's server time is its requests' (one GET once
        // discovery is cached) over the histogram.
        var kubectlWall: [Double] = [], getServer: [Double] = []
        for i in 0..<repeats {
            let before = server()
            let t = ContinuousClock.now
            guard try ChildProcess.run(kube + ["get", "pvc", "c\(i % claims)"], stderrPath: errors) == 0 else {
                throw BenchError("kubectl get failed: \(ChildProcess.tail(errors))")
            }
            kubectlWall.append(Measure.seconds(ContinuousClock.now - t))
            getServer.append(serverMean(since: before))
        }

        // 2. LIST of every claim as a Table, as `kubectl get pvc -A` asks for it.
        var listWall: [Double] = [], listServer: [Double] = []
        let table = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
        for _ in 0..<repeats {
            let before = server()
            let t = ContinuousClock.now
            let bytes = try await Self.body(client, base + "/api/v1/persistentvolumeclaims", accept: table)
            listWall.append(Measure.seconds(ContinuousClock.now - t))
            listServer.append(serverMean(since: before))
            guard bytes.count > claims * 100 else { throw BenchError("the LIST answered \(bytes.count) bytes for \(claims) claims") }
        }

        // 3. Watch fan-out: every watcher watches the claims; one claim's label changes, sent at
        // t0; each watcher's delay is when its stream carried the change.
        let delays = try await fanOut(client, base: base)

        // 4. kubectl apply -f of new claims: the server's time over kubectl's wall time.
        try Self.claimsYAML(prefix: "applied", count: apply).write(toFile: root + "/apply.yaml", atomically: true, encoding: .utf8)
        let before = server()
        let t = ContinuousClock.now
        guard try ChildProcess.run(kube + ["apply", "-f", root + "/apply.yaml"], stderrPath: errors) == 0 else {
            throw BenchError("kubectl apply failed: \(ChildProcess.tail(errors))")
        }
        let applyWall = Measure.seconds(ContinuousClock.now - t)
        let after = server()
        let applyServer = after.sum - before.sum, applyRequests = after.count - before.count

        let ms = { (s: Double) in (s * 1e6).rounded() / 1e3 }
        let result: [String: Any] = [
            "benchmark": "api", "pvd": binary, "claims": claims, "watchers": watchers, "changes": changes, "apply": apply,
            "kubectl_get_wall_median_ms": ms(Measure.median(kubectlWall)), "kubectl_get_server_median_ms": ms(Measure.median(getServer)),
            "list_table_wall_median_ms": ms(Measure.median(listWall)), "list_table_server_median_ms": ms(Measure.median(listServer)),
            "watch_delay_median_ms": ms(Measure.median(delays)), "watch_delay_p99_ms": ms(Measure.p99(delays)),
            "watch_events_seen": delays.count, "watch_events_expected": watchers * changes,
            "apply_wall_s": applyWall, "apply_server_s": applyServer, "apply_requests": applyRequests,
            "apply_server_share": applyWall > 0 ? applyServer / applyWall : 0,
        ]
        let path = json ?? "bench-results/api-\(claims).json"
        try ResultFile.write(result, to: path)
        let f = { (s: Double) in String(format: "%9.2f ms", s * 1e3) }
        print("""
            pvd-bench api  claims=\(claims)  pvd=\(binary)

            what                                              median        p99 / target
            kubectl get pvc NAME, server                   \(f(Measure.median(getServer)))   target ≤ 2 ms \(Measure.median(getServer) <= 0.002 ? "met" : "MISSED")
            kubectl get pvc NAME, kubectl's wall           \(f(Measure.median(kubectlWall)))
            LIST \(claims) claims as Table, server          \(f(Measure.median(listServer)))   target ≤ 150 ms (10,000) \(Measure.median(listServer) <= 0.150 ? "met" : "MISSED")
            LIST \(claims) claims as Table, client          \(f(Measure.median(listWall)))
            watch fan-out, \(watchers) watchers × \(changes) changes   \(f(Measure.median(delays)))   p99 \(f(Measure.p99(delays))); target median ≤ 20 ms \(Measure.median(delays) <= 0.020 ? "met" : "MISSED")
              events seen                                  \(delays.count) of \(watchers * changes)
            kubectl apply -f \(apply) claims                  wall \(String(format: "%.2f", applyWall)) s, server \(String(format: "%.2f", applyServer)) s over \(Int(applyRequests)) requests
              server share                                 \(String(format: "%.1f%%", applyWall > 0 ? 100 * applyServer / applyWall : 0))   target ≤ 25% \(applyWall > 0 && applyServer / applyWall <= 0.25 ? "met" : "MISSED")

            written to \(path)
            """)
    }

    /// The watchers and the changes: each change is a merge patch of claim c0's label, sent
    /// once every watcher has seen the one before (or after 2 s).
    private func fanOut(_ client: HTTPClient, base: String) async throws -> [Double] {
        let seen = FanOutLog(watchers: watchers)
        let list = try await Self.body(client, base + "/api/v1/namespaces/default/persistentvolumeclaims?fieldSelector=metadata.name%3Dc0", accept: "application/json")
        let rv = (try JSONSerialization.jsonObject(with: Data(list)) as? [String: Any]).flatMap { ($0["metadata"] as? [String: Any])?["resourceVersion"] as? String } ?? "0"
        let tasks = (0..<watchers).map { w in
            Task {
                var request = HTTPClientRequest(url: base + "/api/v1/namespaces/default/persistentvolumeclaims?watch=1&resourceVersion=\(rv)&fieldSelector=metadata.name%3Dc0")
                request.headers.add(name: "Authorization", value: "Bearer \(Self.token)")
                let response = try await client.execute(request, timeout: .seconds(600))
                var pending = Data()
                for try await chunk in response.body {
                    let now = ContinuousClock.now
                    pending.append(contentsOf: chunk.readableBytesView)
                    while let newline = pending.firstIndex(of: 0x0A) {
                        let line = pending[pending.startIndex..<newline]
                        pending = Data(pending[pending.index(after: newline)...])
                        if let text = String(data: line, encoding: .utf8), let range = text.range(of: "\"bench-change\":\"") {
                            let digits = text[range.upperBound...].prefix { $0.isNumber }
                            if let n = Int(digits) { await seen.saw(watcher: w, change: n, at: now) }
                        }
                    }
                }
            }
        }
        defer { tasks.forEach { $0.cancel() } }
        // Every watcher's stream is open once each has seen change 0.
        var delays: [Double] = []
        for n in 0...changes {
            let t0 = ContinuousClock.now
            await seen.sent(change: n, at: t0)
            var request = HTTPClientRequest(url: base + "/api/v1/namespaces/default/persistentvolumeclaims/c0")
            request.method = .PATCH
            request.headers.add(name: "Authorization", value: "Bearer \(Self.token)")
            request.headers.add(name: "Content-Type", value: "application/merge-patch+json")
            request.body = .bytes(ByteBuffer(string: #"{"metadata":{"labels":{"bench-change":"\#(n)"}}}"#))
            let response = try await client.execute(request, timeout: .seconds(30))
            guard response.status == .ok else { throw BenchError("the change's PATCH answered \(response.status)") }
            _ = try await response.body.collect(upTo: 1 << 20)
            let deadline = ContinuousClock.now + .seconds(n == 0 ? 30 : 2)
            while await seen.count(change: n) < watchers && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
            // Change 0 only opens the streams.
            if n > 0 { delays += await seen.delays(change: n) }
        }
        return delays
    }

    static func body(_ client: HTTPClient, _ url: String, accept: String) async throws -> [UInt8] {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept", value: accept)
        let response = try await client.execute(request, timeout: .seconds(120))
        guard response.status == .ok else { throw BenchError("\(url) answered \(response.status)") }
        let buffer = try await response.body.collect(upTo: 1 << 30)
        return Array(buffer.readableBytesView)
    }

    static func claimsYAML(prefix: String, count: Int) -> String {
        (0..<count).map { i in
            """
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: \(prefix)\(i), namespace: default}
            spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}, storageClassName: ""}
            """
        }.joined(separator: "\n---\n") + "\n"
    }
}

/// When each change was sent and when each watcher saw it.
actor FanOutLog {
    let watchers: Int
    var sentAt: [Int: ContinuousClock.Instant] = [:]
    var seenAt: [Int: [Int: ContinuousClock.Instant]] = [:]

    init(watchers: Int) { self.watchers = watchers }

    func sent(change: Int, at t: ContinuousClock.Instant) { sentAt[change] = t }

    func saw(watcher: Int, change: Int, at t: ContinuousClock.Instant) {
        if seenAt[change]?[watcher] == nil { seenAt[change, default: [:]][watcher] = t }
    }

    func count(change: Int) -> Int { seenAt[change]?.count ?? 0 }

    func delays(change: Int) -> [Double] {
        guard let t0 = sentAt[change] else { return [] }
        return (seenAt[change] ?? [:]).values.map { Measure.seconds($0 - t0) }
    }
}
