import Foundation
import PVDEtcd
import PVDModel
import PVDStore
import Testing

extension EtcdFaultTests {
    /// `pvd store copy` through the real binary, SQLite → etcd → SQLite: every object arrives
    /// as it was but for its resourceVersion, and a non-empty target is refused without --force.
    @Test func storeCopyBothWaysThroughTheBinary() async throws {
        let cluster = try self.cluster
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-copy-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = try SQLiteStore(path: dir + "/a.db")
        _ = try await source.create(StorageClass(name: "fast", provisioner: "pvd.io/hostpath"))
        var pv = try await source.create(volume("pv-1"))
        pv.spec.claimRef = ObjectReference(kind: "PersistentVolumeClaim", namespace: "team-a", name: "data")
        pv.status = PersistentVolumeStatus(phase: .bound)
        pv.metadata.addFinalizer("kubernetes.io/pv-protection")
        _ = try await source.update(pv)
        for (ns, name) in [("team-a", "data"), ("team-a-x", "logs"), ("default", "going")] {
            var c = claim(name, namespace: ns, labels: ["app": name])
            c.metadata.addFinalizer("kubernetes.io/pvc-protection")
            c = try await source.create(c)
            c.status = PersistentVolumeClaimStatus(phase: .bound)
            _ = try await source.update(c)
        }
        _ = try await source.delete(PersistentVolumeClaim.self, namespace: "default", name: "going", uid: nil)
        _ = try await source.create(Node(name: "node-a", labels: ["kubernetes.io/hostname": "node-a"]))

        let etcd = cluster.url(prefix: "/copy-\(UUID().uuidString.prefix(8).lowercased())")
        let there = try runPVD(["store", "copy", "--from", dir + "/a.db", "--to", etcd])
        #expect(there.status == 0, "\(there.stderr)")
        #expect(there.stdout.contains("copied 6 objects"), "\(there.stdout)")
        let refused = try runPVD(["store", "copy", "--from", dir + "/a.db", "--to", etcd])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("already holds objects"), "\(refused.stderr)")
        let forced = try runPVD(["store", "copy", "--from", dir + "/a.db", "--to", etcd, "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        let back = try runPVD(["store", "copy", "--from", etcd, "--to", dir + "/b.db"])
        #expect(back.status == 0, "\(back.stderr)")

        // The CLI reads the etcd store as it reads a file.
        let get = try runPVD(["get", "pvc", "-A", "--store", etcd])
        #expect(get.status == 0, "\(get.stderr)")
        #expect(get.stdout.contains("team-a-x") && get.stdout.contains("going"), "\(get.stdout)")

        let middle = try EtcdStore(etcd)
        let copy = try SQLiteStore(path: dir + "/b.db", createIfMissing: false)
        for kind in ResourceKind.allCases {
            let original = try await source.list(kind: kind, namespace: nil, selector: nil).0.map(withoutVersion)
            #expect(try await middle.list(kind: kind, namespace: nil, selector: nil).0.map(withoutVersion) == original, "\(kind)")
            #expect(try await copy.list(kind: kind, namespace: nil, selector: nil).0.map(withoutVersion) == original, "\(kind)")
        }
        let going = try await copy.get(PersistentVolumeClaim.self, namespace: "default", name: "going")
        #expect(going.metadata.deletionTimestamp != nil)
    }

    private func withoutVersion(_ o: AnyResource) -> AnyResource {
        var o = o
        o.metadata.resourceVersion = nil
        return o
    }
}

struct PVDOutput {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// The real `pvd` binary: `$PVD_BIN` (set by `make test`), else the debug build.
var pvdBinary: String {
    if let env = ProcessInfo.processInfo.environment["PVD_BIN"], !env.isEmpty { return env }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug/pvd").path
}

/// Runs the real `pvd` binary with `args`.
func runPVD(_ args: [String]) throws -> PVDOutput {
    try runProgram(pvdBinary, args)
}

/// Runs `executable` with `args` in the test's environment, less `PVD_STORE`, plus `environment`.
func runProgram(_ executable: String, _ args: [String], environment: [String: String] = [:]) throws -> PVDOutput {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = args
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "PVD_STORE")
    for (k, v) in environment { env[k] = v }
    p.environment = env
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = FileHandle.nullDevice
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return PVDOutput(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}
