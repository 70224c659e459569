import Foundation
import PVDEtcd
import PVDModel
import PVDStore
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EtcdFaultTests {
    /// `pvd serve --store etcd://…` on one node: a hostPath claim applied through the CLI is
    /// provisioned and bound by the daemon, and the daemon stops on SIGTERM.
    @Test(.enabled(if: geteuid() == 0, "provisions hostPath directories as root"))
    func serveOnEtcdBindsAClaim() async throws {
        let cluster = try self.cluster
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-serve-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = cluster.url(prefix: "/serve-\(UUID().uuidString.prefix(8).lowercased())")
        let manifest = root + "/claim.yaml"
        try """
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata: {name: local}
            provisioner: pvd.io/hostpath
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: data}
            spec:
              storageClassName: local
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 1Gi}}
            """.write(toFile: manifest, atomically: true, encoding: .utf8)
        try "logLevel: info\n".write(toFile: root + "/config.yaml", atomically: true, encoding: .utf8)
        let port = try EtcdCluster.freePorts(1)[0]
        let serve = Process()
        serve.executableURL = URL(fileURLWithPath: pvdBinary)
        serve.arguments = ["serve", "--root", root, "--store", store, "--listen", "127.0.0.1:\(port)", "--api-listen", "off", "--config", root + "/config.yaml"]
        let log = root + "/serve.log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let logHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        serve.standardOutput = logHandle
        serve.standardError = logHandle
        serve.standardInput = FileHandle.nullDevice
        try serve.run()
        defer {
            if serve.isRunning {
                kill(serve.processIdentifier, SIGKILL)
                serve.waitUntilExit()
            }
        }
        let applied = try runPVD(["apply", "--root", root, "--store", store, "-f", manifest])
        #expect(applied.status == 0, "\(applied.stderr)")
        let bound = try runPVD(["wait", "--root", root, "--store", store, "pvc/data", "--for=phase=Bound", "--timeout", "60s"])
        #expect(bound.status == 0, "\(bound.stderr) \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        let claim = try await EtcdStore(store).get(PersistentVolumeClaim.self, namespace: "default", name: "data")
        #expect(claim.spec.volumeName?.hasPrefix("pvc-") == true)
        kill(serve.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(20)
        while serve.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!serve.isRunning)
        #expect(serve.terminationStatus == 0)
    }
}
