extension LabelSelector {
    /// Kubernetes' label selector rules, reported under `path` ("spec.selector"): matchLabels keys
    /// and values well formed; each expression with a known operator, values for In and NotIn,
    /// none for Exists and DoesNotExist, a qualified-name key and valid label values.
    func validationErrors(at path: String) -> [ValidationError] {
        var errs: [ValidationError] = []
        for (k, v) in (matchLabels ?? [:]).sorted(by: { $0.key < $1.key }) {
            errs += NameRules.qualifiedName(k).map { .invalid("\(path).matchLabels", k, $0) }
            errs += NameRules.labelValue(v).map { .invalid("\(path).matchLabels", v, $0) }
        }
        for (i, e) in (matchExpressions ?? []).enumerated() {
            let p = "\(path).matchExpressions[\(i)]"
            let values = e.values ?? []
            switch e.operator {
            case "In", "NotIn":
                if values.isEmpty { errs.append(.required("\(p).values", "must be specified when `operator` is 'In' or 'NotIn'")) }
            case "Exists", "DoesNotExist":
                if !values.isEmpty {
                    errs.append(.forbidden("\(p).values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
                }
            default:
                errs.append(.invalid("\(p).operator", e.operator, "not a valid selector operator"))
            }
            errs += NameRules.qualifiedName(e.key).map { .invalid("\(p).key", e.key, $0) }
            for (j, v) in values.enumerated() {
                errs += NameRules.labelValue(v).map { .invalid("\(p).values[\(j)]", v, $0) }
            }
        }
        return errs
    }
}

extension NodeSelector {
    /// Kubernetes' node selector rules, reported under `path` ("spec.nodeAffinity.required"):
    /// at least one term; each expression with a valid operator and the values it needs; match
    /// fields only on metadata.name with In or NotIn and exactly one value.
    func validationErrors(at path: String) -> [ValidationError] {
        let termsPath = "\(path).nodeSelectorTerms"
        if nodeSelectorTerms.isEmpty { return [.required(termsPath, "must have at least one node selector term")] }
        var errs: [ValidationError] = []
        for (i, term) in nodeSelectorTerms.enumerated() {
            for (j, e) in (term.matchExpressions ?? []).enumerated() {
                errs += e.expressionErrors(at: "\(termsPath)[\(i)].matchExpressions[\(j)]")
            }
            for (j, f) in (term.matchFields ?? []).enumerated() {
                errs += f.fieldErrors(at: "\(termsPath)[\(i)].matchFields[\(j)]")
            }
        }
        return errs
    }
}

extension NodeSelectorRequirement {
    /// The rules for one label expression of a node selector term.
    func expressionErrors(at p: String) -> [ValidationError] {
        var errs: [ValidationError] = []
        let values = values ?? []
        switch self.operator {
        case "In", "NotIn":
            if values.isEmpty { errs.append(.required("\(p).values", "must be specified when `operator` is 'In' or 'NotIn'")) }
            for (j, v) in values.enumerated() {
                errs += NameRules.labelValue(v).map { .invalid("\(p).values[\(j)]", v, $0) }
            }
        case "Exists", "DoesNotExist":
            if !values.isEmpty {
                errs.append(.forbidden("\(p).values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
            }
        case "Gt", "Lt":
            if values.count != 1 {
                errs.append(.required("\(p).values", "must be specified single value when `operator` is 'Lt' or 'Gt'"))
            } else if Int64(values[0]) == nil {
                errs.append(.invalid("\(p).values[0]", values[0], "must be an integer when `operator` is 'Lt' or 'Gt'"))
            }
        default:
            errs.append(.invalid("\(p).operator", self.operator, "not a valid selector operator"))
        }
        errs += NameRules.qualifiedName(key).map { .invalid("\(p).key", key, $0) }
        return errs
    }

    /// The rules for one field requirement of a node selector term.
    func fieldErrors(at p: String) -> [ValidationError] {
        var errs: [ValidationError] = []
        let values = values ?? []
        switch self.operator {
        case "In", "NotIn":
            if values.count != 1 {
                errs.append(.required("\(p).values", "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"))
            }
        default:
            errs.append(.invalid("\(p).operator", self.operator, "not a valid selector operator"))
        }
        if key != "metadata.name" {
            errs.append(.invalid("\(p).key", key, "not a valid field selector key"))
        } else {
            for (j, v) in values.enumerated() {
                errs += NameRules.dns1123Subdomain(v).map { .invalid("\(p).values[\(j)]", v, $0) }
            }
        }
        return errs
    }
}
