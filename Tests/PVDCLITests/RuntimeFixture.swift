import Foundation
import PVDServer
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The suites that run containers through a real `pvd serve --runtime runc`, one test at a time
/// across all of them: each starts a daemon and containers on a two-core machine, and the
/// timing-sensitive suites (elections, heartbeats) running beside them must not starve.
@Suite(.serialized, .enabled(if: RuntimeFixture.unavailable == nil, "\(RuntimeFixture.unavailable ?? "")"))
struct RuntimeSuites {}

/// A `pvd serve --runtime runc` on its own temporary root with its own runc state directory
/// (`<root>/runc`) and the busybox image imported as `alpine`. `cleanup` stops the daemon by
/// pid, deletes exactly the containers under its runc root, unmounts exactly the mounts under
/// its root and removes the root, whatever state the test left.
final class RuntimeFixture {
    static let node = "n1"
    let pvd: PVDProcess
    var serve: ServeProcess?

    /// Why runc cannot run here, or nil.
    static var unavailable: String? {
        guard geteuid() == 0 else { return "needs root: runc, overlay and bind mounts" }
        for tool in ["/usr/sbin/runc", "/usr/bin/umoci", "/usr/bin/skopeo", "/bin/busybox"] where access(tool, X_OK) != 0 {
            return "\(tool) missing: apt-get install runc umoci skopeo busybox-static"
        }
        return nil
    }

    init() throws {
        pvd = try PVDProcess()
        // `image busybox`: the root goes after the subcommand's own name.
        let built = Self.capture(PVDProcess.binary, ["image", "busybox", "--root", pvd.root.path, "--name", "alpine"])
        #expect(built.contains("imported"), "busybox image not built: \(built)")
    }

    /// Starts the daemon and waits, without holding a thread, until it is ready.
    func start() async throws -> ServeProcess {
        let s = try ServeProcess(pvd, args: ["--node", Self.node, "--runtime", "runc"])
        serve = s
        let ready = await wait("-", seconds: 120) { _ in !s.process.isRunning || s.get("/readyz")?.status == 200 }
        #expect(ready && s.process.isRunning, "serve did not become ready: \(s.log)")
        return s
    }

    var runcRoot: String { pvd.root.appendingPathComponent("runc").path }

    /// The ids runc lists under this fixture's own state directory.
    func containers() -> [String] {
        let out = Self.capture("/usr/sbin/runc", ["--root", runcRoot, "list", "-q"])
        return out.split(separator: "\n").map(String.init)
    }

    func cleanup() {
        if let serve, serve.process.isRunning { _ = serve.stop() }
        for id in containers() { _ = Self.capture("/usr/sbin/runc", ["--root", runcRoot, "delete", "--force", id]) }
        pvd.cleanup()
    }

    static let classAndClaim = """
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: hostpath}
        provisioner: pvd.io/hostpath
        ---
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: data}
        spec:
          storageClassName: hostpath
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: 64Mi}}

        """

    /// A Pod of one container running `script` under /bin/sh with the claim `data` at /opt.
    static func pod(_ name: String, script: String, policy: String = "Never", readOnly: Bool = false, extra: String = "", mount: String = "") -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: \(name)}
        spec:
          restartPolicy: \(policy)
        \(extra)
          containers:
          - image: alpine
            name: app
            command: ["/bin/sh", "-c"]
            args: [\(json(script))]
            volumeMounts: [{mountPath: /opt, name: data-volume\(readOnly ? ", readOnly: true" : "")\(mount)}]
          volumes:
          - name: data-volume
            persistentVolumeClaim: {claimName: data}

        """
    }

    static func json(_ s: String) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])) ?? Data(), as: UTF8.self)
            .dropFirst().dropLast().description
    }

    /// The Pod as JSON, or nil when it is not there.
    func pod(_ name: String) -> [String: Any]? {
        try? pvd.items("pods").first { $0.path("metadata.name") as? String == name }
    }

    /// Polls until `check` holds for the Pod (nil: gone); false after `seconds`. It sleeps with
    /// `Task.sleep`, not `usleep`: a test that waits holds none of the two cores' threads the
    /// timing-sensitive suites beside it need.
    func wait(_ name: String, seconds: Double = 90, _ check: ([String: Any]?) -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if check(name == "-" ? nil : pod(name)) { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    func waitPhase(_ name: String, _ phase: String, seconds: Double = 90) async -> Bool {
        await wait(name, seconds: seconds) { $0?.path("status.phase") as? String == phase }
    }

    /// The first container's status of a Pod.
    func containerStatus(_ name: String) -> [String: Any]? {
        (pod(name)?.path("status.containerStatuses") as? [[String: Any]])?.first
    }

    /// The claim `data`'s volume directory on the host.
    func volumeDirectory() throws -> String {
        let pv = try #require(try pvd.items("pv").first)
        return try #require(pv.path("spec.hostPath.path") as? String)
    }

    static func capture(_ path: String, _ args: [String]) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return "" }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
