/// The metadata every object carries, with Kubernetes' field names and meanings.
///
/// `uid`, `resourceVersion`, `generation`, `creationTimestamp` and `deletionTimestamp` belong to
/// the store: it assigns them, and an apply never changes them.
public struct ObjectMeta: Codable, Sendable, Hashable {
    public var name: String
    public var namespace: String?
    public var uid: String?
    public var resourceVersion: String?
    public var generation: Int64?
    public var creationTimestamp: Time?
    public var deletionTimestamp: Time?
    public var labels: [String: String]?
    public var annotations: [String: String]?
    public var finalizers: [String]?
    /// Who set which fields (server-side apply's bookkeeping). Written by the API only; every
    /// other writer keeps the stored entries as they are.
    public var managedFields: [ManagedFieldsEntry]?

    public init(
        name: String, namespace: String? = nil, labels: [String: String]? = nil,
        annotations: [String: String]? = nil
    ) {
        self.name = name
        self.namespace = namespace
        self.labels = labels
        self.annotations = annotations
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // A missing name decodes as "" so validation can report it with the document's context.
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        namespace = try c.decodeIfPresent(String.self, forKey: .namespace)
        uid = try c.decodeIfPresent(String.self, forKey: .uid)
        resourceVersion = try c.decodeIfPresent(String.self, forKey: .resourceVersion)
        generation = try c.decodeIfPresent(Int64.self, forKey: .generation)
        creationTimestamp = try c.decodeIfPresent(Time.self, forKey: .creationTimestamp)
        deletionTimestamp = try c.decodeIfPresent(Time.self, forKey: .deletionTimestamp)
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels)
        annotations = try c.decodeIfPresent([String: String].self, forKey: .annotations)
        finalizers = try c.decodeIfPresent([String].self, forKey: .finalizers)
        managedFields = try c.decodeIfPresent([ManagedFieldsEntry].self, forKey: .managedFields)
    }

    /// The value of an annotation, or nil.
    public func annotation(_ key: String) -> String? { annotations?[key] }

    /// Sets (or with nil removes) an annotation, dropping the map when it becomes empty.
    public mutating func setAnnotation(_ key: String, _ value: String?) {
        // Mutated in place: a copy taken while `annotations` still holds the map would make the
        // write copy the whole map.
        if annotations == nil {
            guard let value else { return }
            annotations = [key: value]
            return
        }
        annotations![key] = value
        if annotations!.isEmpty { annotations = nil }
    }

    public func hasFinalizer(_ f: String) -> Bool { finalizers?.contains(f) ?? false }

    public mutating func addFinalizer(_ f: String) {
        if !hasFinalizer(f) { finalizers = (finalizers ?? []) + [f] }
    }

    public mutating func removeFinalizer(_ f: String) {
        finalizers = finalizers?.filter { $0 != f }
        if finalizers?.isEmpty == true { finalizers = nil }
    }
}

/// One manager's entry in `metadata.managedFields`, as Kubernetes keeps it.
public struct ManagedFieldsEntry: Sendable, Hashable {
    public var manager: String?
    /// `Apply` or `Update`.
    public var operation: String?
    public var apiVersion: String?
    public var time: Time?
    /// Always `FieldsV1`.
    public var fieldsType: String?
    public var fieldsV1: JSONValue?
    public var subresource: String?

    public init() {}
}

/// A reference to another object, as in `PersistentVolume.spec.claimRef` and `Event.involvedObject`.
public struct ObjectReference: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var namespace: String?
    public var name: String?
    public var uid: String?
    public var resourceVersion: String?
    public var fieldPath: String?

    public init(
        apiVersion: String? = nil, kind: String? = nil, namespace: String? = nil, name: String? = nil,
        uid: String? = nil, resourceVersion: String? = nil
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.resourceVersion = resourceVersion
    }
}
