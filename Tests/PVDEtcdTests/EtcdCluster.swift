import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A real etcd cluster on loopback for the tests: Debian's `etcd` binary, each member's data
/// under the cluster's own temporary directory, client and peer ports picked free for this
/// cluster (so suites running at once do not collide), stopped by PID (SIGTERM, then SIGKILL)
/// when the scope that started it ends, whether it passed or threw.
///
/// The processes are only touched under `lock`, which is what makes `@unchecked Sendable`
/// honest here: `Process` is not Sendable.
final class EtcdCluster: @unchecked Sendable {
    let dir: String
    let clientPorts: [Int]
    let peerPorts: [Int]
    /// Client TLS: members serve https and ask for a client certificate signed by the CA.
    let tls: TestCertificates?
    private let lock = NSLock()
    private var members: [Process?]
    /// Stops the members by PID should this test process die before it can.
    private var watchdog: Process?

    static let binary = "/usr/bin/etcd"
    static var available: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    /// "127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3".
    var endpoints: String { clientPorts.map { "127.0.0.1:\($0)" }.joined(separator: ",") }

    func url(prefix: String, options: String = "") -> String {
        "etcd://\(endpoints)\(prefix)\(options.isEmpty ? "" : "?" + options)"
    }

    private init(dir: String, clientPorts: [Int], peerPorts: [Int], tls: TestCertificates?) {
        self.dir = dir
        self.tls = tls
        self.clientPorts = clientPorts
        self.peerPorts = peerPorts
        members = Array(repeating: nil, count: clientPorts.count)
    }

    /// Starts `size` members and waits (at most 20 s) until every one answers. A port taken
    /// between choosing it and etcd binding it (another suite starting its cluster) makes that
    /// try fail; it is tried again on new ports, three times at most.
    static func start(size: Int = 3, tls: Bool = false) async throws -> EtcdCluster {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await startOnce(size: size, tls: tls)
            } catch where attempt < 3 {
                continue
            }
        }
    }

    private static func startOnce(size: Int, tls: Bool) async throws -> EtcdCluster {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-etcd-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let ports = try freePorts(2 * size)
        let certificates = tls ? try TestCertificates.make(in: dir + "/pki") : nil
        let cluster = EtcdCluster(dir: dir, clientPorts: Array(ports[..<size]), peerPorts: Array(ports[size...]), tls: certificates)
        do {
            for i in 0..<size { try cluster.startMember(i) }
            try cluster.startWatchdog()
            try await cluster.waitHealthy(timeout: .seconds(20))
        } catch {
            cluster.stop()
            throw error
        }
        return cluster
    }

    private func startMember(_ i: Int) throws {
        let initial = peerPorts.enumerated().map { "n\($0.offset)=http://127.0.0.1:\($0.element)" }.joined(separator: ",")
        let client = "\(tls == nil ? "http" : "https")://127.0.0.1:\(clientPorts[i])"
        let peer = "http://127.0.0.1:\(peerPorts[i])"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary)
        p.arguments = [
            "--name", "n\(i)", "--data-dir", "\(dir)/n\(i)",
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", initial, "--initial-cluster-state", FileManager.default.fileExists(atPath: "\(dir)/n\(i)") ? "existing" : "new",
            "--initial-cluster-token", "pvd-test-\(clientPorts[0])",
            // Short raft timings, as the notes advise: no spurious elections seen under build
            // load, and every fault is over sooner.
            "--heartbeat-interval=50", "--election-timeout=500", "--log-level=error",
        ]
        if let tls {
            p.arguments! += ["--cert-file", tls.serverCert, "--key-file", tls.serverKey, "--client-cert-auth", "--trusted-ca-file", tls.ca]
        }
        try p.run(loggingTo: "\(dir)/n\(i).log")
        lock.withLock { members[i] = p }
    }

    /// A shell that waits for this process to end, then stops the members by their PIDs.
    private func startWatchdog() throws {
        let pids = lock.withLock { members.compactMap { $0?.processIdentifier } }.map(String.init).joined(separator: " ")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; kill -TERM \(pids) 2>/dev/null; sleep 2; kill -KILL \(pids) 2>/dev/null"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        lock.withLock { watchdog = p }
    }

    /// Waits until every running member answers /health.
    func waitHealthy(timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        let running = lock.withLock { members.indices.filter { members[$0] != nil } }
        for i in running {
            while !(await Self.healthy(port: clientPorts[i], tls: tls)) {
                guard ContinuousClock.now < deadline else {
                    let log = (try? String(contentsOfFile: "\(dir)/n\(i).log", encoding: .utf8)) ?? ""
                    throw ClusterError("etcd member n\(i) not healthy after \(timeout): \(log.suffix(2000))")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    static func healthy(port: Int, tls: TestCertificates? = nil) async -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        if let tls {
            p.arguments = ["-s", "-m", "1", "--cacert", tls.ca, "--cert", tls.clientCert, "--key", tls.clientKey, "https://127.0.0.1:\(port)/health"]
        } else {
            p.arguments = ["-s", "-m", "1", "http://127.0.0.1:\(port)/health"]
        }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return false }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).contains("\"health\":\"true\"")
    }

    /// Stops member `i` by its PID (SIGKILL with `hard`, else SIGTERM then SIGKILL).
    func stopMember(_ i: Int, hard: Bool = false) {
        guard let p = lock.withLock({ () -> Process? in
            let p = members[i]
            members[i] = nil
            return p
        }) else { return }
        Self.stop(p, hard: hard)
    }

    /// Starts member `i` again on its data directory.
    func restartMember(_ i: Int) throws {
        try startMember(i)
    }

    /// Stops every member and the watchdog, by PID, and removes the data.
    func stop() {
        let (all, dog) = lock.withLock { () -> ([Process], Process?) in
            let all = members.compactMap { $0 }
            members = Array(repeating: nil, count: members.count)
            let dog = watchdog
            watchdog = nil
            return (all, dog)
        }
        for p in all { Self.stop(p, hard: false) }
        if let dog { Self.stop(dog, hard: true) }
        try? FileManager.default.removeItem(atPath: dir)
    }

    private static func stop(_ p: Process, hard: Bool) {
        let pid = p.processIdentifier
        guard p.isRunning else { return }
        kill(pid, hard ? SIGKILL : SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning {
            kill(pid, SIGKILL)
            let hardDeadline = Date().addingTimeInterval(5)
            while p.isRunning && Date() < hardDeadline { usleep(20_000) }
        }
    }

    /// Ports the kernel hands out for port 0 on loopback, released at once for etcd to take.
    static func freePorts(_ count: Int) throws -> [Int] {
        var fds: [Int32] = []
        defer { for fd in fds { close(fd) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw ClusterError("socket: errno \(errno)") }
            fds.append(fd)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = 0
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
            }
            guard bound else { throw ClusterError("bind: errno \(errno)") }
            ports.append(Int(UInt16(bigEndian: addr.sin_port)))
        }
        return ports
    }
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl.
struct TestCertificates: Sendable {
    var ca: String, serverCert: String, serverKey: String, clientCert: String, clientKey: String

    static func make(in dir: String) throws -> TestCertificates {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let script = """
            set -e
            cd '\(dir)'
            openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=pvd-test-ca 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth,clientAuth\\n' > server.ext
            openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile server.ext 2>/dev/null
            printf 'extendedKeyUsage=clientAuth\\n' > client.ext
            openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=pvd 2>/dev/null
            openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2 -extfile client.ext 2>/dev/null
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw ClusterError("openssl: exit \(p.terminationStatus)") }
        return TestCertificates(
            ca: dir + "/ca.pem", serverCert: dir + "/server.pem", serverKey: dir + "/server.key",
            clientCert: dir + "/client.pem", clientKey: dir + "/client.key")
    }
}

struct ClusterError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Gives a suite one cluster for all its tests: started before the first, stopped after the last.
struct EtcdClusterTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let cluster = try await EtcdCluster.start()
        do {
            try await EtcdCluster.$current.withValue(cluster) { try await function() }
        } catch {
            cluster.stop()
            throw error
        }
        cluster.stop()
    }
}

extension Trait where Self == EtcdClusterTrait {
    /// A 3-member etcd cluster for the suite (see `EtcdCluster.current`).
    static var etcdCluster: Self { EtcdClusterTrait() }
}

extension EtcdCluster {
    /// The suite's cluster, inside a suite with the `.etcdCluster` trait.
    @TaskLocal static var current: EtcdCluster?
}

extension Process {
    /// Runs with stdout and stderr appended to `log` (made if missing, so a restart adds to
    /// it) and stdin from /dev/null.
    func run(loggingTo log: String) throws {
        if !FileManager.default.fileExists(atPath: log) { FileManager.default.createFile(atPath: log, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        standardOutput = handle
        standardError = handle
        standardInput = FileHandle.nullDevice
        try run()
    }
}

/// The whole text of a /proc file. `String(contentsOfFile:)` trusts the size stat reports, which
/// is 0 for /proc files, and returns only the first read's worth (3951 of 13401 bytes of
/// mountinfo here): a mount table cut short hides mounts.
func procText(_ path: String) -> String? {
    guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
    defer { try? handle.close() }
    return String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
}
