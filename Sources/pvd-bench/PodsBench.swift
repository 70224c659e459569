import ArgumentParser
import Foundation
import PVDDrivers
import PVDModel
import PVDRuntime

#if canImport(Glibc)
import Glibc
#endif

/// `pvd-bench pods`: a running `pvd serve --runtime runc` and N times a Pod of one `/bin/true`
/// container with one claim, `pvd apply` then `pvd wait --for=phase=Succeeded` as a user would;
/// against it, the raw cost of the same container: `runc run --keep` and `runc delete` of the
/// bundle pvd's own launcher writes for it (overlay root, claim bind, /etc files), and the two
/// CLI start-ups the user's path pays (`pvd version`).
struct PodsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pods", abstract: "Time a /bin/true Pod apply → Succeeded against a raw runc run of the same bundle.")

    @Option(help: "How many Pods (and raw runs).")
    var count = 20

    @Option(help: "Then this many Pods at once, each with its own claim: all Succeeded, all deleted, nothing left (0 skips it).")
    var concurrent = 50

    @Option(help: "The pvd binary (default: the one beside pvd-bench).")
    var pvd: String?

    @Option(help: "Directory under which the benchmark makes its root.")
    var workDir = "/var/tmp"

    @Option(help: "Where to write the JSON results (default bench-results/pods-N.json).")
    var json: String?

    func run() async throws {
        guard geteuid() == 0 else { throw BenchError("pods needs root: runc, overlay and bind mounts") }
        let binary = pvd ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("pvd").path
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw BenchError("no pvd binary at \(binary); pass --pvd") }
        let root = URL(fileURLWithPath: workDir).appendingPathComponent("pvd-bench-pods-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let errors = root + "/stderr.log"
        var daemon: pid_t?
        defer { Self.cleanUp(root: root, daemon: daemon) }

        try DaemonBenchRoot.prepare(root, binary: binary, storeArgs: [], errors: errors)
        guard try ChildProcess.run([binary, "image", "busybox", "--root", root, "--name", "alpine"], stderrPath: errors) == 0 else {
            throw BenchError("pvd image busybox failed: \(ChildProcess.tail(errors))")
        }
        try Data("""
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: data}
            spec: {storageClassName: bench, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Mi}}}
            """.utf8).write(to: URL(fileURLWithPath: root + "/claim.yaml"))
        guard try ChildProcess.run([binary, "apply", "--root", root, "-f", root + "/claim.yaml"], stderrPath: errors) == 0 else {
            throw BenchError("pvd apply of the claim failed: \(ChildProcess.tail(errors))")
        }
        let port = try LoopbackPorts.free(1)[0]
        let pid = try ChildProcess.spawn(
            [binary, "serve", "--root", root, "--config", root + "/config.yaml", "--listen", "127.0.0.1:\(port)", "--log-level", "warning", "--runtime", "runc"],
            stderrPath: root + "/serve.log")
        daemon = pid
        try await DaemonBenchRoot.waitReady(port: port, daemon: pid, log: root + "/serve.log")

        var viaPVD: [Double] = []
        for i in 0..<count {
            let name = "true-\(i)"
            let file = root + "/\(name).yaml"
            try Data(Self.pod(name).utf8).write(to: URL(fileURLWithPath: file))
            let (status, seconds) = try await Measure.seconds { () async throws -> Int32 in
                guard try ChildProcess.run([binary, "apply", "--root", root, "-f", file], stderrPath: errors) == 0 else { return 1 }
                return try ChildProcess.run(
                    [binary, "wait", "--root", root, "pod/\(name)", "--for=phase=Succeeded", "--timeout", "60s"], stderrPath: errors)
            }
            guard status == 0 else { throw BenchError("\(name) did not succeed: \(ChildProcess.tail(errors)) \(ChildProcess.tail(root + "/serve.log"))") }
            viaPVD.append(seconds)
            _ = try ChildProcess.run([binary, "delete", "--root", root, "pod", name, "--wait"], stderrPath: errors)
        }

        var cli: [Double] = []
        for _ in 0..<count {
            let (_, s) = try await Measure.seconds { try ChildProcess.run([binary, "version"]) }
            cli.append(s)
        }
        let raw = try await rawRuns(root: root)

        let pvdMedian = Measure.median(viaPVD), rawMedian = Measure.median(raw), cliMedian = Measure.median(cli)
        let floor = rawMedian + 2 * cliMedian
        print("pods: \(count) Pods of one /bin/true container with one claim (\(ProcessStats.loadAverage()))")
        print(String(format: "  pvd apply → Succeeded      median %8.1f ms  (min %.1f, max %.1f)", pvdMedian * 1000, (viaPVD.min() ?? 0) * 1000, (viaPVD.max() ?? 0) * 1000))
        print(String(format: "  raw runc run + delete      median %8.1f ms  (min %.1f, max %.1f)", rawMedian * 1000, (raw.min() ?? 0) * 1000, (raw.max() ?? 0) * 1000))
        print(String(format: "  CLI start-up (pvd version) median %8.1f ms, two of them in the pvd path", cliMedian * 1000))
        print(String(format: "  ratio pvd / (raw + 2 × CLI) %.2f   (target ≤ 1.3)", pvdMedian / floor))
        let out = json ?? "bench-results/pods-\(count).json"
        var results: [String: Any] = ["benchmark": "pods", "count": count]
        results["pvdMedianMs"] = pvdMedian * 1000
        results["rawMedianMs"] = rawMedian * 1000
        results["cliMedianMs"] = cliMedian * 1000
        results["ratio"] = pvdMedian / floor
        results["pvdMs"] = viaPVD.map { $0 * 1000 }
        results["rawMs"] = raw.map { $0 * 1000 }
        try ResultFile.write(results, to: out)
        print("  wrote \(out)")
        if concurrent > 0 { try await many(binary: binary, root: root, errors: errors) }
    }

    /// `concurrent` claims and Pods in one apply; every Pod Succeeded, then every Pod and claim
    /// deleted, then a check that no container, mount, cgroup or pod directory is left.
    func many(binary: String, root: String, errors: String) async throws {
        var yaml = ""
        for i in 0..<concurrent {
            yaml += """
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: c-\(i)}
                spec: {storageClassName: bench, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Mi}}}
                ---
                \(Self.pod("p-\(i)").replacingOccurrences(of: "claimName: data", with: "claimName: c-\(i)"))
                ---

                """
        }
        let file = root + "/many.yaml"
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: file))
        let (failed, up) = try await Measure.seconds { () async throws -> [String] in
            guard try ChildProcess.run([binary, "apply", "--root", root, "-f", file], stderrPath: errors) == 0 else { return ["apply"] }
            var failed: [String] = []
            for i in 0..<concurrent where try ChildProcess.run(
                [binary, "wait", "--root", root, "pod/p-\(i)", "--for=phase=Succeeded", "--timeout", "120s"], stderrPath: errors) != 0 {
                failed.append("p-\(i)")
            }
            return failed
        }
        guard failed.isEmpty else { throw BenchError("not Succeeded: \(failed.joined(separator: " ")): \(ChildProcess.tail(errors))") }
        let uids = try Self.podUIDs(binary: binary, root: root)
        let (_, down) = try await Measure.seconds { () async throws -> Int32 in
            _ = try ChildProcess.run([binary, "delete", "--root", root, "pod"] + (0..<concurrent).map { "p-\($0)" } + ["--wait", "--timeout", "120s"], stderrPath: errors)
            return try ChildProcess.run([binary, "delete", "--root", root, "pvc"] + (0..<concurrent).map { "c-\($0)" } + ["--wait", "--timeout", "120s"], stderrPath: errors)
        }
        // What must be gone: runc's containers, the mounts under the pod and runtime trees, the
        // containers' cgroups, the pods' directories.
        let list = root + "/runc-list.txt"
        _ = try ChildProcess.run(["/usr/sbin/runc", "--root", root + "/runc", "list", "-q"], stdoutPath: list)
        let containers = ((try? String(contentsOfFile: list, encoding: .utf8)) ?? "").split(separator: "\n").count
        let mounts = ((try? MountTable.entries()) ?? []).filter { $0.mountPoint.hasPrefix(root + "/pods/") || $0.mountPoint.hasPrefix(root + "/runtime/") }.count
        let cgroups = uids.filter { access("/sys/fs/cgroup/memory" + BundleBuilder.cgroupsPath(containerID: "\($0)-app"), F_OK) == 0 }.count
        let dirs = ((try? FileManager.default.contentsOfDirectory(atPath: root + "/runtime")) ?? []).count
            + ((try? FileManager.default.contentsOfDirectory(atPath: root + "/pods")) ?? []).count
        print(String(format: "  %d Pods at once, each with its own claim: all Succeeded %.2f s after the apply, all deleted in %.2f s", concurrent, up, down))
        print("  left behind: \(containers) containers, \(mounts) mounts, \(cgroups) cgroups, \(dirs) pod directories")
        guard containers + mounts + cgroups + dirs == 0 else { throw BenchError("the \(concurrent) Pods left things behind") }
    }

    static func podUIDs(binary: String, root: String) throws -> [String] {
        let out = root + "/pods.json"
        _ = try ChildProcess.run([binary, "get", "--root", root, "pods", "-o", "json"], stdoutPath: out)
        let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any]
        let items = obj?["items"] as? [[String: Any]] ?? []
        return items.compactMap { ($0["metadata"] as? [String: Any])?["uid"] as? String }
    }

    /// The same container as the Pods', run by runc directly: the bundle written once by pvd's
    /// launcher (a stand-in directory for the published claim), then `count` runs of it.
    func rawRuns(root: String) async throws -> [Double] {
        let raw = root + "/raw"
        let layout = RuntimeLayout(root: raw)
        let launcher = ContainerLauncher(layout: layout, runc: Runc(stateDirectory: layout.runcState))
        guard let image = try ImageStore(root: root).resolve("alpine") else { throw BenchError("the alpine image is not in \(root)") }
        let uid = UUID().uuidString.lowercased()
        try FileManager.default.createDirectory(atPath: layout.volume(uid, claim: "data"), withIntermediateDirectories: true)
        let pod = try JSONDecoder().decode(Pod.self, from: Data(Self.podJSON.utf8))
        guard let container = pod.spec.containers?.first else { throw BenchError("no container") }
        try launcher.writePodFiles(uid: uid, podName: "raw")
        var times: [Double] = []
        for _ in 0..<count {
            _ = try await launcher.prepare(pod: pod, uid: uid, container: container, image: image)
            let (exit, s) = try await Measure.seconds { () async throws -> Runc.Exit in
                let e = try await launcher.run(uid: uid, container: container.name, run: 0)
                try await launcher.runc.delete(RuntimeLayout.containerID(podUID: uid, container: container.name))
                return e
            }
            guard exit == .exited(0) else { throw BenchError("raw runc run ended \(exit)") }
            times.append(s)
        }
        try await launcher.removePod(uid: uid, containers: [container.name])
        return times
    }

    static func pod(_ name: String) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: \(name)}
        spec:
          restartPolicy: Never
          containers: [{name: app, image: alpine, command: ["/bin/true"], volumeMounts: [{mountPath: /data, name: v}]}]
          volumes: [{name: v, persistentVolumeClaim: {claimName: data}}]
        """
    }

    static let podJSON = """
        {"metadata":{"name":"raw"},"spec":{"restartPolicy":"Never","containers":[{"name":"app","image":"alpine","command":["/bin/true"],
        "volumeMounts":[{"mountPath":"/data","name":"v"}]}],"volumes":[{"name":"v","persistentVolumeClaim":{"claimName":"data"}}]}}
        """

    /// Stops the daemon by pid, deletes the containers under the root's own runc state
    /// directories, unmounts what is mounted under the root (deepest first) and removes it.
    static func cleanUp(root: String, daemon: pid_t?) {
        if let daemon {
            kill(daemon, SIGTERM)
            _ = ChildProcess.wait(daemon)
        }
        for state in [root + "/runc", root + "/raw/runc"] where FileManager.default.fileExists(atPath: state) {
            let list = root + "/runc-list.txt"
            _ = try? ChildProcess.run(["/usr/sbin/runc", "--root", state, "list", "-q"], stdoutPath: list)
            for id in ((try? String(contentsOfFile: list, encoding: .utf8)) ?? "").split(separator: "\n") {
                _ = try? ChildProcess.run(["/usr/sbin/runc", "--root", state, "delete", "--force", String(id)])
            }
            try? FileManager.default.removeItem(atPath: list)
        }
        let mounts = ((try? MountTable.entries()) ?? []).filter { $0.mountPoint.hasPrefix(root + "/") }.map(\.mountPoint)
        for m in mounts.sorted(by: { $0.count > $1.count }) { _ = try? RuntimeMounts.unmount(m) }
        try? FileManager.default.removeItem(atPath: root)
    }
}
