import ArgumentParser
import Foundation
import PVDEnvironment
import PVDStore

extension PVD {
    /// `pvd store …`: looking after the store file itself.
    struct Store: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Look after the store file.", subcommands: [Check.self])
    }
}

extension PVD.Store {
    /// `pvd store check`: SQLite's full `PRAGMA integrity_check` over the store.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the whole store with SQLite's integrity_check: prints ok, or every problem found (and exits 1).")

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("Report at most this many problems.", valueName: "n"))
        var limit = 100

        func validate() throws {
            if limit < 1 { throw ValidationError("--limit \(limit): want at least 1") }
        }

        func run() async throws {
            try await runReportingErrors {
                let path = try global.environment().store
                guard FileManager.default.fileExists(atPath: path) else {
                    throw CLIError("store \(path) does not exist (pass --store or set PVD_STORE)")
                }
                let problems: [String]
                do {
                    // Read-only, on a connection of its own: never waits for a writer, never writes.
                    problems = try SQLiteStore.integrityProblems(path: path, .full, limit: limit)
                } catch {
                    throw CLIError("\(error)")
                }
                if problems.isEmpty {
                    printOut("ok\n")
                    return
                }
                for p in problems { printOut("\(p)\n") }
                throw CLIError(StoreFault.corrupt(path: path, check: .full, problems: problems).message)
            }
        }
    }
}
