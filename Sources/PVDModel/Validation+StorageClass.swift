extension StorageClass: Validatable {
    static let maxParameterCount = 512
    static let maxParameterBytes = 256 * 1024

    /// Kubernetes' StorageClass rules: a DNS-subdomain name; a provisioner that is a qualified
    /// name ("pvd.io/hostpath"); at most 512 parameters with non-empty keys; reclaimPolicy Delete
    /// or Retain (a class may not recycle); volumeBindingMode Immediate or WaitForFirstConsumer;
    /// allowedTopologies terms with valid keys, values and no duplicates.
    public func validate() -> [ValidationError] {
        var errs = metadata.validationErrors(namespaced: false)
        if provisioner.isEmpty {
            errs.append(.required("provisioner"))
        } else {
            errs += NameRules.qualifiedName(provisioner.lowercased()).map { .invalid("provisioner", provisioner, $0) }
        }
        errs += parameterErrors()
        if let p = reclaimPolicy, !p.rawValue.isEmpty, p != .delete, p != .retain {
            errs.append(.notSupported("reclaimPolicy", p.rawValue, ["Delete", "Retain"]))
        }
        if let m = volumeBindingMode, !VolumeBindingMode.known.contains(m) {
            errs.append(.notSupported("volumeBindingMode", m.rawValue, VolumeBindingMode.known.map(\.rawValue)))
        }
        errs += topologyErrors()
        return errs
    }

    private func parameterErrors() -> [ValidationError] {
        let params = parameters ?? [:]
        if params.count > Self.maxParameterCount { return [.tooLong("parameters", Self.maxParameterCount, unit: "items")] }
        var errs: [ValidationError] = []
        var bytes = 0
        for (k, v) in params {
            if k.isEmpty { errs.append(.invalid("parameters", k, "field can not be empty.")) }
            bytes += k.utf8.count + v.utf8.count
        }
        if bytes > Self.maxParameterBytes { errs.append(.tooLong("parameters", Self.maxParameterBytes)) }
        return errs
    }

    private func topologyErrors() -> [ValidationError] {
        var errs: [ValidationError] = []
        var seenTerms: [[String: Set<String>]] = []
        for (i, term) in (allowedTopologies ?? []).enumerated() {
            let termPath = "allowedTopologies[\(i)].matchLabelExpressions"
            var byKey: [String: Set<String>] = [:]
            for (j, req) in (term.matchLabelExpressions ?? []).enumerated() {
                let p = "\(termPath)[\(j)]"
                if req.values.isEmpty { errs.append(.required("\(p).values")) }
                var values: Set<String> = []
                for (k, v) in req.values.enumerated() {
                    if !values.insert(v).inserted { errs.append(.duplicate("\(p).values[\(k)]", v)) }
                }
                errs += NameRules.qualifiedName(req.key).map { .invalid("\(p).key", req.key, $0) }
                if byKey[req.key] != nil { errs.append(.duplicate("\(p).key", req.key)) }
                byKey[req.key] = values
            }
            if seenTerms.contains(byKey) { errs.append(.duplicate(termPath, "")) }
            seenTerms.append(byKey)
        }
        return errs
    }
}
