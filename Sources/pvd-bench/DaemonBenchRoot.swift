import Foundation
import PVDServer

/// What the daemon benchmarks start from, in their root: the hostPath class `bench` applied to
/// the store, and an empty `config.yaml` for `pvd serve --config`, so nothing in this machine's
/// /etc/pvd changes the run.
enum DaemonBenchRoot {
    static func prepare(_ root: String, binary: String, storeArgs: [String], errors: String) throws {
        try Data("""
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata: {name: bench}
            provisioner: pvd.io/hostpath
            reclaimPolicy: Delete
            """.utf8).write(to: URL(fileURLWithPath: root + "/class.yaml"))
        try Data().write(to: URL(fileURLWithPath: root + "/config.yaml"))
        guard try ChildProcess.run([binary, "apply", "--root", root, "-f", root + "/class.yaml"] + storeArgs, stderrPath: errors) == 0 else {
            throw BenchError("pvd apply of the class failed: \(ChildProcess.tail(errors))")
        }
    }

    /// Waits until the daemon's /readyz answers 200; fails when it exits or never does (60 s).
    static func waitReady(port: Int, daemon: pid_t, log: String) async throws {
        for _ in 0..<3000 {
            if let status = ChildProcess.hasExited(daemon) { throw BenchError("pvd serve exited with \(status): \(ChildProcess.tail(log))") }
            if LoopbackHTTPClient.get(port: port, path: "/readyz")?.status == 200 { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchError("pvd serve never became ready: \(ChildProcess.tail(log))")
    }
}
