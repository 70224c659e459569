import Foundation
import Testing

/// Capacities past Int64 through the real binary: stored and printed exactly, bound by exact
/// comparison, and refused by a provisioner that must make that many bytes.
struct LargeQuantityCLITests {
    static func volume(_ name: String, _ size: String) -> String {
        "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: \(name)}\nspec:\n  capacity: {storage: \(size)}\n  accessModes: [ReadWriteOnce]\n  hostPath: {path: /srv/\(name)}\n---\n"
    }

    @Test func exabyteVolumesBindByExactSize() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let manifests = Self.volume("pv-200e", "200E") + Self.volume("pv-800e", "800E")
            + ProvisioningTests.claim("small", cls: "\"\"", size: "1E") + ProvisioningTests.claim("big", cls: "\"\"", size: "800E")
            + ProvisioningTests.claim("huge", cls: "\"\"", size: "950E")
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", manifests)])
        try pvd.ok(["reconcile", "--once"])
        let claims = Dictionary(uniqueKeysWithValues: try pvd.items("pvc").map {
            ($0.path("metadata.name") as? String ?? "", ($0.path("spec.volumeName") as? String ?? "-") + " " + ($0.path("status.phase") as? String ?? ""))
        })
        #expect(claims == ["small": "pv-200e Bound", "big": "pv-800e Bound", "huge": "- Pending"])
        let table = try pvd.ok(["get", "pv"]).stdout
        #expect(table.contains("800E") && table.contains("200E"), "\(table)")
    }

    @Test func aProvisionerRefusesARequestPastInt64() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", ProvisioningTests.hostPathClass() + ProvisioningTests.claim("data", size: "800E"))])
        try pvd.ok(["reconcile", "--once"])
        let described = try pvd.ok(["describe", "pvc", "data"]).stdout
        #expect(described.contains("ProvisioningFailed") && described.contains("800E is more bytes than a volume can have"), "\(described)")
        #expect(try pvd.items("pv").isEmpty)
    }
}
