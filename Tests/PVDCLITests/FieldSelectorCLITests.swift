import Foundation
import Testing

/// `pvd get --field-selector` through the real binary, as kubectl's flag.
struct FieldSelectorCLITests {
    static func pod(_ name: String, namespace: String = "default", node: String, app: String) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: \(name), namespace: \(namespace), labels: {app: \(app)}}
        spec:
          nodeName: \(node)
          containers: [{name: app, image: busybox}]
        ---

        """
    }

    static let manifests = pod("web-a", node: "node-a", app: "web") + pod("db-a", node: "node-a", app: "db")
        + pod("web-b", node: "node-b", app: "web") + pod("web-c", namespace: "other", node: "node-a", app: "web")
        + """
        apiVersion: v1
        kind: PersistentVolume
        metadata: {name: pv-1}
        spec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], hostPath: {path: /tmp/pv-1}}
        ---
        apiVersion: v1
        kind: PersistentVolume
        metadata: {name: pv-2}
        spec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], hostPath: {path: /tmp/pv-2}}

        """

    @Test func getKeepsTheObjectsWhoseFieldsMatch() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", "-"], stdin: Self.manifests)
        func names(_ args: [String]) throws -> [String] {
            try pvd.ok(["get"] + args + ["-o", "name"]).stdout.split(separator: "\n").map(String.init)
        }
        #expect(try names(["po", "--field-selector", "spec.nodeName=node-a"]) == ["pod/db-a", "pod/web-a"])
        #expect(try names(["po", "-A", "--field-selector", "spec.nodeName==node-a"]) == ["pod/db-a", "pod/web-a", "pod/web-c"])
        #expect(try names(["po", "-A", "--field-selector", "spec.nodeName=node-a,metadata.namespace!=default"]) == ["pod/web-c"])
        #expect(try names(["po", "--field-selector", "spec.nodeName!=node-a"]) == ["pod/web-b"])
        #expect(try names(["po", "-l", "app=web", "--field-selector", "spec.nodeName=node-a"]) == ["pod/web-a"])
        #expect(try names(["pv", "--field-selector", "metadata.name!=pv-1"]) == ["persistentvolume/pv-2"])

        // Nothing matches: kubectl's words, exit 0.
        let none = try pvd.ok(["get", "po", "--field-selector", "spec.nodeName=node-z"])
        #expect(none.stdout.isEmpty)
        #expect(none.stderr.contains("No resources found in default namespace."))

        // The table is the same as without a selector, fewer rows.
        let table = try pvd.ok(["get", "po", "-o", "wide", "--field-selector", "metadata.name=web-b"]).stdout
        #expect(table.hasPrefix("NAME"))
        #expect(table.split(separator: "\n").count == 2)
        #expect(table.contains("node-b"))
    }

    @Test func aBadSelectorIsRefusedNamingKindAndFieldBeforeTheStoreIsRead() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", "-"], stdin: Self.manifests)
        let cases: [([String], String)] = [
            (["po", "--field-selector", "spec.foo=x"],
             #"error: pods: field selector "spec.foo": not a field of Pod; supported: metadata.name, metadata.namespace, spec.nodeName, spec.restartPolicy, status.phase"#),
            (["pvc", "--field-selector", "status.phase=Bound"],
             #"error: persistentvolumeclaims: field selector "status.phase": not a field of PersistentVolumeClaim; supported: metadata.name, metadata.namespace"#),
            (["po", "--field-selector", "spec.nodeName"],
             #"error: field selector "spec.nodeName": term "spec.nodeName" has no operator; write field=value, field==value or field!=value"#),
            (["po", "web-a", "--field-selector", "spec.nodeName=node-a"],
             "error: name cannot be provided when a field selector is specified"),
        ]
        for (args, message) in cases {
            let r = try pvd.run(["get"] + args)
            #expect(r.status == 1, "\(args)")
            #expect(r.stdout.isEmpty, "\(args)")
            #expect(r.stderr == message + "\n", "\(args)")
        }
        // Refused without a store to read.
        let empty = try PVDProcess()
        defer { empty.cleanup() }
        let r = try empty.run(["get", "no", "--field-selector", "spec.taints=x"])
        #expect(r.stderr == #"error: nodes: field selector "spec.taints": not a field of Node; supported: metadata.name, spec.unschedulable"# + "\n")
    }
}
