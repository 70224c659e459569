import Foundation
import PVDDrivers
import Subprocess
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Debian's `runc` with pvd's own state directory (`--root <root>/runc`) and its default
/// cgroupfs driver (this machine's hybrid cgroups rule out crun, and there is no systemd).
public struct Runc: Sendable {
    public let stateDirectory: String
    public let binary: String

    public init(stateDirectory: String, binary: String = "runc") {
        self.stateDirectory = stateDirectory
        self.binary = binary
    }

    /// How a foreground `runc run` ended: the container's exit code (128 + n after signal n,
    /// as runc reports it), or runc itself killed by a signal.
    public enum Exit: Sendable, Hashable {
        case exited(Int32)
        case signalled(Int32)
    }

    /// `runc run --keep --pid-file P --bundle B ID`, in the foreground, stdin from /dev/null and stdout and
    /// stderr appended to `log`; returns when the container has exited. runc runs under a small
    /// `sh` in a session of its own, which writes runc's exit status to `exitFile` (written
    /// whole, by rename): if pvd dies meanwhile, the container runs on and the next pvd reads
    /// how it ended from the file, as a kubelet reads it from its runtime's shim. A terminal's
    /// Ctrl-C meant for pvd is not forwarded to containers. `--keep` leaves the stopped
    /// container (and its cgroup) for the caller to read the OOM count from, then delete.
    public func run(id: String, bundle: String, log: String, exitFile: String, pidFile: String) async throws(RuntimeError) -> Exit {
        guard let executable = binary.hasPrefix("/") ? binary : ToolInvocation.locate(binary) else {
            throw RuntimeError(.unsupported, "\(binary) not found on PATH: install Debian's runc")
        }
        let out = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard out >= 0 else { throw RuntimeError.system("open log", log, errno: errno) }
        var options = PlatformOptions()
        options.createSession = true
        let script = #""$0" --root "$1" run --keep --pid-file "$5" --bundle "$2" "$3" </dev/null; c=$?; echo $c > "$4.tmp" && mv "$4.tmp" "$4"; exit $c"#
        do {
            let result = try await Subprocess.run(
                .path(FilePath("/bin/sh")),
                arguments: Arguments(["-c", script, executable, stateDirectory, bundle, id, exitFile, pidFile]),
                platformOptions: options,
                input: .none,
                output: .fileDescriptor(FileDescriptor(rawValue: out), closeAfterSpawningProcess: true),
                error: .combinedWithOutput)
            switch result.terminationStatus {
            case .exited(let code): return .exited(code)
            case .signaled(let signal): return .signalled(signal)
            }
        } catch {
            throw RuntimeError(.system, "runc run \(id) (bundle \(bundle)) failed to start: \(error)")
        }
    }

    /// The exit status a finished `run` wrote, or nil while it runs (or if it never started).
    public static func recordedExit(_ exitFile: String) -> Int32? {
        guard let text = try? String(contentsOfFile: exitFile, encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// `runc kill ID SIGNAL`; a container that is gone already is not an error.
    @discardableResult
    public func kill(_ id: String, signal: String) async -> Bool {
        (try? await tool(["kill", id, signal])) != nil
    }

    /// `runc delete --force ID`: kills what is left and removes its state and cgroups.
    public func delete(_ id: String) async throws(RuntimeError) {
        do {
            try await tool(["delete", "--force", id])
        } catch where error.message.contains("does not exist") {
            return
        }
    }

    /// One container runc knows under its root.
    public struct Listed: Sendable, Hashable, Codable {
        public var id: String
        public var pid: Int32
        public var status: String
    }

    /// `runc list --format json` (which prints `null` for none).
    public func list() async throws(RuntimeError) -> [Listed] {
        guard access(stateDirectory, F_OK) == 0 else { return [] }
        let text = try await tool(["list", "--format", "json"])
        let data = Data(text.utf8)
        if text.trimmingCharacters(in: .whitespacesAndNewlines) == "null" { return [] }
        do {
            return try JSONDecoder().decode([Listed].self, from: data)
        } catch {
            throw RuntimeError(.system, "runc list: unexpected output: \(text.prefix(200))")
        }
    }

    @discardableResult
    func tool(_ args: [String]) async throws(RuntimeError) -> String {
        try await ImageStore.tool(binary, ["--root", stateDirectory] + args)
    }

    /// Whether the container's memory cgroup saw the OOM killer (cgroup v1 `memory.oom_control`
    /// `oom_kill N`, or v2 `memory.events`); read before `delete` removes the cgroup.
    public static func wasOOMKilled(containerID: String) -> Bool {
        let cg = BundleBuilder.cgroupsPath(containerID: containerID)
        for (file, key) in [("/sys/fs/cgroup/memory\(cg)/memory.oom_control", "oom_kill"), ("/sys/fs/cgroup/unified\(cg)/memory.events", "oom_kill")] {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ")
                if parts.count == 2, parts[0] == key, let n = Int(parts[1]), n > 0 { return true }
            }
        }
        return false
    }
}
