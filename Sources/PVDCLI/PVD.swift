import ArgumentParser
import Foundation
import PVDModel

/// The `pvd` command: a kubectl-like front end to pvd's store and controllers.
public struct PVD: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "pvd",
        abstract: "Persistent volumes for bare-metal Linux nodes, the Kubernetes way.",
        version: PVDVersion.string,
        subcommands: [Apply.self, Get.self, Describe.self, Delete.self, Patch.self, Wait.self, Logs.self, Image.self, Reconcile.self, Serve.self, Kubeconfig.self, Store.self, Version.self]
    )

    public init() {}
}

/// Runs a command body, printing a failure kubectl-style (`error: …` on stderr) and exiting 1.
func runReportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let e as CLIError {
        printError("error: \(e.message)")
        throw ExitCode(1)
    } catch let e as ExitCode {
        throw e
    } catch {
        printError("error: \(error)")
        throw ExitCode(1)
    }
}

/// Writes a line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Writes text to standard output without buffering surprises between stdout and stderr.
func printOut(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}

extension PVD {
    /// Parses the process's arguments and runs the chosen command with the parts this binary
    /// links: all `main.swift` calls. A command that needs a part `parts` lacks is handed to
    /// `pvd-server` after parsing (so a usage error is still this binary's) and before it runs.
    public static func runFromCommandLine(linking parts: LinkedParts) async {
        await LinkedParts.$current.withValue(parts) {
            do {
                var command = try parseAsRoot(hoistingGlobalOptions(Array(CommandLine.arguments.dropFirst())))
                if let needing = command as? any NeedsLinkedParts {
                    let missing = needing.neededParts.filter { !parts.has($0) }
                    if !missing.isEmpty {
                        do throws(CLIError) {
                            try Handoff.exec(for: missing, arguments: CommandLine.arguments)
                        } catch {
                            printError("error: \(error.message)")
                            exit(withError: ExitCode(1))
                        }
                    }
                }
                if var asynchronous = command as? any AsyncParsableCommand {
                    try await asynchronous.run()
                } else {
                    try command.run()
                }
            } catch {
                exit(withError: error)
            }
        }
    }

    /// The global options, as kubectl takes them: before the command (`pvd --root DIR get pv`,
    /// `pvd --kubeconfig F get pvc`) as well as after it. ArgumentParser reads them after the
    /// (last) subcommand name, so those given before it, or between a group and its command
    /// (`pvd store --root DIR check`), are moved there. A command that does not take one (`pvd
    /// --server URL serve`) then refuses it by name.
    static func hoistingGlobalOptions(_ args: [String]) -> [String] {
        let globals: Set<String> = ["--root", "--store", "--node", "--server", "--kubeconfig", "--context", "--token"]
        // Commands that only group others: their subcommand's name comes next.
        let groups: Set<String> = ["store"]
        var leading: [String] = []
        var path: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            let name = a.split(separator: "=", maxSplits: 1).first.map(String.init) ?? a
            if globals.contains(name) {
                leading.append(a)
                if !a.contains("="), i + 1 < args.count {
                    leading.append(args[i + 1])
                    i += 1
                }
                i += 1
                continue
            }
            let wantsName = path.isEmpty || (path.count == 1 && groups.contains(path[0]))
            guard wantsName, !a.hasPrefix("-") else { break }
            path.append(a)
            i += 1
            if !groups.contains(a) { break }
        }
        guard !leading.isEmpty, !path.isEmpty else { return args }
        return path + leading + args[i...]
    }
}
