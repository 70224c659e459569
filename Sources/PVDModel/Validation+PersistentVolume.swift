extension PersistentVolume: Validatable {
    static let supportedReclaimPolicies = ["Delete", "Recycle", "Retain"]
    static let supportedHostPathTypes = [
        "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket",
    ]

    /// Kubernetes' PersistentVolume rules for the fields pvd uses: a DNS-subdomain name; access
    /// modes; capacity holding only a positive storage amount; a known reclaim policy (never
    /// Recycle for a hostPath of "/"); well-formed node affinity; exactly one of hostPath and
    /// local, with node affinity for local; a DNS-subdomain class name; a known volume mode.
    /// Stricter than Kubernetes: paths must be absolute, and a claimRef needs a name and a
    /// namespace, since pvd only ever uses them that way.
    public func validate() -> [ValidationError] {
        var errs = metadata.validationErrors(namespaced: false)
        errs += accessModeErrors(spec.accessModes, at: "spec.accessModes")
        errs += capacityErrors()
        if let p = spec.persistentVolumeReclaimPolicy, !p.rawValue.isEmpty,
           !Self.supportedReclaimPolicies.contains(p.rawValue) {
            errs.append(.notSupported("spec.persistentVolumeReclaimPolicy", p.rawValue, Self.supportedReclaimPolicies))
        }
        if let affinity = spec.nodeAffinity {
            if let required = affinity.required {
                errs += required.validationErrors(at: "spec.nodeAffinity.required")
            } else {
                errs.append(.required("spec.nodeAffinity.required", "must specify required node constraints"))
            }
        }
        errs += sourceErrors()
        if let hostPath = spec.hostPath, Self.cleaned(hostPath.path) == "/",
           spec.persistentVolumeReclaimPolicy == .recycle {
            errs.append(.forbidden("spec.persistentVolumeReclaimPolicy", "may not be 'recycle' for a hostPath mount of '/'"))
        }
        if let cls = spec.storageClassName, !cls.isEmpty {
            errs += NameRules.dns1123Subdomain(cls).map { .invalid("spec.storageClassName", cls, $0) }
        }
        errs += volumeModeErrors(spec.volumeMode, at: "spec.volumeMode")
        if let ref = spec.claimRef {
            if ref.name?.isEmpty ?? true { errs.append(.required("spec.claimRef.name")) }
            if ref.namespace?.isEmpty ?? true { errs.append(.required("spec.claimRef.namespace")) }
        }
        return errs
    }

    private func capacityErrors() -> [ValidationError] {
        let capacity = spec.capacity ?? [:]
        if capacity.isEmpty { return [.required("spec.capacity")] }
        var errs: [ValidationError] = []
        if capacity["storage"] == nil || capacity.count > 1 {
            let extra = capacity.keys.filter { $0 != "storage" }.sorted().joined(separator: ", ")
            errs.append(.notSupported("spec.capacity", extra, ["storage"]))
        }
        for (name, q) in capacity.sorted(by: { $0.key < $1.key }) {
            errs += positiveQuantityErrors(q, at: "spec.capacity[\(name)]")
        }
        return errs
    }

    private func sourceErrors() -> [ValidationError] {
        var errs: [ValidationError] = []
        if let hostPath = spec.hostPath {
            errs += pathErrors(hostPath.path, at: "spec.hostPath.path")
            if let type = hostPath.type, !Self.supportedHostPathTypes.contains(type) {
                errs.append(.notSupported("spec.hostPath.type", type, Self.supportedHostPathTypes))
            }
        }
        if let local = spec.local {
            if spec.hostPath != nil {
                errs.append(.forbidden("spec.local", "may not specify more than 1 volume type"))
            } else {
                errs += pathErrors(local.path, at: "spec.local.path")
                if spec.nodeAffinity == nil {
                    errs.append(.required("spec.nodeAffinity", "Local volume requires node affinity"))
                }
            }
        }
        if spec.hostPath == nil && spec.local == nil {
            errs.append(.required("spec", "must specify a volume type"))
        }
        return errs
    }

    private func pathErrors(_ path: String, at field: String) -> [ValidationError] {
        if path.isEmpty { return [.required(field)] }
        var errs: [ValidationError] = []
        if !path.hasPrefix("/") { errs.append(.invalid(field, path, "must be an absolute path")) }
        if path.split(separator: "/").contains("..") { errs.append(.invalid(field, path, "must not contain '..'")) }
        return errs
    }

    /// The path with "", "." and ".." elements resolved lexically, as Go's path.Clean does.
    static func cleaned(_ path: String) -> String {
        var stack: [Substring] = []
        for part in path.split(separator: "/") where part != "." {
            if part == ".." {
                if !stack.isEmpty { stack.removeLast() }
            } else {
                stack.append(part)
            }
        }
        return (path.hasPrefix("/") ? "/" : "") + stack.joined(separator: "/")
    }
}
