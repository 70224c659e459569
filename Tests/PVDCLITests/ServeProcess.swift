import Foundation
import PVDServer
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A `pvd serve` the test started on its own temporary root and a free loopback port, stopped by
/// pid (never by name) with SIGTERM.
final class ServeProcess {
    let pvd: PVDProcess
    let port: Int
    let process = Process()
    let logPath: String

    /// Starts `pvd serve --root <root> --listen 127.0.0.1:<free port> args…`.
    init(_ pvd: PVDProcess, args: [String] = [], port: Int? = nil, env: [String: String] = [:]) throws {
        self.pvd = pvd
        self.port = try port ?? Self.freePort()
        logPath = pvd.root.appendingPathComponent("serve-\(UUID().uuidString.prefix(8)).log").path
        FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: PVDProcess.binary)
        let listen = args.contains("--listen") ? [] : ["--listen", "127.0.0.1:\(self.port)"]
        // Tests run daemons side by side: the API's default port is for a test that asks for it.
        let api = args.contains("--api-listen") ? [] : ["--api-listen", "off"]
        process.arguments = ["serve", "--root", pvd.root.path, "--log-level", "debug"] + listen + api + args
        var environment = ProcessInfo.processInfo.environment
        for k in ["PVD_STORE", "PVD_ROOT", "PVD_NODE", "NOTIFY_SOCKET"] { environment.removeValue(forKey: k) }
        for (k, v) in env { environment[k] = v }
        process.environment = environment
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        // A test that failed before stopping it: stop it anyway, by pid.
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Waits until `/readyz` answers 200 (or the process exits); false if it never does.
    func waitUntilReady(seconds: Double = 120) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline && process.isRunning {
            if let r = get("/readyz"), r.status == 200 { return true }
            usleep(20_000)
        }
        return false
    }

    /// SIGTERM, then the exit status (nil if it did not exit within `seconds`).
    func stop(seconds: Double = 60) -> Int32? {
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { return nil }
        return process.terminationStatus
    }

    /// Waits for the process to exit on its own (a start-up failure); nil if it is still running.
    func waitForExit(seconds: Double = 60) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    func get(_ path: String) -> LoopbackHTTPClient.Response? { LoopbackHTTPClient.get(port: port, path: path) }

    static func freePort() throws -> Int { try LoopbackPort.free() }
}

/// The value of one series in Prometheus text output.
func metricValue(_ text: String, _ series: String) -> Double? { LoopbackHTTPClient.metricValue(text, series) }
