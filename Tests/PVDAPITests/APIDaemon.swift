import Foundation
import PVDServer
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real `pvd serve` with the Kubernetes API on a free loopback port, on a temporary root of
/// its own, with a token file; started from `$PVD_BIN` and stopped by its pid (never by name).
/// `kubectl` runs stock kubectl against it with a fresh discovery cache.
final class APIDaemon {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    let root: URL
    let apiPort: Int
    /// The daemon's /healthz, /readyz and /metrics.
    let healthPort: Int
    let process = Process()
    let logPath: String
    let cacheDir: String
    static let adminToken = "admin-token-0123456789"

    var server: String { "https://127.0.0.1:\(apiPort)" }

    /// The binary: `$PVD_BIN`, else the debug build beside these sources.
    static var binary: String {
        if let env = ProcessInfo.processInfo.environment["PVD_BIN"], !env.isEmpty { return env }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.appendingPathComponent(".build/debug/pvd").path
    }

    static var kubectlPath: String? {
        ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts the daemon and waits until its API listens.
    init(args: [String] = []) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-api-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        cacheDir = root.appendingPathComponent("kube-cache").path
        apiPort = try Self.freePort()
        healthPort = try Self.freePort()
        let tokens = root.appendingPathComponent("tokens.csv").path
        try "\(Self.adminToken),admin,uid-admin,\"system:masters\"\nteam-token,teammate,uid-2,\"team-a,dev\"\n".write(toFile: tokens, atomically: true, encoding: .utf8)
        let config = root.appendingPathComponent("config.yaml").path
        FileManager.default.createFile(atPath: config, contents: nil)
        logPath = root.appendingPathComponent("serve.log").path
        FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = [
            "serve", "--root", root.path, "--config", config, "--log-level", "debug", "--listen", "127.0.0.1:\(healthPort)",
            "--api-listen", "127.0.0.1:\(apiPort)", "--token-auth-file", tokens,
        ] + args
        var env = ProcessInfo.processInfo.environment
        for k in ["PVD_STORE", "PVD_ROOT", "PVD_NODE", "NOTIFY_SOCKET", "KUBECONFIG"] { env.removeValue(forKey: k) }
        process.environment = env
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline && process.isRunning && !self.log.contains("API listening") { usleep(20_000) }
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(30)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: root)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    var listening: Bool { process.isRunning && log.contains("API listening") }

    /// Writes a file under the root and returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        let path = root.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `pvd kubeconfig` for this daemon; a token user when `token` is given.
    func kubeconfig(user: String = "admin", groups: [String] = [], token: String? = nil, root other: URL? = nil) throws -> String {
        var args = ["kubeconfig", "--root", (other ?? root).path, "--user", user, "--server", server]
        for g in groups { args += ["--group", g] }
        if let token { args += ["--token", token] }
        let r = try run(Self.binary, args)
        #expect(r.status == 0, "pvd kubeconfig: \(r.stderr)")
        return try write("kubeconfig-\(UUID().uuidString.prefix(8)).yaml", r.stdout)
    }

    private var adminConfig: String?

    /// Stock kubectl with `kubeconfig` (the admin token by default) and a discovery cache of this daemon's own.
    func kubectl(_ args: [String], kubeconfig: String? = nil, stdin: String? = nil) throws -> Output {
        if kubeconfig == nil && adminConfig == nil { adminConfig = try self.kubeconfig(token: Self.adminToken) }
        let config = kubeconfig ?? adminConfig ?? ""
        return try run(Self.kubectlPath ?? "/usr/bin/kubectl", ["--kubeconfig", config, "--cache-dir", cacheDir, "--request-timeout", "60s"] + args, stdin: stdin)
    }

    /// `pvd` itself on this root (reading the same store), for checks that do not go through the API.
    func pvd(_ args: [String]) throws -> Output {
        try run(Self.binary, [args[0], "--root", root.path] + args.dropFirst())
    }

    func run(_ path: String, _ args: [String], stdin: String? = nil) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        for k in ["PVD_STORE", "PVD_ROOT", "KUBECONFIG"] { env.removeValue(forKey: k) }
        env["HOME"] = root.path
        p.environment = env
        let outPath = root.appendingPathComponent("out-\(UUID().uuidString)").path
        let errPath = outPath + ".err"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        // Files, not pipes: a command's output is never stuck behind a full pipe.
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        let input = Pipe()
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        p.waitUntilExit()
        return Output(
            status: p.terminationStatus, stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    static func freePort() throws -> Int { try LoopbackPort.free() }

    /// `path` with `args` started in the background, its output dropped; the caller waits for
    /// it or kills it (by this Process's pid).
    static func background(_ path: String, _ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// A Role `claims` in team-a with these verbs on claims, bound to the group `team-a` (the
    /// tokens file's teammate is in it).
    static func teamAClaimsGrant(verbs: String) -> String {
        """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: claims, namespace: team-a}
        rules:
        - apiGroups: [""]
          resources: [persistentvolumeclaims]
          verbs: [\(verbs)]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: team-a-claims, namespace: team-a}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: claims}
        subjects:
        - {apiGroup: rbac.authorization.k8s.io, kind: Group, name: team-a}

        """
    }
}
