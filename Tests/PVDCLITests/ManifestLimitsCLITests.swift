import Foundation
import Testing

/// Manifests that would make `pvd apply` build without bound, through the real binary held to
/// 512 MiB of address space: refused quickly, naming the document, with the store untouched.
/// And the other half of issue 13's list: applying to a Terminating object says so.
struct ManifestLimitsCLITests {
    static let good = """
        apiVersion: v1
        kind: PersistentVolume
        metadata: {name: good}
        spec:
          capacity: {storage: 1Gi}
          accessModes: [ReadWriteOnce]
          hostPath: {path: /srv/good}
        ---

        """

    static func claimBomb(levels: Int, fanOut: Int) -> String {
        var lines = ["apiVersion: v1", "kind: PersistentVolumeClaim", "metadata:", "  name: bomb", "  annotations:"]
        lines.append("    l0: &l0 [" + Array(repeating: "lol", count: fanOut).joined(separator: ", ") + "]")
        for i in 1..<levels {
            lines.append("    l\(i): &l\(i) [" + Array(repeating: "*l\(i - 1)", count: fanOut).joined(separator: ", ") + "]")
        }
        lines += ["spec:", "  accessModes: [ReadWriteOnce]", "  resources: {requests: {storage: 1Gi}}", ""]
        return lines.joined(separator: "\n")
    }

    static func bigVolume(bytes: Int) -> String {
        """
        apiVersion: v1
        kind: PersistentVolume
        metadata: {name: big, annotations: {blob: \(String(repeating: "x", count: bytes))}}
        spec:
          capacity: {storage: 1Gi}
          accessModes: [ReadWriteOnce]
          hostPath: {path: /srv/big}

        """
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var manifest: String
        var mentions: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "nine-level alias bomb", manifest: good + claimBomb(levels: 9, fanOut: 9),
             mentions: ["bomb.yaml document 2", "excessive aliasing"]),
        Case(name: "ten-level alias bomb", manifest: good + claimBomb(levels: 10, fanOut: 10),
             mentions: ["bomb.yaml document 2", "excessive aliasing"]),
        Case(name: "4 MiB object", manifest: good + bigVolume(bytes: 4 * 1024 * 1024),
             mentions: ["bomb.yaml document 2", "pv big", "3145728"]),
        Case(name: "too deep", manifest: good + "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: deep}\nspec: {x: "
             + String(repeating: "[", count: 300) + String(repeating: "]", count: 300) + "}\n",
             mentions: ["bomb.yaml document 2", "nested 302 levels deep", "255"]),
    ]

    /// `pvd apply -f PATH` under `ulimit -v` (KiB of address space), and how long it took.
    static func applyLimited(_ pvd: PVDProcess, _ path: String, kib: Int) throws -> (PVDProcess.Output, Duration) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "ulimit -v \(kib) && exec \"$0\" \"$@\"", PVDProcess.binary, "apply", "--root", pvd.root.path, "-f", path]
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "PVD_STORE")
        environment.removeValue(forKey: "PVD_ROOT")
        p.environment = environment
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let start = ContinuousClock.now
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let output = PVDProcess.Output(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
        return (output, ContinuousClock.now - start)
    }

    @Test(arguments: cases)
    func refusedQuicklyInBoundedMemory(_ c: Case) throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("base.yaml", BadInputTests.baseline)])
        let before = try #require(pvd.storeBytes())
        let (r, took) = try Self.applyLimited(pvd, try pvd.write("bomb.yaml", c.manifest), kib: 512 * 1024)
        // Status 1 is pvd's own refusal; running out of memory would abort instead.
        #expect(r.status == 1, "stderr: \(r.stderr.prefix(500))")
        #expect(took < .seconds(10))
        for m in c.mentions { #expect(r.stderr.contains(m), "stderr lacks \"\(m)\": \(r.stderr.prefix(500))") }
        #expect(r.stdout.isEmpty)
        #expect(pvd.storeBytes() == before, "the store changed")
        #expect(try pvd.items("pv").compactMap { $0.path("metadata.name") as? String } == ["base"])
        #expect(try pvd.items("pvc").isEmpty)
    }

    @Test func legitimateAliasesApply() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let manifest = """
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: data
              labels: &labels {app: web}
            spec:
              storageClassName: ""
              accessModes: [ReadWriteOnce]
              selector: {matchLabels: *labels}
              resources: {requests: {storage: 1Gi}}
            """
        let (r, _) = try Self.applyLimited(pvd, try pvd.write("m.yaml", manifest), kib: 512 * 1024)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "persistentvolumeclaim/data created\n")
        let claim = try #require(try pvd.items("pvc").first)
        #expect(claim.path("metadata.labels") as? [String: String] == ["app": "web"])
        #expect(claim.path("spec.selector.matchLabels") as? [String: String] == ["app": "web"])
    }

    @Test func applyingToATerminatingClaimWarns() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let claim = ProvisioningTests.claim("data", cls: "")
        try pvd.ok(["apply", "-f", try pvd.write("claim.yaml", claim)])
        // Its pvc-protection finalizer keeps it, Terminating, until a reconcile removes it.
        try pvd.ok(["delete", "pvc", "data"])
        let deletedAt = try #require(try pvd.items("pvc").first?.path("metadata.deletionTimestamp") as? String)

        let labelled = claim.replacingOccurrences(of: "metadata: {name: data", with: "metadata: {labels: {tier: db}, name: data")
        try #require(labelled != claim)
        let changed = try pvd.ok(["apply", "-f", try pvd.write("labelled.yaml", labelled)])
        #expect(changed.stdout == "persistentvolumeclaim/data configured\n")
        #expect(changed.stderr.hasPrefix("Warning: "), "\(changed.stderr)")
        #expect(changed.stderr.contains("labelled.yaml document 1: pvc default/data is being deleted (Terminating)"), "\(changed.stderr)")
        #expect(changed.stderr.contains("kubernetes.io/pvc-protection"))
        let stored = try #require(try pvd.items("pvc").first)
        #expect(stored.path("metadata.labels") as? [String: String] == ["tier": "db"])
        #expect(stored.path("metadata.deletionTimestamp") as? String == deletedAt)

        let again = try pvd.ok(["apply", "-f", try pvd.write("labelled.yaml", labelled)])
        #expect(again.stdout == "persistentvolumeclaim/data unchanged\n")
        #expect(again.stderr.contains("is being deleted (Terminating)"))

        // A live object gets no such warning.
        let other = try pvd.ok(["apply", "-f", try pvd.write("other.yaml", ProvisioningTests.claim("other", cls: ""))])
        #expect(!other.stderr.contains("Terminating"))
    }
}
