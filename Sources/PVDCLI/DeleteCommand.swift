import ArgumentParser
import Foundation
import PVDModel
import PVDStore

extension PVD {
    /// `pvd delete KIND NAME…`: deletes objects; with finalizers they stay Terminating until the
    /// controllers release them.
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete objects by kind and name.")

        @OptionGroup var global: GlobalOptions

        @OptionGroup var remote: RemoteOptions

        @Argument(help: "The kind, e.g. pvc.")
        var kind: String

        @Argument(help: "Names of the objects to delete.")
        var names: [String] = []

        @Option(name: .shortAndLong, help: "The namespace (default: default).")
        var namespace: String?

        @Flag(help: "Wait until the objects are gone (finalizers released).")
        var wait = false

        @Option(help: ArgumentHelp("How long --wait waits, e.g. 500ms, 30s, 2m.", valueName: "duration"))
        var timeout: String = "60s"

        func validate() throws {
            if names.isEmpty { throw ValidationError("delete needs at least one NAME") }
            _ = try FlagDuration.parse(timeout, flag: "--timeout")
        }

        func run() async throws {
            try await runReportingErrors {
                let kind = try ResourceKind.resolve(kind)
                let store = try await openStoreOrServer(create: false)
                let ns = namespace ?? "default"
                var failed = false
                var pending: [String] = []
                for name in names {
                    do {
                        let left = try await store.delete(kind: kind, namespace: ns, name: name)
                        printOut("\(kind.qualifiedName) \"\(name)\" deleted\n")
                        if left != nil { pending.append(name) }
                    } catch let e as StoreError where e.code == .notFound {
                        printError("Error from server (NotFound): \(kind.plural) \"\(name)\" not found")
                        failed = true
                    }
                }
                if wait, !pending.isEmpty {
                    let limit = try FlagDuration.parse(timeout, flag: "--timeout")
                    for name in pending {
                        try await Waiter.untilDeleted(store: store, kind: kind, namespace: ns, name: name, timeout: limit)
                    }
                }
                if failed { throw ExitCode(1) }
            }
        }
    }
}
