import Foundation
import Testing

/// CSIStorageCapacity (storage.k8s.io/v1) through the real binary: apply, get with kubectl's
/// columns, describe, validation that names the field and writes nothing.
struct StorageCapacityCLITests {
    static let manifest = """
        apiVersion: storage.k8s.io/v1
        kind: CSIStorageCapacity
        metadata: {name: csisc-a, namespace: kube-system}
        storageClassName: local
        nodeTopology:
          matchLabels: {kubernetes.io/hostname: node-a}
        capacity: 1536Mi
        ---
        apiVersion: storage.k8s.io/v1
        kind: CSIStorageCapacity
        metadata: {name: csisc-b, namespace: kube-system}
        storageClassName: fast
        maximumVolumeSize: 10Gi

        """

    @Test func applyGetAndDescribeCapacities() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let applied = try pvd.ok(["apply", "-f", "-"], stdin: Self.manifest)
        #expect(applied.stdout == """
            csistoragecapacity.storage.k8s.io/csisc-a created
            csistoragecapacity.storage.k8s.io/csisc-b created

            """)
        // kubectl's columns: NAME, STORAGECLASSNAME, CAPACITY (no AGE); <unset> when unset.
        let table = try pvd.ok(["get", "csistoragecapacities", "-n", "kube-system"]).stdout.split(separator: "\n").map {
            $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        }
        #expect(table == [["NAME", "STORAGECLASSNAME", "CAPACITY"], ["csisc-a", "local", "1536Mi"], ["csisc-b", "fast", "<unset>"]])
        let described = try pvd.ok(["describe", "csistoragecapacity", "csisc-a", "-n", "kube-system"]).stdout
        #expect(described.contains("kubernetes.io/hostname=node-a"), "\(described)")
        #expect(described.contains("1536Mi"), "\(described)")
        let items = try pvd.items("csistoragecapacities")
        #expect(items.compactMap { $0.path("maximumVolumeSize") as? String } == ["10Gi"])
    }

    @Test func capacitiesAreValidatedAsKubernetesDoes() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let bad = """
            apiVersion: storage.k8s.io/v1
            kind: CSIStorageCapacity
            metadata: {name: csisc-bad, namespace: kube-system}
            capacity: -1Gi
            nodeTopology:
              matchExpressions: [{key: zone, operator: In}]

            """
        let r = try pvd.run(["apply", "-f", "-"], stdin: bad)
        #expect(r.status != 0)
        for m in ["csistoragecapacity kube-system/csisc-bad", "storageClassName: Required value",
                  "capacity: Invalid value: \"-1Gi\": must be greater than or equal to 0", "nodeTopology.matchExpressions[0].values"] {
            #expect(r.stderr.contains(m), "stderr lacks \"\(m)\": \(r.stderr)")
        }
        #expect(try pvd.run(["get", "csistoragecapacities", "-A", "-o", "name"]).stdout.isEmpty)
    }
}
