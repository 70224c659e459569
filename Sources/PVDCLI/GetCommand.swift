import ArgumentParser
import PVDModel
import PVDPrinting
import PVDStore

extension PVD {
    /// `pvd get KIND [NAME…]`: lists objects as kubectl does.
    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "get",
            abstract: "Show objects: sc, pv, pvc, po, no, ev (full and plural names work too).")

        @OptionGroup var global: GlobalOptions

        @OptionGroup var remote: RemoteOptions

        @Argument(help: "The kind, e.g. pvc, persistentvolumes, storageclass.")
        var kind: String

        @Argument(help: "Names of objects to show (default: all).")
        var names: [String] = []

        @Option(name: .shortAndLong, help: "The namespace (default: default).")
        var namespace: String?

        @Flag(name: [.customShort("A"), .customLong("all-namespaces")], help: "List across all namespaces.")
        var allNamespaces = false

        @Option(name: .shortAndLong, help: "Output format: wide, yaml, json or name.")
        var output: OutputFormat = .table

        @Option(name: [.customShort("l"), .long], help: "A label selector, e.g. tier=gold,env in (a,b).")
        var selector: String?

        @Option(
            name: .customLong("field-selector"),
            help: "A field selector, e.g. spec.nodeName=node-a,status.phase!=Failed (=, == and !=; fields by kind as Kubernetes).")
        var fieldSelector: String?

        @Flag(name: [.customShort("w"), .long], help: "After listing, print changes as they happen.")
        var watch = false

        @Flag(help: "Keep metadata.managedFields in -o yaml|json (left out by default, as kubectl does).")
        var showManagedFields = false

        func run() async throws {
            try await runReportingErrors {
                let kind = try ResourceKind.resolve(kind)
                let sel: LabelSelector?
                do { sel = try selector.map { try LabelSelector(parsing: $0) } } catch {
                    throw CLIError("-l \(selector ?? ""): \(error)")
                }
                let fields = try fieldSelector.map { text throws(CLIError) in
                    do {
                        let parsed = try FieldSelector(parsing: text)
                        try parsed.check(for: kind)
                        return parsed
                    } catch {
                        throw CLIError("\(error)")
                    }
                }
                // kubectl refuses this too: a name already selects, and silently ignoring the
                // selector (or the name) would show something other than asked for.
                if let fields, !fields.isEmpty, !names.isEmpty {
                    throw CLIError("name cannot be provided when a field selector is specified")
                }
                let store = try await openStoreOrServer(create: false)
                let ns = allNamespaces ? nil : (namespace ?? "default")
                var objects: [AnyResource] = []
                var revision: Int64 = 0
                if names.isEmpty {
                    (objects, revision) = try await store.list(kind: kind, namespace: ns, selector: sel, fields: fields)
                } else {
                    // Read first, so a change made while the objects are read is watched; and
                    // only for a watch (a client of the API would ask the server for it).
                    if watch { revision = try await store.currentRevision(for: kind, namespace: ns) }
                    var missing: [String] = []
                    for name in names {
                        do { objects.append(try await store.get(kind: kind, namespace: ns ?? "default", name: name)) } catch let e as StoreError where e.code == .notFound {
                            missing.append(name)
                        }
                    }
                    for m in missing { printError("Error from server (NotFound): \(kind.plural) \"\(m)\" not found") }
                    if !missing.isEmpty && objects.isEmpty && !watch { throw ExitCode(1) }
                    if !missing.isEmpty && !watch {
                        try printObjects(objects, kind: kind, ns: ns, listRequested: names.count != 1)
                        throw ExitCode(1)
                    }
                }
                try printObjects(objects, kind: kind, ns: ns, listRequested: names.count != 1)
                if watch { try await watchChanges(store: store, kind: kind, ns: ns, selector: sel, fields: fields, after: revision) }
            }
        }

        private func printObjects(_ objects: [AnyResource], kind: ResourceKind, ns: String?, listRequested: Bool) throws {
            switch output {
            case .table, .wide:
                if objects.isEmpty {
                    if names.isEmpty {
                        printError(kind.isNamespaced && ns != nil ? "No resources found in \(ns!) namespace." : "No resources found")
                    }
                    return
                }
                let printer = TablePrinter(wide: output == .wide, withNamespace: allNamespaces)
                printOut(printer.table(kind: kind, objects: objects).render())
            default:
                if objects.isEmpty && !listRequested { return }
                printOut(try ObjectRenderer.render(objects, format: output, asList: listRequested, managedFields: showManagedFields))
            }
        }

        private func watchChanges(
            store: any ObjectStore, kind: ResourceKind, ns: String?, selector: LabelSelector?, fields: FieldSelector?, after revision: Int64
        ) async throws {
            let printer = TablePrinter(wide: output == .wide, withNamespace: allNamespaces)
            for try await event in store.watch(kind, namespace: ns, after: revision) {
                let o = event.object
                if let ns, kind.isNamespaced, o.metadata.namespace != ns { continue }
                if !names.isEmpty && !names.contains(o.metadata.name) { continue }
                if let selector, !selector.matches(o.metadata.labels) { continue }
                if let fields, !fields.matches(o) { continue }
                switch output {
                case .table, .wide:
                    printOut(printer.table(kind: kind, objects: [o]).render(includeHeaders: false))
                default:
                    printOut(try ObjectRenderer.render([o], format: output, asList: false, managedFields: showManagedFields))
                }
            }
        }
    }
}
