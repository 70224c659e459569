import Foundation
import Testing

/// Leases (coordination.k8s.io/v1) through the real binary on the SQLite store: apply, get in
/// every format, field selectors, validation, delete.
struct LeaseCLITests {
    static func lease(_ name: String, namespace: String = "kube-node-lease", holder: String, renew: String) -> String {
        """
        apiVersion: coordination.k8s.io/v1
        kind: Lease
        metadata: {name: \(name), namespace: \(namespace)}
        spec:
          holderIdentity: \(holder)
          leaseDurationSeconds: 40
          renewTime: "\(renew)"
        ---

        """
    }

    static let manifests = lease("node-a", holder: "node-a", renew: "2024-01-02T03:04:05.123456Z")
        + lease("node-b", holder: "node-b", renew: "2024-01-02T03:04:06.000001Z")
        + lease("pvd-leader", namespace: "default", holder: "pvd-1", renew: "2024-01-02T03:04:07.5Z")

    @Test func applyGetAndDeleteLeases() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let file = try pvd.write("lease.yaml", Self.manifests)
        let applied = try pvd.ok(["apply", "-f", file])
        #expect(applied.stdout == """
            lease.coordination.k8s.io/node-a created
            lease.coordination.k8s.io/node-b created
            lease.coordination.k8s.io/pvd-leader created

            """)

        // kubectl's columns: NAME, HOLDER, AGE, with NAMESPACE first for -A.
        let table = try pvd.ok(["get", "leases", "-A"]).stdout.split(separator: "\n").map {
            $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        }
        #expect(table.first == ["NAMESPACE", "NAME", "HOLDER", "AGE"])
        #expect(table.dropFirst().map { Array($0.prefix(3)) } == [
            ["default", "pvd-leader", "pvd-1"], ["kube-node-lease", "node-a", "node-a"], ["kube-node-lease", "node-b", "node-b"],
        ])

        // One lease as YAML and JSON: microsecond times as Kubernetes writes them.
        let yaml = try pvd.ok(["get", "lease", "node-a", "-n", "kube-node-lease", "-o", "yaml"]).stdout
        #expect(yaml.contains("apiVersion: coordination.k8s.io/v1"), "\(yaml)")
        #expect(yaml.contains("kind: Lease"), "\(yaml)")
        #expect(yaml.contains("holderIdentity: node-a"), "\(yaml)")
        #expect(yaml.contains("2024-01-02T03:04:05.123456Z"), "\(yaml)")
        let items = try pvd.items("leases")
        let leader = try #require(items.first { $0.path("metadata.name") as? String == "pvd-leader" })
        #expect(leader.path("spec.renewTime") as? String == "2024-01-02T03:04:07.500000Z")
        #expect(leader.path("spec.leaseDurationSeconds") as? Int == 40)

        // Field selectors: name and namespace, as Kubernetes offers for Leases.
        let names = try pvd.ok(["get", "leases", "-A", "--field-selector", "metadata.namespace=kube-node-lease,metadata.name!=node-b", "-o", "name"])
        #expect(names.stdout == "lease.coordination.k8s.io/node-a\n")
        let bad = try pvd.run(["get", "leases", "--field-selector", "spec.holderIdentity=x"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains(#"not a field of Lease; supported: metadata.name, metadata.namespace"#), "\(bad.stderr)")

        // A renewal re-applied is an update.
        let renewed = try pvd.ok(["apply", "-f", "-"], stdin: Self.lease("node-a", holder: "node-a", renew: "2024-01-02T03:04:45.000000Z"))
        #expect(renewed.stdout == "lease.coordination.k8s.io/node-a configured\n")

        let deleted = try pvd.ok(["delete", "lease", "node-a", "-n", "kube-node-lease"])
        #expect(deleted.stdout == "lease.coordination.k8s.io \"node-a\" deleted\n")
        let gone = try pvd.run(["get", "lease", "node-a", "-n", "kube-node-lease"])
        #expect(gone.status != 0)
        #expect(gone.stderr.contains(#"leases "node-a" not found"#), "\(gone.stderr)")
        #expect(try pvd.items("leases").count == 2)
    }

    @Test func leasesAreValidatedAsKubernetesDoes() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let manifest = """
            apiVersion: coordination.k8s.io/v1
            kind: Lease
            metadata: {name: Bad_Name, namespace: kube-node-lease}
            spec: {leaseDurationSeconds: 0, leaseTransitions: -1}

            """
        let r = try pvd.run(["apply", "-f", "-"], stdin: manifest)
        #expect(r.status != 0)
        for m in ["metadata.name", "spec.leaseDurationSeconds: Invalid value: \"0\": must be greater than 0",
                  "spec.leaseTransitions: Invalid value: \"-1\": must be greater than or equal to 0"] {
            #expect(r.stderr.contains(m), "stderr lacks \"\(m)\": \(r.stderr)")
        }
        // Nothing was written (a refused apply does not even make the store).
        #expect(try pvd.run(["get", "leases", "-A", "-o", "name"]).stdout.isEmpty)
    }
}
