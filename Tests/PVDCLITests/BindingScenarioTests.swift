import Foundation
import Testing

/// Kubernetes' binding rules end to end: manifests in, `reconcile --once`, bindings read back
/// with `get pvc -A -o json`, exactly as a user (or a conformance script) would check them.
struct BindingScenarioTests {
    struct Scenario: CustomTestStringConvertible, Sendable {
        var name: String
        var manifests: String
        /// claim name → the volume it must be bound to ("" = stays Pending).
        var expect: [String: String]
        var testDescription: String { name }
    }

    static func pv(_ name: String, _ size: String, _ modes: String = "[ReadWriteOnce]", cls: String? = nil,
                   labels: String = "{}", extra: String = "") -> String {
        """
        apiVersion: v1
        kind: PersistentVolume
        metadata: {name: \(name), labels: \(labels)}
        spec:
          capacity: {storage: \(size)}
          accessModes: \(modes)
          hostPath: {path: /srv/\(name)}
        \(cls.map { "  storageClassName: \"\($0)\"" } ?? "")
        \(extra)
        ---

        """
    }

    static func pvc(_ name: String, _ size: String, _ modes: String = "[ReadWriteOnce]", cls: String? = "",
                    extra: String = "") -> String {
        """
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: \(name)}
        spec:
          accessModes: \(modes)
          resources: {requests: {storage: \(size)}}
        \(cls.map { "  storageClassName: \"\($0)\"" } ?? "")
        \(extra)
        ---

        """
    }

    static let scenarios: [Scenario] = [
        Scenario(name: "smallest volume that satisfies",
                 manifests: pv("big", "10Gi") + pv("small", "2Gi") + pv("tiny", "1Gi") + pvc("c", "1500Mi"),
                 expect: ["c": "small"]),
        Scenario(name: "exact size",
                 manifests: pv("a", "5Gi") + pv("b", "1Gi") + pvc("c", "1Gi"), expect: ["c": "b"]),
        Scenario(name: "too small stays pending",
                 manifests: pv("a", "1Gi") + pvc("c", "2Gi"), expect: ["c": ""]),
        Scenario(name: "access modes must be a superset",
                 manifests: pv("rwo", "1Gi") + pv("rwx", "5Gi", "[ReadWriteMany, ReadWriteOnce]") + pvc("c", "1Gi", "[ReadWriteMany]"),
                 expect: ["c": "rwx"]),
        Scenario(name: "fewest-modes set wins over a smaller volume with more modes",
                 manifests: pv("two-modes", "1Gi", "[ReadWriteOnce, ReadOnlyMany]") + pv("one-mode", "5Gi") + pvc("c", "1Gi"),
                 expect: ["c": "one-mode"]),
        Scenario(name: "class must match",
                 manifests: pv("gold", "1Gi", cls: "gold") + pv("none", "5Gi") + pvc("c", "1Gi", cls: "gold") + pvc("d", "1Gi"),
                 expect: ["c": "gold", "d": "none"]),
        Scenario(name: "selector matchLabels and matchExpressions",
                 manifests: pv("a", "1Gi", labels: "{tier: bronze}") + pv("b", "2Gi", labels: "{tier: gold, zone: z1}")
                    + pvc("c", "1Gi", extra: "  selector: {matchLabels: {tier: gold}, matchExpressions: [{key: zone, operator: In, values: [z1, z2]}]}"),
                 expect: ["c": "b"]),
        Scenario(name: "volumeMode must match",
                 manifests: pv("fs", "1Gi") + pv("blk", "1Gi", extra: "  volumeMode: Block") + pvc("c", "1Gi", extra: "  volumeMode: Block"),
                 expect: ["c": "blk"]),
        Scenario(name: "pre-bound volume goes to its claim only",
                 manifests: pv("reserved", "1Gi", extra: "  claimRef: {namespace: default, name: owner}") + pv("other", "2Gi")
                    + pvc("intruder", "1Gi") + pvc("owner", "1Gi"),
                 expect: ["owner": "reserved", "intruder": "other"]),
        Scenario(name: "claim naming a volume binds to it even if larger",
                 manifests: pv("small", "1Gi") + pv("named", "10Gi") + pvc("c", "1Gi", extra: "  volumeName: named"),
                 expect: ["c": "named"]),
        Scenario(name: "claim naming a volume that does not fit stays pending",
                 manifests: pv("named", "1Gi") + pvc("c", "5Gi", extra: "  volumeName: named"),
                 expect: ["c": ""]),
        Scenario(name: "no volume is given twice",
                 manifests: pv("only", "1Gi") + pvc("a", "1Gi") + pvc("b", "1Gi"),
                 expect: ["a": "only", "b": ""]),
    ]

    @Test(arguments: scenarios)
    func bindsAsKubernetes(_ s: Scenario) throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("s.yaml", s.manifests)])
        try pvd.ok(["reconcile", "--once"])
        let claims = try pvd.items("pvc")
        for (claim, volume) in s.expect {
            let c = claims.first { $0.path("metadata.name") as? String == claim }
            if volume.isEmpty {
                #expect(c?.path("status.phase") as? String == "Pending", "\(claim) should stay Pending")
                #expect((c?.path("metadata.annotations") as? [String: String])?["pv.kubernetes.io/bind-completed"] == nil)
            } else {
                #expect(c?.path("spec.volumeName") as? String == volume, "\(claim)")
                #expect(c?.path("status.phase") as? String == "Bound", "\(claim)")
            }
        }
    }

    @Test func deletedVolumeLeavesItsClaimLost() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("s.yaml", Self.pv("v", "1Gi") + Self.pvc("c", "1Gi"))])
        try pvd.ok(["reconcile", "--once"])
        // pv-protection keeps a Bound volume (Terminating); only forcing its finalizer away
        // removes it from under its claim, as in Kubernetes.
        try pvd.ok(["delete", "pv", "v"])
        try pvd.ok(["reconcile", "--once"])
        #expect(try pvd.items("pvc").first?.path("status.phase") as? String == "Bound")
        try pvd.ok(["patch", "pv", "v", "-p", #"{"metadata":{"finalizers":null}}"#])
        #expect(try pvd.items("pv").isEmpty)
        try pvd.ok(["reconcile", "--once"])
        let c = try pvd.items("pvc").first
        #expect(c?.path("status.phase") as? String == "Lost")
        let d = try pvd.ok(["describe", "pvc", "c"]).stdout
        #expect(d.contains("ClaimLost"))
    }

    @Test func concurrentAppliesFromSeveralProcessesAllLand() async throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("seed.yaml", Self.pv("seed", "1Gi"))])
        let files = try (0..<6).map { i in try pvd.write("p\(i).yaml", (0..<5).map { Self.pv("v\(i)-\($0)", "1Gi") }.joined()) }
        let results = try await withThrowingTaskGroup(of: PVDProcess.Output.self) { group in
            for f in files { group.addTask { try pvd.run(["apply", "-f", f]) } }
            var out: [PVDProcess.Output] = []
            for try await r in group { out.append(r) }
            return out
        }
        for r in results { #expect(r.status == 0, "\(r.stderr)") }
        #expect(try pvd.items("pv").count == 31)
    }

    /// `pvd get` only reads: another process's write transaction does not hold it up.
    @Test func getWorksWhileAnotherProcessHoldsTheWriteLock() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("seed.yaml", Self.pv("seed", "1Gi"))])
        try Self.holdingTheWriteLock(pvd) {
            // The lock is really held: a write in the meantime is refused.
            let write = try pvd.run(["apply", "-f", try pvd.write("more.yaml", Self.pv("more", "1Gi"))], env: ["PVD_BUSY_TIMEOUT": "0.2"])
            #expect(write.status != 0 && write.stderr.contains("locked"), "\(write.stderr)")
            for args in [["get", "pv"], ["get", "pv", "seed", "-o", "json"], ["describe", "pv", "seed"]] {
                let r = try pvd.run(args, env: ["PVD_BUSY_TIMEOUT": "0.2"])
                #expect(r.status == 0, "pvd \(args.joined(separator: " ")): \(r.stderr)")
                #expect(r.stdout.contains("seed"), "\(r.stdout)")
            }
        }
    }

    @Test func aLockedStoreIsAClearError() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("seed.yaml", Self.pv("seed", "1Gi"))])
        try Self.holdingTheWriteLock(pvd) {
            let r = try pvd.run(["apply", "-f", try pvd.write("more.yaml", Self.pv("more", "1Gi"))], env: ["PVD_BUSY_TIMEOUT": "1s"])
            #expect(r.status != 0)
            #expect(r.stderr.contains("locked"), "\(r.stderr)")
            #expect(r.stderr.contains(pvd.store))
        }
    }

    /// Runs `body` while another process holds the store's write lock (sqlite3 keeps an
    /// exclusive transaction open), and lets go after it.
    static func holdingTheWriteLock(_ pvd: PVDProcess, _ body: () throws -> Void) throws {
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        holder.arguments = [pvd.store]
        let input = Pipe()
        holder.standardInput = input
        holder.standardOutput = FileHandle.nullDevice
        try holder.run()
        defer {
            try? input.fileHandleForWriting.close()
            holder.waitUntilExit()
        }
        input.fileHandleForWriting.write(Data("BEGIN IMMEDIATE;\nINSERT INTO meta(id, revision, compacted) SELECT 2, 0, 0 WHERE 0;\n".utf8))
        Thread.sleep(forTimeInterval: 0.3)
        try body()
    }
}
