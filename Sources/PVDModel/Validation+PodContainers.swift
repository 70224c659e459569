extension Pod {
    /// The restart policies Kubernetes accepts.
    public static let restartPolicies = ["Always", "OnFailure", "Never"]

    /// Kubernetes' rules for containers: a DNS-label name unique across containers and init
    /// containers, an image, volume mounts that name a volume of the Pod at an absolute path, no
    /// two mounts of one container on the same path, a relative subPath without `..`, and the
    /// volumeDevices rules (`deviceErrors`).
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
                errs += Self.deviceErrors(c.volumeDevices ?? [], at: p, volumes: volumes, mounts: c.volumeMounts ?? [])
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

    /// Kubernetes' volumeDevices rules: a name naming a volume, once per container and not
    /// also mounted; an absolute devicePath without `..`, unique, and no mountPath.
    static func deviceErrors(_ devices: [VolumeDevice], at p: String, volumes: Set<String>, mounts: [VolumeMount]) -> [ValidationError] {
        var errs: [ValidationError] = []
        var names: Set<String> = [], paths: Set<String> = []
        let mountPaths = Set(mounts.map { cleanPath($0.mountPath) }), mounted = Set(mounts.map(\.name))
        for (j, d) in devices.enumerated() {
            let q = "\(p).volumeDevices[\(j)]"
            if d.name.isEmpty {
                errs.append(.required("\(q).name"))
            } else if !volumes.contains(d.name) {
                errs.append(.notFound("\(q).name", d.name))
            } else if !names.insert(d.name).inserted {
                errs.append(.invalid("\(q).name", d.name, "must be unique"))
            } else if mounted.contains(d.name) {
                errs.append(.invalid("\(q).name", d.name, "can not be used by volumeDevices and volumeMounts"))
            }
            if d.devicePath.isEmpty {
                errs.append(.required("\(q).devicePath"))
            } else if !d.devicePath.hasPrefix("/") {
                errs.append(.invalid("\(q).devicePath", d.devicePath, "must be an absolute path"))
            } else if d.devicePath.split(separator: "/").contains("..") {
                errs.append(.invalid("\(q).devicePath", d.devicePath, "must not contain '..'"))
            } else if !paths.insert(cleanPath(d.devicePath)).inserted {
                errs.append(.invalid("\(q).devicePath", d.devicePath, "must be unique"))
            } else if mountPaths.contains(cleanPath(d.devicePath)) {
                errs.append(.invalid("\(q).devicePath", d.devicePath, "can not be used by volumeDevices and volumeMounts"))
            }
        }
        return errs
    }

    /// `/a//b/` → `/a/b`: two spellings of one mount path are one path.
    static func cleanPath(_ path: String) -> String {
        "/" + path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }
}
