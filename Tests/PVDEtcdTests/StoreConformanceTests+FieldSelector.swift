import PVDModel
import PVDStore
import Testing

extension StoreConformanceTests {
    /// `list(_:namespace:selector:fields:)`, one implementation over both backends' lists.
    @Test(arguments: Backend.allCases)
    func listWithAFieldSelectorKeepsWhatMatchesAndRefusesAFieldTheKindLacks(_ backend: Backend) async throws {
        try await withBackend(backend) { t in
            for (name, ns, node, app) in [("a", "default", "node-a", "web"), ("b", "default", "node-b", "web"), ("c", "other", "node-a", "db")] {
                var p = Pod(name: name, namespace: ns, spec: PodSpec(nodeName: node))
                p.metadata.labels = ["app": app]
                _ = try await t.store.create(p)
            }
            func keys(_ namespace: String?, _ labels: String?, _ fields: String) async throws -> [String] {
                let l = try await t.store.list(
                    Pod.self, namespace: namespace, selector: try labels.map { try LabelSelector(parsing: $0) },
                    fields: try FieldSelector(parsing: fields))
                #expect(l.revision == t.base + 3)
                return l.items.map(\.key)
            }
            #expect(try await keys(nil, nil, "spec.nodeName=node-a") == ["default/a", "other/c"])
            #expect(try await keys(nil, "app=web", "spec.nodeName=node-a") == ["default/a"])
            // The selector's namespace narrows an all-namespaces list; a namespace given wins.
            #expect(try await keys(nil, nil, "metadata.namespace=other") == ["other/c"])
            #expect(try await keys("default", nil, "metadata.namespace=other") == [])
            #expect(try await keys("default", nil, "metadata.name!=a") == ["default/b"])
            #expect(try await keys(nil, nil, "") == ["default/a", "default/b", "other/c"])

            let (any, _) = try await t.store.list(
                kind: .pod, namespace: nil, selector: nil, fields: try FieldSelector(parsing: "spec.nodeName!=node-a"))
            #expect(any.map(\.key) == ["default/b"])

            let phase = try FieldSelector(parsing: "status.phase=Bound")
            let refused = await storeError { () async throws(StoreError) in
                try await t.store.list(PersistentVolumeClaim.self, namespace: nil, selector: nil, fields: phase)
            }
            #expect(refused == StoreError(
                .invalid,
                #"persistentvolumeclaims: field selector "status.phase": not a field of PersistentVolumeClaim; supported: metadata.name, metadata.namespace"#))
        }
    }
}
