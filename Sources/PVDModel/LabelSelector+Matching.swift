extension LabelSelector {
    /// Whether a set of labels satisfies every matchLabels entry and every matchExpressions entry.
    /// An empty selector matches everything, as in Kubernetes. Unknown operators match nothing;
    /// validation refuses them before they get here.
    public func matches(_ labels: [String: String]?) -> Bool {
        let labels = labels ?? [:]
        for (k, v) in matchLabels ?? [:] where labels[k] != v { return false }
        for e in matchExpressions ?? [] {
            let present = labels[e.key]
            switch e.operator {
            case "In": guard let p = present, e.values?.contains(p) == true else { return false }
            case "NotIn": if let p = present, e.values?.contains(p) == true { return false }
            case "Exists": if present == nil { return false }
            case "DoesNotExist": if present != nil { return false }
            default: return false
            }
        }
        return true
    }
}

extension NodeSelector {
    /// Whether a node with these labels satisfies the selector: any one term must match, and a
    /// selector with no terms matches nothing (Kubernetes' rule for required node affinity).
    public func matches(nodeName: String, labels: [String: String]?) -> Bool {
        nodeSelectorTerms.contains { $0.matches(nodeName: nodeName, labels: labels ?? [:]) }
    }
}

extension NodeSelectorTerm {
    /// Whether every expression and field requirement of this term holds. A term with neither
    /// matches nothing.
    public func matches(nodeName: String, labels: [String: String]) -> Bool {
        let exprs = matchExpressions ?? []
        let fields = matchFields ?? []
        if exprs.isEmpty && fields.isEmpty { return false }
        for e in exprs where !e.matches(labels[e.key]) { return false }
        for f in fields {
            // The only field Kubernetes supports here is metadata.name.
            guard f.key == "metadata.name", f.matches(nodeName) else { return false }
        }
        return true
    }
}

extension NodeSelectorRequirement {
    /// Whether a label value (nil when the label is absent) satisfies this requirement.
    public func matches(_ value: String?) -> Bool {
        switch self.operator {
        case "In": return value.map { values?.contains($0) == true } ?? false
        case "NotIn": return value.map { values?.contains($0) != true } ?? true
        case "Exists": return value != nil
        case "DoesNotExist": return value == nil
        case "Gt", "Lt":
            guard let v = value.flatMap({ Int64($0) }), let bound = values?.first.flatMap({ Int64($0) }),
                  values?.count == 1
            else { return false }
            return self.operator == "Gt" ? v > bound : v < bound
        default: return false
        }
    }
}
