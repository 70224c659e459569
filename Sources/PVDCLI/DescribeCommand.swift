import ArgumentParser
import PVDModel
import PVDStore

extension PVD {
    /// `pvd describe KIND NAME`: an object's fields and the Events about it.
    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "describe", abstract: "Show an object in detail, with its Events.")

        @OptionGroup var global: GlobalOptions

        @OptionGroup var remote: RemoteOptions

        @Argument(help: "The kind, e.g. pvc.")
        var kind: String

        @Argument(help: "The object's name.")
        var name: String

        @Option(name: .shortAndLong, help: "The namespace (default: default).")
        var namespace: String?

        func run() async throws {
            try await runReportingErrors {
                let kind = try ResourceKind.resolve(kind)
                let store = try await openStoreOrServer(create: false)
                let ns = namespace ?? "default"
                let object: AnyResource
                do { object = try await store.get(kind: kind, namespace: ns, name: name) } catch let e as StoreError where e.code == .notFound {
                    printError("Error from server (NotFound): \(kind.plural) \"\(name)\" not found")
                    throw ExitCode(1)
                }
                // Events about cluster-scoped objects live in "default", as Kubernetes keeps them.
                let eventNS = kind.isNamespaced ? ns : "default"
                let events = try await store.list(Event.self, namespace: eventNS, selector: nil).items.filter {
                    $0.involvedObject.kind == kind.rawValue && $0.involvedObject.name == name
                        && ($0.involvedObject.uid == nil || $0.involvedObject.uid == object.metadata.uid)
                }
                var usedBy: [String] = []
                if kind == .persistentVolumeClaim {
                    usedBy = try await store.list(Pod.self, namespace: ns, selector: nil).items
                        .filter { $0.claimNames.contains(name) }.map(\.metadata.name)
                }
                printOut(Describer().describe(object, events: events, usedBy: usedBy))
            }
        }
    }
}
