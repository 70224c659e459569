/// Where a kind lives in the Kubernetes REST API: what the API serves and what a client of it
/// (`pvd --server`) asks for, from one table.
extension ResourceKind {
    /// Whether the kind has a `/status` subresource (Kubernetes' kinds with a status of their
    /// own): a write of the object itself keeps the stored status, and the status is written
    /// through the subresource.
    public var hasStatusSubresource: Bool {
        switch self {
        case .persistentVolume, .persistentVolumeClaim, .pod, .node: true
        case .storageClass, .event, .lease, .csiStorageCapacity, .role, .clusterRole, .roleBinding, .clusterRoleBinding: false
        }
    }

    /// The path of the kind's collection: `/api/v1/namespaces/ns/persistentvolumeclaims`, or
    /// every namespace's with `namespace` nil; `/apis/storage.k8s.io/v1/storageclasses` for a
    /// cluster-scoped kind, whose namespace is ignored. Names are DNS labels and path-safe
    /// (`system:` role names included), so nothing is escaped.
    public func collectionPath(namespace: String?) -> String {
        let prefix = apiVersion.contains("/") ? "/apis/\(apiVersion)" : "/api/\(apiVersion)"
        if isNamespaced, let namespace { return "\(prefix)/namespaces/\(namespace)/\(plural)" }
        return "\(prefix)/\(plural)"
    }

    /// The path of one object (`subresource` appended when given, e.g. "status").
    public func objectPath(namespace: String?, name: String, subresource: String? = nil) -> String {
        let path = collectionPath(namespace: isNamespaced ? (namespace ?? "default") : nil) + "/" + name
        return subresource.map { path + "/" + $0 } ?? path
    }
}
