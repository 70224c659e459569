import Foundation
import Testing

/// kill -9 of `pvd reconcile --once` at moments spread over a provisioning run, then runs to
/// completion: the end state must equal a run without crashes, nothing orphaned, nothing doubled.
struct CrashRecoveryTests {
    static let claims = 12

    static func manifests(provisioner: String, parameters: String) -> String {
        var text = """
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata: {name: crash}
            provisioner: \(provisioner)
            parameters: \(parameters)
            ---

            """
        for i in 0..<claims {
            text += """
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: c\(i)}
                spec:
                  storageClassName: crash
                  accessModes: [ReadWriteOnce]
                  resources: {requests: {storage: 64Mi}}
                ---

                """
        }
        return text
    }

    /// Starts reconcile, kills it (this process's own child, by pid) after `delay`, and waits.
    static func killedRun(_ pvd: PVDProcess, after delay: Duration) async throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: PVDProcess.binary)
        p.arguments = ["reconcile", "--root", pvd.root.path, "--once"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        try await Task.sleep(for: delay)
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
    }

    func check(_ pvd: PVDProcess, backingDir: String) throws {
        let claims = try pvd.items("pvc")
        #expect(claims.count == Self.claims)
        #expect(claims.allSatisfy { $0.path("status.phase") as? String == "Bound" })
        let pvs = try pvd.items("pv")
        #expect(pvs.count == Self.claims, "one PV per claim, no twins")
        let expected = Set(claims.compactMap { ($0.path("metadata.uid") as? String).map { "pvc-\($0)" } })
        #expect(Set(pvs.compactMap { $0.path("metadata.name") as? String }) == expected)
        let backing = try FileManager.default.contentsOfDirectory(atPath: pvd.root.appendingPathComponent(backingDir).path)
        #expect(Set(backing.map { $0.replacingOccurrences(of: ".img", with: "") }) == expected, "backing: \(backing.sorted())")
    }

    func run(provisioner: String, parameters: String, backingDir: String, mounts: Bool) async throws {
        let pvd = try PVDProcess()
        defer { OwnDevices.release(under: pvd.root.path); pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.manifests(provisioner: provisioner, parameters: parameters))])
        // Kill points spread from the start of a run to well into it.
        for ms in [5, 40, 90, 150, 220, 300] {
            try await Self.killedRun(pvd, after: .milliseconds(ms))
        }
        let final = try pvd.ok(["reconcile", "--once"])
        #expect(final.status == 0)
        try check(pvd, backingDir: backingDir)
        if mounts {
            #expect(OwnDevices.mounts(under: pvd.root.path).count == Self.claims)
            #expect(OwnDevices.loops(under: pvd.root.path).count == Self.claims)
        }
        // And everything goes away again under Delete.
        try pvd.ok(["delete", "pvc"] + (0..<Self.claims).map { "c\($0)" })
        try pvd.ok(["reconcile", "--once"])
        #expect(try pvd.items("pv").isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: pvd.root.appendingPathComponent(backingDir).path).isEmpty)
        #expect(OwnDevices.mounts(under: pvd.root.path).isEmpty)
        #expect(OwnDevices.loops(under: pvd.root.path).isEmpty)
    }

    @Test func hostPathSurvivesKills() async throws {
        try await run(provisioner: "pvd.io/hostpath", parameters: "{}", backingDir: "hostpath", mounts: false)
    }

    @Test(.enabled(if: geteuid() == 0, "needs root: attaches loop devices and mounts filesystems"))
    func loopSurvivesKills() async throws {
        try await run(provisioner: "pvd.io/loop", parameters: "{fsType: ext4}", backingDir: "images", mounts: true)
    }
}
