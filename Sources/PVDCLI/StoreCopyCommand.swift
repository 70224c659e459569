import ArgumentParser
import Foundation
import PVDModel
import PVDStore

extension PVD.Store {
    /// `pvd store copy --from SRC --to DST`: moves every object from one store to another (SQLite
    /// file or etcd URL, either way), keeping uid, timestamps, finalizers and status.
    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "copy",
            abstract: "Copy every object from one store to another (a SQLite file or an etcd:// URL, either way).",
            discussion: """
                Objects keep their uid, creationTimestamp, deletionTimestamp, generation, finalizers, \
                labels, annotations and status; resourceVersions are the target's own. Stop every \
                daemon on the source first: a copy reads each kind at its own revision. The target \
                must hold no objects unless --force is given; then objects of the same name are \
                overwritten and others are left alone. Each batch is written all or nothing; a copy \
                that fails half-way can be run again with --force.
                """)

        @Option(help: ArgumentHelp("The store to read: a SQLite file or an etcd:// URL.", valueName: "path|url"))
        var from: String

        @Option(help: ArgumentHelp("The store to write: a SQLite file (created if missing) or an etcd:// URL.", valueName: "path|url"))
        var to: String

        @Flag(help: "Copy into a store that already holds objects, overwriting those of the same name.")
        var force = false

        func validate() throws {
            if from == to { throw ValidationError("--from and --to name the same store") }
        }

        func run() async throws {
            try await runReportingErrors {
                let source = try await GlobalOptions.openStore(from, create: false)
                let target = try await GlobalOptions.openStore(to, create: true)
                if !force { try await refuseNonEmpty(target) }
                var lists: [(ResourceKind, [AnyResource])] = []
                for kind in ResourceKind.allCases {
                    let (items, _) = try await storeCall { () async throws(StoreError) in
                        try await source.list(kind: kind, namespace: nil, selector: nil)
                    }
                    lists.append((kind, items))
                }
                let total = lists.reduce(0) { $0 + $1.1.count }
                let batch = min(target.restoreBatchLimit ?? 1_000, 1_000)
                var copied = 0
                var lastReport = ContinuousClock.now
                for (_, items) in lists {
                    var i = 0
                    while i < items.count {
                        let slice = Array(items[i..<min(items.count, i + batch)])
                        try await storeCall { () async throws(StoreError) in try await target.restore(slice, replacing: force) }
                        i += slice.count
                        copied += slice.count
                        // Progress for copies that take a while, at most once a second.
                        if total >= 1_000, ContinuousClock.now - lastReport >= .seconds(1) || copied == total {
                            printError("copied \(copied)/\(total) objects")
                            lastReport = ContinuousClock.now
                        }
                    }
                }
                let counts = lists.filter { !$0.1.isEmpty }.map { "\($0.1.count) \($0.0.plural)" }.joined(separator: ", ")
                printOut("copied \(total) objects\(counts.isEmpty ? "" : " (\(counts))") from \(from) to \(to)\n")
            }
        }

        private func refuseNonEmpty(_ target: any ObjectStore) async throws {
            for kind in ResourceKind.allCases {
                let (items, _) = try await storeCall { () async throws(StoreError) in
                    try await target.list(kind: kind, namespace: nil, selector: nil)
                }
                if let first = items.first {
                    throw CLIError("store \(to) already holds objects (such as \(first.displayName)); pass --force to copy over them (objects of the same name are overwritten)")
                }
            }
        }

        private func storeCall<T>(_ body: () async throws(StoreError) -> T) async throws -> T {
            do {
                return try await body()
            } catch {
                throw CLIError(error.message)
            }
        }
    }
}
