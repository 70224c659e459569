import Foundation
import PVDServer

#if canImport(Glibc)
import Glibc
#endif

/// A throwaway etcd cluster for one benchmark run: `size` members of /usr/bin/etcd on free
/// loopback ports, their data under a temporary directory of `workDir`. It is stopped by PID
/// (SIGTERM, then SIGKILL) by `stop()`, which every exit path of its owner calls; a watchdog
/// shell stops the members by the same PIDs should the benchmark die before it can.
final class BenchEtcd {
    static let binary = "/usr/bin/etcd"

    let dir: String
    let clientPorts: [Int]
    let maxTxnOps: Int
    let maxRequestBytes: Int
    private var pids: [pid_t] = []
    private var watchdog: pid_t?

    /// Members started with the notes' short raft timings (heartbeat 50 ms, election 500 ms:
    /// no spurious elections under load here), a backend quota of 8 GiB (etcd's largest
    /// recommended: 50,000 claims with their history need more than the 2 GiB default) and
    /// transactions of `maxTxnOps` operations and `maxRequestBytes` bytes, which the URL repeats
    /// so that pvd's batches use them.
    static func start(size: Int, workDir: String, maxTxnOps: Int, maxRequestBytes: Int) async throws -> BenchEtcd {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchError("--etcd needs \(binary) (Debian's etcd-server)")
        }
        let dir = URL(fileURLWithPath: workDir).appendingPathComponent("pvd-bench-etcd-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let ports = try LoopbackPorts.free(2 * size)
        let cluster = BenchEtcd(dir: dir, clientPorts: Array(ports[..<size]), maxTxnOps: maxTxnOps, maxRequestBytes: maxRequestBytes)
        do {
            let peers = Array(ports[size...])
            let initial = peers.enumerated().map { "n\($0.offset)=http://127.0.0.1:\($0.element)" }.joined(separator: ",")
            for i in 0..<size {
                let client = "http://127.0.0.1:\(cluster.clientPorts[i])", peer = "http://127.0.0.1:\(peers[i])"
                cluster.pids.append(try ChildProcess.spawn([
                    binary, "--name", "n\(i)", "--data-dir", "\(dir)/n\(i)",
                    "--listen-client-urls", client, "--advertise-client-urls", client,
                    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                    "--initial-cluster", initial, "--initial-cluster-state", "new", "--initial-cluster-token", "pvd-bench-\(peers[0])",
                    "--heartbeat-interval=50", "--election-timeout=500",
                    "--quota-backend-bytes=\(8 << 30)", "--max-txn-ops=\(maxTxnOps)", "--max-request-bytes=\(maxRequestBytes)",
                    "--log-level=error",
                ], stderrPath: "\(dir)/n\(i).log"))
            }
            cluster.watchdog = try ChildProcess.spawn([
                "/bin/sh", "-c",
                "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; kill -TERM \(cluster.pidList) 2>/dev/null; sleep 2; kill -KILL \(cluster.pidList) 2>/dev/null",
            ])
            try await cluster.waitHealthy()
        } catch {
            cluster.stop()
            throw error
        }
        return cluster
    }

    private init(dir: String, clientPorts: [Int], maxTxnOps: Int, maxRequestBytes: Int) {
        self.dir = dir
        self.clientPorts = clientPorts
        self.maxTxnOps = maxTxnOps
        self.maxRequestBytes = maxRequestBytes
    }

    private var pidList: String { pids.map(String.init).joined(separator: " ") }

    /// A store URL on this cluster with a prefix of its own, saying the members' limits.
    func url(prefix: String) -> String {
        let endpoints = clientPorts.map { "127.0.0.1:\($0)" }.joined(separator: ",")
        return "etcd://\(endpoints)\(prefix)?max-txn-ops=\(maxTxnOps)&max-request-bytes=\(maxRequestBytes)"
    }

    /// Every member answers /health with `"health":"true"` (at most 20 s).
    private func waitHealthy() async throws {
        for (i, port) in clientPorts.enumerated() {
            var tries = 0
            while LoopbackHTTPClient.get(port: port, path: "/health")?.body.contains("\"health\":\"true\"") != true {
                if let status = ChildProcess.hasExited(pids[i]) {
                    throw BenchError("etcd member n\(i) exited with \(status): \(ChildProcess.tail("\(dir)/n\(i).log"))")
                }
                tries += 1
                guard tries < 200 else { throw BenchError("etcd member n\(i) not healthy after 20 s: \(ChildProcess.tail("\(dir)/n\(i).log"))") }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Each member's resident and peak resident memory (MiB), the size of its backend database
    /// file (MiB), the CPU seconds it spent, and from its own metrics the seconds its WAL fsyncs
    /// and backend commits took (and how many): where a run's time went inside etcd. Read
    /// before `stop()`.
    func members() async -> [[String: Any]] {
        var all: [[String: Any]] = []
        for (i, pid) in pids.enumerated() {
            let mem = ProcessStats.memoryMiB(pid)
            let db = (try? FileManager.default.attributesOfItem(atPath: "\(dir)/n\(i)/member/snap/db")[.size] as? Int) ?? 0
            // etcd sends its metrics in many chunks, which AsyncHTTPClient reads whole.
            let metrics = (try? await EtcdGateway.get("http://127.0.0.1:\(clientPorts[i])/metrics")) ?? ""
            func metric(_ name: String) -> Double { ((LoopbackHTTPClient.metricValue(metrics, name) ?? 0) * 100).rounded() / 100 }
            all.append([
                "member": "n\(i)", "rss_mib": (mem.rss * 10).rounded() / 10, "peak_rss_mib": (mem.peak * 10).rounded() / 10,
                "db_mib": (Double(db) / 1_048_576 * 10).rounded() / 10, "cpu_seconds": (ProcessStats.cpuSeconds(pid) * 100).rounded() / 100,
                "wal_fsync_seconds": metric("etcd_disk_wal_fsync_duration_seconds_sum"),
                "wal_fsyncs": metric("etcd_disk_wal_fsync_duration_seconds_count"),
                "backend_commit_seconds": metric("etcd_disk_backend_commit_duration_seconds_sum"),
            ])
        }
        return all
    }

    /// Kills member `i` with SIGKILL (a crash), leaving the others running; `stop()` skips it.
    func killMember(_ i: Int) {
        guard pids.indices.contains(i), pids[i] > 0 else { return }
        kill(pids[i], SIGKILL)
        _ = ChildProcess.wait(pids[i])
    }

    /// Stops the watchdog, then every member by its PID (SIGTERM, SIGKILL after 10 s), and
    /// removes the data. Safe to call twice.
    func stop() {
        if let dog = watchdog {
            kill(dog, SIGKILL)
            _ = ChildProcess.wait(dog)
            watchdog = nil
        }
        for pid in pids { kill(pid, SIGTERM) }
        for pid in pids {
            var exited = false
            for _ in 0..<500 {
                if ChildProcess.hasExited(pid) != nil {
                    exited = true
                    break
                }
                usleep(20_000)
            }
            if !exited {
                kill(pid, SIGKILL)
                _ = ChildProcess.wait(pid)
            }
        }
        pids = []
        try? FileManager.default.removeItem(atPath: dir)
    }
}

/// Loopback ports nothing listens on, from the kernel (port 0), released for the caller to take.
enum LoopbackPorts {
    static func free(_ count: Int) throws -> [Int] {
        var fds: [Int32] = []
        defer { for fd in fds { close(fd) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw BenchError("no free port: socket errno \(errno)") }
            fds.append(fd)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let ok = withUnsafeMutablePointer(to: &addr) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
            }
            guard ok else { throw BenchError("no free port: errno \(errno)") }
            ports.append(Int(UInt16(bigEndian: addr.sin_port)))
        }
        return ports
    }
}
