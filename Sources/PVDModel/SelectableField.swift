/// One field a field selector may name for objects of a kind, and how to read its value: a row
/// of Kubernetes' `<Kind>ToSelectableFields` (pkg/registry/core/<kind>/strategy.go), limited to
/// the fields its API accepts in a selector (the v1 field label conversions).
public struct SelectableField<Object>: Sendable {
    public let name: String
    /// The field's value, as Kubernetes prints it ("" for one not set).
    public let value: @Sendable (Object) -> String

    public init(_ name: String, _ value: @escaping @Sendable (Object) -> String) {
        self.name = name
        self.value = value
    }
}

extension SelectableField where Object: Resource {
    static var metadataName: Self { Self("metadata.name") { $0.metadata.name } }
    /// Only namespaced kinds have it, as in Kubernetes.
    static var metadataNamespace: Self { Self("metadata.namespace") { $0.metadata.namespace ?? "default" } }
}

extension StorageClass {
    public static let selectableFields: [SelectableField<StorageClass>] = [.metadataName]
}

extension PersistentVolume {
    public static let selectableFields: [SelectableField<PersistentVolume>] = [.metadataName]
}

extension PersistentVolumeClaim {
    // Kubernetes offers no spec or status field of a claim (not status.phase, not spec.volumeName).
    public static let selectableFields: [SelectableField<PersistentVolumeClaim>] = [.metadataName, .metadataNamespace]
}

extension Pod {
    public static let selectableFieldsNotKept = [
        "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
        "status.podIP", "status.nominatedNodeName",
    ]

    public static let selectableFields: [SelectableField<Pod>] = [
        .metadataName, .metadataNamespace,
        SelectableField("spec.nodeName") { $0.spec.nodeName ?? "" },
        // Kubernetes defaults an unset policy to Always before anything selects on it.
        SelectableField("spec.restartPolicy") { $0.spec.restartPolicy ?? "Always" },
        SelectableField("status.phase") { $0.status?.phase ?? "" },
    ]
}

extension Node {
    public static let selectableFields: [SelectableField<Node>] = [
        .metadataName,
        // Go's fmt.Sprint of a bool: unset is false.
        SelectableField("spec.unschedulable") { String($0.spec?.unschedulable ?? false) },
    ]
}

extension Event {
    public static let selectableFieldsNotKept = ["reportingComponent"]

    public static let selectableFields: [SelectableField<Event>] = [
        .metadataName, .metadataNamespace,
        SelectableField("involvedObject.kind") { $0.involvedObject.kind ?? "" },
        SelectableField("involvedObject.namespace") { $0.involvedObject.namespace ?? "" },
        SelectableField("involvedObject.name") { $0.involvedObject.name ?? "" },
        SelectableField("involvedObject.uid") { $0.involvedObject.uid ?? "" },
        SelectableField("involvedObject.apiVersion") { $0.involvedObject.apiVersion ?? "" },
        SelectableField("involvedObject.resourceVersion") { $0.involvedObject.resourceVersion ?? "" },
        SelectableField("involvedObject.fieldPath") { $0.involvedObject.fieldPath ?? "" },
        SelectableField("reason") { $0.reason ?? "" },
        SelectableField("source") { $0.source?.component ?? "" },
        SelectableField("type") { $0.type ?? "" },
    ]
}

extension Lease {
    public static let selectableFields: [SelectableField<Lease>] = [.metadataName, .metadataNamespace]
}

extension CSIStorageCapacity {
    public static let selectableFields: [SelectableField<CSIStorageCapacity>] = [.metadataName, .metadataNamespace]
}

extension ResourceKind {
    /// The fields a field selector may name for objects of this kind.
    public var selectableFields: [String] {
        func names<R: Resource>(_: R.Type) -> [String] { R.selectableFields.map(\.name) }
        return names(resourceType)
    }

    /// Fields Kubernetes selects this kind by that pvd does not keep; see `Resource`.
    public var selectableFieldsNotKept: [String] { resourceType.selectableFieldsNotKept }
}

extension FieldSelector {
    /// Checks that every field named is one objects of `kind` can be selected by; throws for
    /// the first that is not, naming the kind and the fields it has.
    public func check(for kind: ResourceKind) throws(FieldSelectorError) {
        let supported = kind.selectableFields
        for r in requirements where !supported.contains(r.field) {
            let problem: FieldSelectorError.Problem =
                kind.selectableFieldsNotKept.contains(r.field) ? .notKept(kind) : .notAField(kind)
            throw FieldSelectorError(selector: description, term: r.field, problem: problem)
        }
    }

    /// Whether `object` matches. Run `check(for:)` first: a field its kind lacks reads as "".
    public func matches<R: Resource>(_ object: R) -> Bool {
        requirements.allSatisfy { r in
            r.matches(R.selectableFields.first { $0.name == r.field }?.value(object) ?? "")
        }
    }

    /// Whether `object` matches; see `matches(_:)` for a typed object.
    public func matches(_ object: AnyResource) -> Bool {
        func typed<R: Resource>(_ r: R) -> Bool { matches(r) }
        return typed(object.resource)
    }
}
