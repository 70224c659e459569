extension Pod {
    /// The `fsGroupChangePolicy` values Kubernetes accepts, in its order.
    public static let fsGroupChangePolicies = ["OnRootMismatch", "Always"]

    /// Kubernetes' security context rules for the fields pvd reads: user and group ids within
    /// 0…2147483647 (Pod and containers), and a known `fsGroupChangePolicy`.
    func securityErrors() -> [ValidationError] {
        var errs: [ValidationError] = []
        if let pod = spec.securityContext {
            let p = "spec.securityContext"
            errs += Self.idErrors([("runAsUser", pod.runAsUser), ("runAsGroup", pod.runAsGroup), ("fsGroup", pod.fsGroup)], at: p)
            if let policy = pod.fsGroupChangePolicy, !Self.fsGroupChangePolicies.contains(policy) {
                errs.append(.notSupported("\(p).fsGroupChangePolicy", policy, Self.fsGroupChangePolicies))
            }
        }
        let groups: [(String, [Container])] = [("spec.initContainers", spec.initContainers ?? []), ("spec.containers", spec.containers ?? [])]
        for (field, containers) in groups {
            for (i, c) in containers.enumerated() {
                guard let s = c.securityContext else { continue }
                errs += Self.idErrors([("runAsUser", s.runAsUser), ("runAsGroup", s.runAsGroup)], at: "\(field)[\(i)].securityContext")
            }
        }
        return errs
    }

    /// The largest user or group id Kubernetes takes (2^31 - 1).
    public static let maxID: Int64 = 2_147_483_647

    static func idErrors(_ ids: [(String, Int64?)], at p: String) -> [ValidationError] {
        ids.compactMap { name, value in
            guard let value, value < 0 || value > maxID else { return nil }
            return .invalid("\(p).\(name)", "\(value)", "must be between 0 and \(maxID), inclusive")
        }
    }
}
