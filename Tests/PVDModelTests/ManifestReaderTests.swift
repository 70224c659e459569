import Testing
@testable import PVDModel

struct ManifestReaderTests {
    static let realPVC = """
        # A claim as kubectl would write it, status and all.
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: data
          namespace: apps
          labels: {app: web, "tier": "1"}
          annotations:
            volume.kubernetes.io/storage-provisioner: pvd.io/hostpath
            example.com/flag: "true"
          creationTimestamp: "2026-01-02T03:04:05Z"
        spec:
          accessModes: ["ReadWriteOnce"]
          resources:
            requests:
              storage: 1536Mi
          storageClassName: fast
          volumeMode: Filesystem
        status:
          phase: Bound
          capacity: {storage: 2Gi}
        """

    @Test func readsARealClaim() throws {
        let objs = try ManifestReader.read(Self.realPVC, source: "pvc.yaml")
        #expect(objs.count == 1)
        let pvc = try #require(objs[0].object.as(PersistentVolumeClaim.self))
        #expect(pvc.metadata.name == "data")
        #expect(pvc.metadata.namespace == "apps")
        #expect(pvc.metadata.labels == ["app": "web", "tier": "1"])
        #expect(pvc.metadata.annotation("example.com/flag") == "true")
        #expect(pvc.metadata.creationTimestamp == Time(rfc3339: "2026-01-02T03:04:05Z"))
        #expect(pvc.request == (try Quantity(parsing: "1.5Gi")))
        #expect(pvc.request?.description == "1536Mi")
        #expect(pvc.spec.accessModes == [.readWriteOnce])
        #expect(pvc.status?.capacity?["storage"]?.description == "2Gi")
        #expect(objs[0].warnings.isEmpty)
    }

    @Test func roundTripsThroughJSONAndYAML() throws {
        let pvc = try #require(try ManifestReader.read(Self.realPVC, source: "x").first?.object)
        let json = try JSONCoding.shared.encode(pvc.resource)
        let value = try JSONCoding.shared.decode(JSONValue.self, from: json)
        let yaml = try YAMLConversion.yaml(value)
        let again = try #require(try ManifestReader.read(yaml, source: "y").first?.object)
        #expect(again == pvc)
        // A string that looks like a boolean stays quoted.
        #expect(yaml.contains("\"true\""))
    }

    @Test func multiDocumentStreamsAndLists() throws {
        let text = """
            ---
            apiVersion: v1
            kind: PersistentVolume
            metadata: {name: a}
            spec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], hostPath: {path: /a}}
            ---
            # an empty document is skipped
            ---
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: PersistentVolume
              metadata: {name: b}
              spec: {capacity: {storage: 2Gi}, accessModes: [ReadWriteOnce], hostPath: {path: /b}}
            - {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "c"}, "provisioner": "x.io/y"}
            """
        let objs = try ManifestReader.read(text, source: "s")
        #expect(objs.map(\.object.metadata.name) == ["a", "b", "c"])
        #expect(objs.map(\.document) == [1, 3, 3])
    }

    @Test func jsonManifest() throws {
        let text = #"{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"j"},"spec":{"capacity":{"storage":"5Gi"},"accessModes":["ReadWriteMany"],"hostPath":{"path":"/j"}}}"#
        let pv = try #require(try ManifestReader.read(text, source: "j.json").first?.object.as(PersistentVolume.self))
        #expect(pv.capacity?.description == "5Gi")
        #expect(pv.spec.accessModes == [.readWriteMany])
    }

    @Test func numericQuantitiesAreAccepted() throws {
        let text = """
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: n}
            spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1073741824}}}
            """
        let pvc = try #require(try ManifestReader.read(text, source: "n").first?.object.as(PersistentVolumeClaim.self))
        #expect(pvc.request?.value == 1 << 30)
    }

    @Test func unknownFieldsAreReportedWithTheirPaths() throws {
        let text = """
            apiVersion: v1
            kind: PersistentVolume
            metadata: {name: u, ownerReferences: [{name: o}], managedFields: [{manager: kubectl}]}
            spec:
              capacity: {storage: 1Gi}
              accessModes: [ReadWriteOnce]
              hostPath: {path: /u}
              nfs: {server: x, path: /y}
              unknownEmpty: {}
            """
        let o = try #require(try ManifestReader.read(text, source: "u.yaml").first)
        #expect(o.warnings.count == 2)
        #expect(o.warnings.contains { $0.contains("\"metadata.ownerReferences\"") })
        // managedFields is known: kept, as the API keeps it.
        #expect(o.object.metadata.managedFields?.first?.manager == "kubectl")
        #expect(o.warnings.contains { $0.contains("\"spec.nfs\"") && $0.contains("pv u") && $0.contains("u.yaml document 1") })
    }

    @Test func unknownFieldsInsideListsAreNamedInKeyOrder() throws {
        let text = """
            apiVersion: v1
            kind: PersistentVolume
            metadata: {name: u}
            spec:
              capacity: {storage: 1Gi}
              accessModes: [ReadWriteOnce]
              hostPath: {path: /u}
              zeta: 1
              "[odd": 2
              nodeAffinity:
                required:
                  nodeSelectorTerms:
                  - matchExpressions: [{key: k, operator: In, values: [a], extra: x}]
                    alsoExtra: y
            """
        let o = try #require(try ManifestReader.read(text, source: "u.yaml").first)
        #expect(o.unknownFields == [
            "spec.[odd",
            "spec.nodeAffinity.required.nodeSelectorTerms[0].alsoExtra",
            "spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].extra",
            "spec.zeta",
        ])
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        var text: String
        var field: String?
        var contains: String
        var testDescription: String { contains }
    }

    @Test(arguments: [
        Bad(text: "a: [1, 2", field: nil, contains: "malformed YAML"),
        Bad(text: "- just\n- a list", field: nil, contains: "must be a mapping"),
        Bad(text: "apiVersion: v1\nkind: Secret\nmetadata: {name: s}", field: "kind", contains: "unsupported kind \"Secret\""),
        Bad(text: "kind: PersistentVolume\nmetadata: {name: p}", field: "apiVersion", contains: "Required"),
        Bad(text: "apiVersion: v2\nkind: PersistentVolume\nmetadata: {name: p}", field: "apiVersion", contains: "unsupported apiVersion \"v2\""),
        Bad(text: "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: p}\nspec: {capacity: {storage: 1Zi}}", field: "spec.capacity.storage", contains: "1Zi"),
        Bad(text: "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: p}\nspec: {accessModes: [[RWO]]}", field: "spec.accessModes[0]", contains: "wrong type"),
        Bad(text: "apiVersion: v1\nkind: List\nitems: {}", field: "items", contains: "items array"),
        Bad(text: "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: p, labels: {a: [x]}}", field: "metadata.labels.a", contains: "wrong type"),
    ])
    func badDocuments(_ bad: Bad) throws {
        #expect {
            _ = try ManifestReader.read(bad.text, source: "bad.yaml")
        } throws: { error in
            guard let e = error as? ManifestError else { return false }
            return e.field == bad.field && e.description.contains(bad.contains) && e.description.hasPrefix("bad.yaml")
        }
    }

    @Test func yamlScalarsResolveAsKubernetesReadsThem() throws {
        let docs = try YAMLConversion.documents("a: true\nb: \"true\"\nc: 5\nd: 1.5\ne: ~\nf: '007'\ng: 2026-01-01T00:00:00Z\n")
        #expect(docs.first?["a"] == .bool(true))
        #expect(docs.first?["b"] == .string("true"))
        #expect(docs.first?["c"] == .int(5))
        #expect(docs.first?["d"] == .double(1.5))
        #expect(docs.first?["e"] == .null)
        #expect(docs.first?["f"] == .string("007"))
        #expect(docs.first?["g"] == .string("2026-01-01T00:00:00Z"))
    }
}
