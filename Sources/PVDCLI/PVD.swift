import ArgumentParser
import Foundation

/// The `pvd` command: a kubectl-like front end to pvd's store and controllers.
public struct PVD: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "pvd",
        abstract: "Persistent volumes for bare-metal Linux nodes, the Kubernetes way.",
        version: PVDVersion.string,
        subcommands: [Apply.self, Get.self, Describe.self, Delete.self, Patch.self, Wait.self, Reconcile.self, Version.self]
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
    /// Parses the process's arguments and runs the chosen command: all `main.swift` calls.
    public static func runFromCommandLine() async {
        await main()
    }
}
