import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Whether curl and jq, which the cluster scripts use, are installed.
let clusterScriptTools = ["/usr/bin/curl", "/usr/bin/jq"].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }

/// deploy/cluster/up.sh and down.sh, end to end against the binary under test: three pvd nodes
/// on a 3-member etcd of the script's own, every example claim Bound, each provisioned volume
/// on a node that exists and under that node's root, each WaitForFirstConsumer claim on its
/// Pod's node; then down.sh leaves no process it started running, nothing mounted under the
/// directory, and no directory.
@Suite(
    .serialized,
    .enabled(if: geteuid() == 0, "deploy/cluster/up.sh needs root: pods' volumes are bind mounts"),
    .enabled(if: EtcdCluster.available, "needs Debian's etcd-server (/usr/bin/etcd)"),
    .enabled(if: clusterScriptTools, "deploy/cluster/up.sh needs curl and jq"))
struct ClusterScriptTests {
    static let cluster = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("deploy/cluster")

    @Test(.timeLimit(.minutes(2)))
    func upBindsEveryExampleOnItsNodesAndDownLeavesNothing() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-cluster-test-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let dir = work + "/cluster"
        var stopped = false
        defer {
            // A failure anywhere: stop what the script started before the directory goes.
            if !stopped && FileManager.default.fileExists(atPath: dir + "/pids") { _ = try? Self.run("down.sh", [dir]) }
            try? FileManager.default.removeItem(atPath: work)
        }
        // Below the kernel's ephemeral range, where the other suites' etcd members take theirs.
        let base = Int.random(in: 200..<320) * 100
        let up = try Self.run("up.sh", [dir], environment: ["PVD_CLUSTER_PORT": "\(base)"])
        try #require(up.status == 0, "up.sh failed:\n\(up.output)\n\(Self.logs(dir))")

        let env = try String(contentsOfFile: dir + "/cluster.env", encoding: .utf8)
        let store = try #require(env.split(separator: "\n").first { $0.hasPrefix("export PVD_STORE=") }.map {
            String($0.dropFirst("export PVD_STORE=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "'"))
        })
        let nodes = Set(try items(["get", "nodes"], store: store).compactMap { $0.path("metadata.name") as? String })
        #expect(nodes == ["node-1", "node-2", "node-3"])

        let claims = try items(["get", "pvc", "-A"], store: store)
        let names = Set(claims.compactMap { $0.path("metadata.name") as? String })
        #expect(names == ["data", "gold", "shared", "scratch", "cache-node-1", "cache-node-2", "cache-node-3"])
        for c in claims {
            #expect(c.path("status.phase") as? String == "Bound", "claim \(c.path("metadata.name") ?? "?") is not Bound")
        }

        var provisioned = 0
        for pv in try items(["get", "pv"], store: store) {
            let name = pv.path("metadata.name") as? String ?? "?"
            #expect(up.output.contains(name), "up.sh did not print where \(name) landed")
            let node = Self.hostname(of: pv)
            guard (pv.path("metadata.annotations") as? [String: Any])?["pv.kubernetes.io/provisioned-by"] != nil else {
                // The examples' static volumes name no node: any node may use them.
                #expect(node == nil, "static \(name) gained node affinity")
                continue
            }
            provisioned += 1
            let landed = try #require(node, "provisioned \(name) names no node")
            #expect(nodes.contains(landed), "\(name) is on \(landed), which is no node of the cluster")
            let path = pv.path("spec.hostPath.path") as? String ?? ""
            #expect(path.hasPrefix("\(dir)/nodes/\(landed)/hostpath/"), "\(name) at \(path) is not under \(landed)'s root")
            let claim = pv.path("spec.claimRef.name") as? String ?? ""
            if claim.hasPrefix("cache-") {
                #expect(landed == String(claim.dropFirst("cache-".count)), "\(claim) was provisioned on \(landed), not its Pod's node")
            }
        }
        #expect(provisioned == 4, "scratch and the three cache claims")

        let pids = try FileManager.default.contentsOfDirectory(atPath: dir + "/pids").compactMap {
            Int32((try? String(contentsOfFile: "\(dir)/pids/\($0)", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
        }
        #expect(pids.count == 6, "3 etcd members and 3 nodes")
        #expect(try Self.mounts(under: dir).count >= 3, "the three Pods' volumes are not published")

        let down = try Self.run("down.sh", [dir])
        stopped = true
        #expect(down.status == 0, "down.sh failed:\n\(down.output)")
        for pid in pids {
            #expect(!Self.runs(pid, naming: dir), "pid \(pid) still runs after down.sh")
        }
        let left = try Self.mounts(under: dir)
        #expect(left.isEmpty, "down.sh left mounts: \(left)")
        #expect(!FileManager.default.fileExists(atPath: dir), "down.sh left \(dir) behind")
    }

    /// The items of `pvd get KIND -o json` on the cluster's store.
    private func items(_ args: [String], store: String) throws -> [[String: Any]] {
        let out = try runPVD(args + ["-o", "json", "--store", store])
        try #require(out.status == 0, "pvd \(args.joined(separator: " ")): \(out.stderr)")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        return list["items"] as? [[String: Any]] ?? []
    }

    /// The node a volume's affinity names (`kubernetes.io/hostname In [node]`), if any.
    static func hostname(of pv: [String: Any]) -> String? {
        let terms = pv.path("spec.nodeAffinity.required.nodeSelectorTerms") as? [[String: Any]] ?? []
        for term in terms {
            for e in term["matchExpressions"] as? [[String: Any]] ?? [] where e["key"] as? String == "kubernetes.io/hostname" {
                return (e["values"] as? [String])?.first
            }
        }
        return nil
    }

    /// Runs a script of deploy/cluster with the binary under test; its status, and its output
    /// and errors together.
    static func run(_ script: String, _ args: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        var env = environment
        env["PVD"] = pvdBinary
        let out = try runProgram("/bin/bash", [cluster.appendingPathComponent(script).path] + args, environment: env)
        return (out.status, out.stdout + out.stderr)
    }

    /// The mount points under `dir`, from this process's mountinfo.
    static func mounts(under dir: String) throws -> [String] {
        (procText("/proc/self/mountinfo") ?? "").split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 4, fields[4].hasPrefix(dir + "/") else { return nil }
            return String(fields[4])
        }
    }

    /// Whether `pid` runs (not a zombie) a command line that names `dir`: one of the cluster's.
    static func runs(_ pid: Int32, naming dir: String) -> Bool {
        guard let status = procText("/proc/\(pid)/status"),
              !status.contains("State:\tZ"),
              let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline")
        else { return false }
        return String(decoding: cmdline.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self).contains(dir + "/")
    }

    /// The tail of every log the cluster wrote, for a failure's message.
    static func logs(_ dir: String) -> String {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/logs")) ?? []
        return files.sorted().map { "== \($0)\n" + String(((try? String(contentsOfFile: "\(dir)/logs/\($0)", encoding: .utf8)) ?? "").suffix(1500)) }
            .joined(separator: "\n")
    }
}

extension Dictionary where Key == String, Value == Any {
    /// The value at a dotted path (`status.phase`), through nested objects.
    func path(_ p: String) -> Any? {
        var value: Any? = self
        for part in p.split(separator: ".") { value = (value as? [String: Any])?[String(part)] }
        return value
    }
}
