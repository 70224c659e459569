import ArgumentParser
import Foundation
import PVDEnvironment
import PVDModel
import PVDStore

extension PVD {
    /// `pvd wait KIND/NAME --for=phase=Bound`: blocks until an object reaches a phase or is deleted.
    struct Wait: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "wait",
            abstract: "Wait for an object to reach a phase (--for=phase=Bound) or to be deleted (--for=delete).")

        @OptionGroup var global: GlobalOptions

        @OptionGroup var remote: RemoteOptions

        @Argument(help: "KIND/NAME, e.g. pvc/data.")
        var target: String

        @Option(name: .customLong("for"), help: "phase=PHASE, jsonpath={.status.phase}=PHASE, or delete.")
        var condition: String

        @Option(name: .shortAndLong, help: "The namespace (default: default).")
        var namespace: String?

        @Option(help: ArgumentHelp("How long to wait, e.g. 500ms, 30s, 2m.", valueName: "duration"))
        var timeout: String = "30s"

        func validate() throws {
            _ = try FlagDuration.parse(timeout, flag: "--timeout")
            if WaitCondition(condition) == nil {
                throw ValidationError("--for \(condition): want phase=PHASE, jsonpath={.status.phase}=PHASE or delete")
            }
        }

        func run() async throws {
            try await runReportingErrors {
                let parts = target.split(separator: "/", maxSplits: 1).map(String.init)
                guard parts.count == 2, let kind = ResourceKind(userInput: parts[0]), !parts[1].isEmpty else {
                    throw CLIError("\(target): want KIND/NAME, e.g. pvc/data")
                }
                let store = try await openStoreOrServer(create: false)
                let ns = namespace ?? "default"
                let limit = try FlagDuration.parse(timeout, flag: "--timeout")
                switch WaitCondition(condition)! {
                case .deleted:
                    try await Waiter.untilDeleted(store: store, kind: kind, namespace: ns, name: parts[1], timeout: limit)
                    printOut("\(kind.qualifiedName)/\(parts[1]) condition met\n")
                case .phase(let phase):
                    try await Waiter.untilPhase(phase, store: store, kind: kind, namespace: ns, name: parts[1], timeout: limit)
                    printOut("\(kind.qualifiedName)/\(parts[1]) condition met\n")
                }
            }
        }
    }
}

/// What `wait --for` asks for.
enum WaitCondition {
    case phase(String)
    case deleted

    init?(_ text: String) {
        if text == "delete" { self = .deleted; return }
        for prefix in ["phase=", "jsonpath={.status.phase}=", "jsonpath='{.status.phase}'="] where text.hasPrefix(prefix) {
            let p = String(text.dropFirst(prefix.count))
            if p.isEmpty { return nil }
            self = .phase(p)
            return
        }
        return nil
    }
}

/// Waits on the store's watch, so a wait ends as soon as the write that satisfies it commits.
enum Waiter {
    static func untilPhase(_ phase: String, store: any ObjectStore, kind: ResourceKind, namespace: String, name: String, timeout: Duration) async throws {
        try await withDeadline(timeout, what: "\(kind.plural)/\(name)") {
            let rev = try await store.currentRevision(for: kind, namespace: namespace)
            let now: AnyResource
            do { now = try await store.get(kind: kind, namespace: namespace, name: name) } catch let e as StoreError where e.code == .notFound {
                throw CLIError("\(kind.plural) \"\(name)\" not found")
            }
            if Self.phase(of: now) == phase { return }
            for try await e in store.watch(kind, namespace: namespace, after: rev) {
                guard e.object.metadata.name == name, !kind.isNamespaced || e.object.metadata.namespace == namespace else { continue }
                if e.type != .deleted, Self.phase(of: e.object) == phase { return }
            }
        }
    }

    static func untilDeleted(store: any ObjectStore, kind: ResourceKind, namespace: String, name: String, timeout: Duration) async throws {
        try await withDeadline(timeout, what: "\(kind.plural)/\(name)") {
            let rev = try await store.currentRevision(for: kind, namespace: namespace)
            do { _ = try await store.get(kind: kind, namespace: namespace, name: name) } catch let e as StoreError where e.code == .notFound { return }
            for try await e in store.watch(kind, namespace: namespace, after: rev) {
                guard e.object.metadata.name == name, !kind.isNamespaced || e.object.metadata.namespace == namespace else { continue }
                if e.type == .deleted { return }
            }
        }
    }

    static func phase(of o: AnyResource) -> String? {
        switch o {
        case .persistentVolume(let pv): pv.metadata.deletionTimestamp != nil ? "Terminating" : pv.phase.rawValue
        case .persistentVolumeClaim(let c): c.metadata.deletionTimestamp != nil ? "Terminating" : c.phase.rawValue
        case .pod(let p): p.status?.phase
        default: nil
        }
    }

    private static func withDeadline(_ timeout: Duration, what: String, _ body: @escaping @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { try await body(); return true }
            group.addTask { try await Task.sleep(for: timeout); return false }
            let finished = try await group.next() ?? false
            group.cancelAll()
            if !finished { throw CLIError("timed out waiting for the condition on \(what)") }
        }
    }
}
