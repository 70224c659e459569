import Foundation
import Testing

/// Runs the real `pvd` binary against a private temporary root, as a user would.
struct PVDProcess {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    let root: URL
    var store: String { root.appendingPathComponent("state.db").path }

    /// A fresh temporary root, removed by `cleanup()`.
    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    /// Removes the root, after unmounting (by exact path) what a reconcile published or mounted
    /// under it: removing through a mount would empty the volume and leave the mount behind.
    func cleanup() {
        OwnDevices.release(under: root.path)
        try? FileManager.default.removeItem(at: root)
    }

    /// The binary: `$PVD_BIN` (set by `make test`), else the debug build beside these sources.
    static var binary: String {
        if let env = ProcessInfo.processInfo.environment["PVD_BIN"], !env.isEmpty { return env }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.appendingPathComponent(".build/debug/pvd").path
    }

    /// Runs `pvd --root <root> args…`, feeding `stdin` if given.
    @discardableResult
    func run(_ args: [String], stdin: String? = nil, env: [String: String] = [:], binary: String = PVDProcess.binary) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args.first.map { first in
            // Global options go after the subcommand name, as ArgumentParser expects them there.
            [first, "--root", root.path] + args.dropFirst()
        } ?? []
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "PVD_STORE")
        environment.removeValue(forKey: "PVD_ROOT")
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// Writes a manifest file under the root and returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        let url = root.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// Runs a command that must succeed, recording its stderr if it does not.
    @discardableResult
    func ok(_ args: [String], stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> Output {
        let r = try run(args, stdin: stdin)
        #expect(r.status == 0, "pvd \(args.joined(separator: " ")) failed: \(r.stderr)", sourceLocation: sourceLocation)
        return r
    }

    /// The store file's bytes, to prove a refused command changed nothing.
    func storeBytes() -> Data? { FileManager.default.contents(atPath: store) }

    /// `get KIND -A -o json` decoded to its items.
    func items(_ kind: String) throws -> [[String: Any]] {
        let r = try run(["get", kind, "-A", "-o", "json"])
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        return obj?["items"] as? [[String: Any]] ?? []
    }
}

extension Dictionary where Key == String, Value == Any {
    /// A nested value by dotted path, e.g. "spec.volumeName".
    func path(_ p: String) -> Any? {
        var cur: Any? = self
        for part in p.split(separator: ".") { cur = (cur as? [String: Any])?[String(part)] }
        return cur
    }
}
