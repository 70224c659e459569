import ArgumentParser
import Logging
import PVDControllers
import PVDDrivers
import PVDEnvironment
import PVDModel
import PVDStore

extension PVD {
    /// `pvd reconcile --once`: runs the controllers until no work is left, then exits.
    struct Reconcile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reconcile",
            abstract: "Run the controllers until nothing is left to do (--once), then exit.")

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Run until no work is left, then exit (the only mode; `pvd serve` runs continuously).")
        var once = false

        @Flag(name: .shortAndLong, help: "Log each state change to stderr.")
        var verbose = false

        @Option(
            name: .customLong("orphan-grace"),
            help: ArgumentHelp(
                "How long a volume left with no PV and no claim waiting for it stays before recovery removes it.",
                valueName: "duration"))
        var orphanGrace = "5m"

        func validate() throws {
            if !once { throw ValidationError("reconcile runs with --once; the continuous loop is `pvd serve`") }
            _ = try FlagDuration.parse(orphanGrace, flag: "--orphan-grace")
        }

        func run() async throws {
            try await runReportingErrors {
                var logger = Logger(label: "pvd.reconcile")
                logger.logLevel = verbose ? .info : .warning
                let store = try await global.openStore(create: false)
                let storePath = try global.environment().store
                // Recovery and the controllers act on what the store says: not on a damaged one.
                // quick_check reads every page (about a second per 150k objects), which only
                // commands that go on to change the node pay; `get` and friends do not.
                if store is SQLiteStore {
                    do {
                        let problems = try SQLiteStore.integrityProblems(path: storePath, .quick)
                        if !problems.isEmpty {
                            let fault = StoreFault.corrupt(path: storePath, check: .quick, problems: problems)
                            throw CLIError("\(fault.message); nothing was reconciled. \(fault.consequence)")
                        }
                    } catch let e as StoreError {
                        throw CLIError(e.description)
                    }
                }
                let agent = try global.nodeAgent(logger: logger)
                var reconciler = Reconciler(store: store, agent: agent, logger: logger)
                reconciler.orphanGrace = try FlagDuration.parse(orphanGrace, flag: "--orphan-grace")
                let summary = try await reconciler.runOnce()
                printOut(summary.description + "\n")
            }
        }
    }
}
