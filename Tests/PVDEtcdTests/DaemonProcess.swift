import Foundation
import PVDServer
#if canImport(Glibc)
import Glibc
#endif

/// One `pvd serve` for the multi-daemon tests: its own root, node name and port, on a shared
/// store, logging to a file under its root; stopped by its PID (SIGKILL if still running) when
/// the test is done with it.
final class DaemonProcess: @unchecked Sendable {
    let node: String
    let root: String
    let port: Int
    let store: String
    private var process: Process?
    private let lock = NSLock()

    init(node: String, root: String, store: String, port: Int) {
        self.node = node
        self.root = root
        self.store = store
        self.port = port
    }

    deinit { kill(hard: true) }

    var log: String { root + "/serve.log" }

    /// Starts the daemon (again, after a kill: the same root and node).
    func start(extra: [String] = []) throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try "logLevel: info\n".write(toFile: root + "/config.yaml", atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: pvdBinary)
        p.arguments = [
            "serve", "--root", root, "--node", node, "--store", store, "--listen", "127.0.0.1:\(port)", "--api-listen", "off", "--config", root + "/config.yaml",
        ] + extra
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "PVD_STORE")
        p.environment = env
        try p.run(loggingTo: log)
        lock.withLock { process = p }
    }

    /// SIGKILL (a crash) or SIGTERM (graceful), then waits for the exit.
    func kill(hard: Bool) {
        guard let p = lock.withLock({ process }) else { return }
        if p.isRunning {
            Glibc.kill(p.processIdentifier, hard ? SIGKILL : SIGTERM)
            p.waitUntilExit()
        }
        lock.withLock { process = nil }
    }

    var isRunning: Bool { lock.withLock { process?.isRunning ?? false } }

    /// `GET path` on the daemon's endpoint: status and body, nil when it does not answer.
    func get(_ path: String) -> (status: Int, body: String)? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        p.arguments = ["-s", "-m", "2", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)\(path)"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let code = lines.popLast().flatMap({ Int($0) }), code > 0 else { return nil }
        return (code, lines.joined(separator: "\n"))
    }

    /// The leader /readyz names ("node-a"), and whether it says this daemon is it.
    func leader() -> (name: String, isThis: Bool)? {
        guard let r = get("/readyz"), r.status == 200, let seen = ReadinessLeader.parse(r.body), let name = seen.name else { return nil }
        return (name, seen.isThisDaemon)
    }

    /// Waits until `condition` holds, polling every 50 ms, at most `limit`; false at the limit.
    static func waitUntil(_ limit: Duration, _ condition: () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return await condition()
    }

    var logText: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
}

extension DaemonProcess {
    /// Unmounts every mount point under `dir` (a Pod's published volume a killed daemon left),
    /// deepest first, by its path; nothing outside `dir` is touched.
    static func unmountEverything(under dir: String) {
        guard let table = procText("/proc/self/mountinfo") else { return }
        let prefix = dir.hasSuffix("/") ? dir : dir + "/"
        let targets = table.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            // mountinfo escapes spaces and the like as octal; test paths have none.
            let target = String(fields[4])
            return target.hasPrefix(prefix) ? target : nil
        }
        for target in targets.sorted(by: { $0.count > $1.count }) {
            // Busy (a process of the killed daemon's not yet reaped): detach it lazily; it is
            // ours, under our own directory, and nothing will use it again.
            if umount2(target, 0) != 0 { _ = umount2(target, Int32(MNT_DETACH)) }
        }
    }
}
