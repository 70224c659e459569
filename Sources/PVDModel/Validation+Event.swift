extension Event: Validatable {
    /// Kubernetes' rules for a v1 Event: a name usable as a path segment (Kubernetes does not
    /// require a DNS name here) and a label namespace; the involved object's namespace, when set,
    /// equal to the Event's, and otherwise the Event in "default". pvd also requires the involved
    /// object's name, which `describe` matches Events by.
    public func validate() -> [ValidationError] {
        var errs = metadata.validationErrors(namespaced: true, nameRule: NameRules.pathSegment)
        if involvedObject.name?.isEmpty ?? true { errs.append(.required("involvedObject.name")) }
        let namespace = metadata.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        let objectNamespace = involvedObject.namespace ?? ""
        if objectNamespace.isEmpty ? namespace != "default" : objectNamespace != namespace {
            errs.append(.invalid("involvedObject.namespace", objectNamespace, "does not match event.namespace"))
        }
        return errs
    }
}
