import Subprocess
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// One run of an external program (mkfs.ext4, resize2fs, xfs_growfs, runc, skopeo…) through
/// swift-subprocess (`Subprocess.run`), its stdout and stderr captured so a failure can quote them.
public struct ToolInvocation: Sendable {
    /// Directories searched after PATH: a daemon started with a minimal PATH still finds the
    /// filesystem tools, which live in sbin.
    static let fallbackDirectories = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
    /// At most this much of each stream is kept; tools pvd runs print far less.
    static let outputLimit = 1 << 20

    public var tool: String
    public var arguments: [String]
    /// Exit codes that mean success (e2fsck exits 1 when it corrected something).
    public var successCodes: Set<Int32> = [0]

    public init(tool: String, arguments: [String], successCodes: Set<Int32> = [0]) {
        self.tool = tool
        self.arguments = arguments
        self.successCodes = successCodes
    }

    /// The executable `name` resolves to: the first regular, executable file of that name in
    /// PATH, then in `fallbackDirectories`.
    public static func locate(_ name: String) -> String? {
        guard !name.isEmpty, !name.contains("/") else { return nil }
        let path = getenv("PATH").map { String(cString: $0) } ?? ""
        let directories = path.split(separator: ":").map(String.init) + fallbackDirectories
        for directory in directories where directory.hasPrefix("/") {
            let candidate = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            var info = stat()
            if stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        return nil
    }

    /// Runs the tool with LC_ALL=C (so its messages are the English ones tests and logs expect)
    /// and no stdin, and returns its stdout. A non-zero exit, a signal, or a failure to start
    /// throws, quoting the command line and whatever the tool wrote to stderr (or stdout).
    @discardableResult
    public func run() async throws(DriverError) -> String {
        let commandLine = ([tool] + arguments).joined(separator: " ")
        guard let executable = Self.locate(tool) else {
            throw DriverError(.unsupported, "\(commandLine) failed: \(tool) not found on PATH or in sbin", errno: ENOENT)
        }
        let result: ExecutionResult<Void, StringOutput<UTF8>, StringOutput<UTF8>>
        do {
            result = try await Subprocess.run(
                .path(FilePath(executable)),
                arguments: Arguments(arguments),
                environment: .inherit.updating(["LC_ALL": "C"]),
                output: .string(limit: Self.outputLimit),
                error: .string(limit: Self.outputLimit)
            )
        } catch {
            throw DriverError(.system, "\(commandLine) failed to run: \(error)")
        }
        let stdout = result.standardOutput
        let stderr = result.standardError
        switch result.terminationStatus {
        case .exited(let code) where successCodes.contains(code):
            return stdout
        case .exited(let code):
            throw DriverError(.system, "\(commandLine) failed (exit \(code)): \(Self.quote(stderr: stderr, stdout: stdout))")
        default:
            throw DriverError(.system, "\(commandLine) failed (\(result.terminationStatus)): \(Self.quote(stderr: stderr, stdout: stdout))")
        }
    }

    /// The most of a tool's output an error quotes: its head and its tail, each half of this.
    static let quoteLimit = 2000

    /// The tool's own words: stderr, else stdout, trimmed; "no output" when both are empty.
    /// Long output keeps its beginning and end (mkfs.xfs says why first, then prints its usage;
    /// other tools say why last).
    static func quote(stderr: String, stdout: String) -> String {
        var text = trimmed(stderr)
        if text.isEmpty { text = trimmed(stdout) }
        if text.isEmpty { return "no output" }
        guard text.count > quoteLimit else { return text }
        return "\(text.prefix(quoteLimit / 2)) … \(text.suffix(quoteLimit / 2))"
    }

    private static func trimmed(_ text: String) -> String {
        var rest = text[...]
        while let c = rest.first, c.isWhitespace { rest.removeFirst() }
        while let c = rest.last, c.isWhitespace { rest.removeLast() }
        return String(rest)
    }
}
