import ArgumentParser
import Foundation
import PVDEnvironment
import PVDModel
import PVDRuntime
import PVDStore

#if canImport(Glibc)
import Glibc
#endif

extension PVD {
    /// `pvd logs POD [-c NAME] [-f] [--previous]`: a container's output, from the log file of
    /// its current run (or the one before, with --previous) under `<root>/runtime/<uid>/logs`.
    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "logs", abstract: "Print the logs of a container in a Pod run on this node.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The Pod.")
        var pod: String

        @Option(name: .shortAndLong, help: "The namespace (default: default).")
        var namespace: String?

        @Option(name: .shortAndLong, help: "The container (default: the Pod's only or first container).")
        var container: String?

        @Flag(name: .shortAndLong, help: "Follow: keep printing what is written until the container's run ends.")
        var follow = false

        @Flag(help: "The previous run of the container (after a restart).")
        var previous = false

        func run() async throws {
            try await runReportingErrors {
                let env = try global.environment()
                let store = try await global.openStore(create: false)
                let ns = namespace ?? "default"
                let p: Pod
                do {
                    p = try await store.get(Pod.self, namespace: ns, name: pod)
                } catch let e as StoreError where e.code == .notFound {
                    throw CLIError("pods \"\(pod)\" not found")
                }
                let names = ((p.spec.initContainers ?? []) + (p.spec.containers ?? [])).map(\.name)
                guard let name = container ?? p.spec.containers?.first?.name, names.contains(name) else {
                    throw CLIError("container \(container ?? "") is not valid for pod \(pod); choose one of: [\(names.joined(separator: " "))]")
                }
                guard let uid = p.metadata.uid else { throw CLIError("pod \(pod) has no uid") }
                let statuses = (p.status?.initContainerStatuses ?? []) + (p.status?.containerStatuses ?? [])
                let restarts = statuses.first { $0.name == name }?.restartCount ?? 0
                if previous && restarts == 0 {
                    throw CLIError("previous terminated container \"\(name)\" in pod \"\(pod)\" not found")
                }
                let path = RuntimeLayout(root: env.root).log(uid, name, run: previous ? restarts - 1 : restarts)
                guard let handle = FileHandle(forReadingAtPath: path) else {
                    throw CLIError("container \"\(name)\" in pod \"\(pod)\" has no logs (yet): \(path) not found")
                }
                defer { try? handle.close() }
                try await copy(handle, follow: follow && !previous, until: { try await Self.runEnded(store, p, name, restarts) })
            }
        }

        /// Prints the file from its start; following, waits for more until `until` says the run is over.
        func copy(_ handle: FileHandle, follow: Bool, until: () async throws -> Bool) async throws {
            while true {
                let data = handle.readDataToEndOfFile()
                if !data.isEmpty { FileHandle.standardOutput.write(data) }
                guard follow else { return }
                if try await until() {
                    let rest = handle.readDataToEndOfFile()
                    if !rest.isEmpty { FileHandle.standardOutput.write(rest) }
                    return
                }
                try await Task.sleep(for: .milliseconds(200))
            }
        }

        /// Whether the run being followed is over: the Pod is gone, or the container is not running that run.
        static func runEnded(_ store: any ObjectStore, _ pod: Pod, _ name: String, _ run: Int32) async throws -> Bool {
            guard let now = try? await store.get(Pod.self, namespace: pod.metadata.namespace, name: pod.metadata.name),
                  now.metadata.uid == pod.metadata.uid
            else { return true }
            let s = ((now.status?.initContainerStatuses ?? []) + (now.status?.containerStatuses ?? [])).first { $0.name == name }
            return s?.restartCount != run || s?.state?.terminated != nil || s?.state?.waiting?.reason == "CrashLoopBackOff"
        }
    }
}
