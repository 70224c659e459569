import ArgumentParser
import Logging
import PVDControllers
import PVDDrivers
import PVDModel
import PVDStore

extension PVD {
    /// `pvd reconcile --once`: runs the controllers until no work is left, then exits.
    struct Reconcile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the controllers until nothing is left to do (--once), then exit.")

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Run until no work is left, then exit (the only mode; `pvd serve` runs continuously).")
        var once = false

        @Flag(name: .shortAndLong, help: "Log each state change to stderr.")
        var verbose = false

        func validate() throws {
            if !once { throw ValidationError("reconcile runs with --once; the continuous loop is `pvd serve`") }
        }

        func run() async throws {
            try await runReportingErrors {
                var logger = Logger(label: "pvd.reconcile")
                logger.logLevel = verbose ? .info : .warning
                let store = try global.openStore(create: false)
                let agent = try global.nodeAgent(logger: logger)
                let summary = try await Reconciler(store: store, agent: agent, logger: logger).runOnce()
                printOut(summary.description + "\n")
            }
        }
    }
}
