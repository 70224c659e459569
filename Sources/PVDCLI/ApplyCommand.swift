import ArgumentParser
import Logging
import PVDAdmission
import PVDModel
import PVDStore

extension PVD {
    /// `pvd apply -f FILE|DIR|-`: creates or updates objects from manifests, all or nothing.
    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "apply",
            abstract: "Create or update objects from manifests (all documents, or none).")

        @OptionGroup var global: GlobalOptions

        @OptionGroup var remote: RemoteOptions

        @Option(name: .shortAndLong, help: ArgumentHelp("A manifest file, a directory of them, or - for stdin.", valueName: "file"))
        var filename: [String] = []

        @Option(name: .shortAndLong, help: "The namespace for namespaced objects that name none.")
        var namespace: String?

        func validate() throws {
            if filename.isEmpty { throw ValidationError("apply needs -f FILE|DIR|-") }
        }

        func run() async throws {
            try await runReportingErrors {
                let reading = ContinuousClock.now
                let objects = try ManifestFiles.read(filename)
                var progress = ApplyProgress(objects: objects.count, since: reading)
                progress.step("read \(objects.count) objects")
                let prepared = try Applier.prepare(objects, namespace: namespace)
                progress.step("validated \(prepared.count) objects")
                let store = try await openStoreOrServer(create: true)
                // A server checks its own classes' directories; this machine's drivers are not its.
                let server = store.admitsWrites
                let agent = server ? nil : try global.nodeAgent(logger: Logger(label: "pvd.apply"))
                progress.starting(server ? "comparing with the server and writing, checked by a dry run first" : "comparing with the store and writing, in one transaction")
                let results = try await Applier.apply(prepared, to: store, agent: agent)
                progress.step("committed")
                // One write per 64 KiB rather than per line: 300,000 lines were 300,000 writes.
                var lines = ""
                for r in results {
                    lines += "\(r.kind.qualifiedName)/\(r.name) \(r.outcome.rawValue)\n"
                    if let warning = r.warning {
                        printOut(lines)
                        lines = ""
                        printError("Warning: \(warning)")
                    } else if lines.utf8.count >= 1 << 16 {
                        printOut(lines)
                        lines = ""
                    }
                }
                if !lines.isEmpty { printOut(lines) }
            }
        }
    }
}
