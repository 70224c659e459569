import ArgumentParser
import Foundation
import PVDEnvironment
import PVDStore

extension PVD {
    /// `pvd store …`: work on a store as a whole: check it, copy it to another.
    struct Store: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "store",
            abstract: "Work on a store as a whole: check it, copy it.", subcommands: [Check.self, Copy.self])
    }
}

extension PVD.Store {
    /// `pvd store check`: SQLite's full `PRAGMA integrity_check` over the store.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
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
                if path.hasPrefix("etcd://") || path.hasPrefix("etcds://") {
                    throw CLIError("store \(path): pvd store check runs SQLite's integrity_check on a store file; an etcd cluster checks its own data (etcdctl check, etcd's --experimental-corrupt-check-time)")
                }
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
