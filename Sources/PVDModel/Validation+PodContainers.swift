extension Pod {
    /// The restart policies Kubernetes accepts.
    public static let restartPolicies = ["Always", "OnFailure", "Never"]

    /// Kubernetes' rules for containers: a DNS-label name unique across containers and init
    /// containers, an image, volume mounts that name a volume of the Pod at an absolute path, no
    /// two mounts of one container on the same path, a relative subPath without `..`.
    func containerErrors() -> [ValidationError] {
        var errs: [ValidationError] = []
        let volumes = Set((spec.volumes ?? []).map(\.name))
        var names: Set<String> = []
        let groups: [(String, [Container])] = [("spec.initContainers", spec.initContainers ?? []), ("spec.containers", spec.containers ?? [])]
        for (field, containers) in groups {
            for (i, c) in containers.enumerated() {
                let p = "\(field)[\(i)]"
                if c.name.isEmpty {
                    errs.append(.required("\(p).name"))
                } else {
                    errs += NameRules.dns1123Label(c.name).map { .invalid("\(p).name", c.name, $0) }
                    if !names.insert(c.name).inserted { errs.append(.duplicate("\(p).name", c.name)) }
                }
                if (c.image ?? "").isEmpty { errs.append(.required("\(p).image")) }
                errs += Self.mountErrors(c.volumeMounts ?? [], at: p, volumes: volumes)
                for (j, e) in (c.env ?? []).enumerated() where e.name.isEmpty {
                    errs.append(.required("\(p).env[\(j)].name"))
                }
            }
        }
        if let policy = spec.restartPolicy, !Self.restartPolicies.contains(policy) {
            errs.append(.notSupported("spec.restartPolicy", policy, Self.restartPolicies))
        }
        if let grace = spec.terminationGracePeriodSeconds, grace < 0 {
            errs.append(.invalid("spec.terminationGracePeriodSeconds", "\(grace)", "must be greater than or equal to 0"))
        }
        return errs
    }

    static func mountErrors(_ mounts: [VolumeMount], at p: String, volumes: Set<String>) -> [ValidationError] {
        var errs: [ValidationError] = []
        var paths: Set<String> = []
        for (j, m) in mounts.enumerated() {
            let q = "\(p).volumeMounts[\(j)]"
            if m.name.isEmpty {
                errs.append(.required("\(q).name"))
            } else if !volumes.contains(m.name) {
                errs.append(.notFound("\(q).name", m.name))
            }
            if m.mountPath.isEmpty {
                errs.append(.required("\(q).mountPath"))
            } else if !m.mountPath.hasPrefix("/") {
                errs.append(.invalid("\(q).mountPath", m.mountPath, "must be an absolute path"))
            } else if !paths.insert(Self.cleanPath(m.mountPath)).inserted {
                errs.append(.invalid("\(q).mountPath", m.mountPath, "must be unique"))
            }
            if let sub = m.subPath, !sub.isEmpty {
                if sub.hasPrefix("/") {
                    errs.append(.invalid("\(q).subPath", sub, "must be a relative path"))
                } else if sub.split(separator: "/").contains("..") {
                    errs.append(.invalid("\(q).subPath", sub, "must not contain '..'"))
                }
            }
        }
        return errs
    }

    /// `/a//b/` → `/a/b`: two spellings of one mount path are one path.
    static func cleanPath(_ path: String) -> String {
        "/" + path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }
}
