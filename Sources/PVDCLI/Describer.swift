import Foundation
import PVDModel
import PVDPrinting

/// `pvd describe` text: kubectl's layout of aligned "Field:  value" lines, then the Events table.
public struct Describer: Sendable {
    public var now: Time
    public init(now: Time = .now()) { self.now = now }

    /// The description of one object and the Events about it.
    public func describe(_ object: AnyResource, events: [Event], usedBy: [String] = []) -> String {
        var f: [(String, String)] = [("Name", object.metadata.name)]
        var conditions = ""
        if object.kind.isNamespaced { f.append(("Namespace", object.metadata.namespace ?? "default")) }
        switch object {
        case .storageClass(let sc):
            f += [("IsDefaultClass", sc.isDefault ? "Yes" : "No")] + common(sc.metadata, finalizers: false)
            f += [("Provisioner", sc.provisioner),
                  ("Parameters", map(sc.parameters, separator: "=", inline: true)),
                  ("AllowVolumeExpansion", sc.allowVolumeExpansion.map { String($0).capitalized } ?? "<unset>"),
                  ("MountOptions", sc.mountOptions.map { $0.isEmpty ? "<none>" : $0.joined(separator: ", ") } ?? "<none>"),
                  ("ReclaimPolicy", sc.effectiveReclaimPolicy.rawValue),
                  ("VolumeBindingMode", sc.effectiveBindingMode.rawValue)]
        case .persistentVolume(let pv):
            f += common(pv.metadata)
            var claim = ""
            if let r = pv.spec.claimRef, let n = r.name { claim = "\(r.namespace ?? "default")/\(n)" }
            f += [("StorageClass", pv.className),
                  ("Status", pv.metadata.deletionTimestamp != nil ? "Terminating (lasts \(HumanDuration.age(pv.metadata.deletionTimestamp, now: now)))" : pv.phase.rawValue),
                  ("Claim", claim),
                  ("Reclaim Policy", (pv.spec.persistentVolumeReclaimPolicy ?? .retain).rawValue),
                  ("Access Modes", TablePrinter.modes(pv.spec.accessModes)),
                  ("VolumeMode", pv.volumeMode.rawValue),
                  ("Capacity", pv.capacity?.description ?? ""),
                  ("Node Affinity", nodeAffinity(pv.spec.nodeAffinity)),
                  ("Message", pv.status?.message ?? "")]
            if let h = pv.spec.hostPath {
                f += [("Source", ""), ("    Type", "HostPath (bare host directory volume)"), ("    Path", h.path), ("    HostPathType", h.type ?? "")]
            } else if let l = pv.spec.local {
                f += [("Source", ""), ("    Type", "LocalVolume (a persistent volume backed by local storage on a node)"), ("    Path", l.path)]
            }
        case .persistentVolumeClaim(let c):
            let status = c.metadata.deletionTimestamp != nil ? "Terminating (lasts \(HumanDuration.age(c.metadata.deletionTimestamp, now: now)))" : c.phase.rawValue
            f += [("StorageClass", c.className), ("Status", status), ("Volume", c.spec.volumeName ?? "")]
            f += common(c.metadata)
            f += [("Capacity", c.status?.capacity?["storage"]?.description ?? ""),
                  ("Access Modes", TablePrinter.modes(c.status?.accessModes)),
                  ("VolumeMode", c.volumeMode.rawValue),
                  ("Used By", usedBy.isEmpty ? "<none>" : usedBy.joined(separator: "\n"))]
            conditions = claimConditions(c.status?.conditions ?? [])
        case .pod(let p):
            f += [("Node", p.spec.nodeName ?? "<none>")] + common(p.metadata)
            f += [("Status", p.metadata.deletionTimestamp != nil ? "Terminating" : (p.status?.phase ?? "Pending"))]
            if !(p.spec.initContainers ?? []).isEmpty {
                f += [("Init Containers", "")] + Self.containerLines(p.spec.initContainers ?? [], p.status?.initContainerStatuses ?? [])
            }
            f += [("Containers", (p.spec.containers ?? []).isEmpty ? "<none>" : "")]
            f += Self.containerLines(p.spec.containers ?? [], p.status?.containerStatuses ?? [])
            var vols: [(String, String)] = [("Volumes", (p.spec.volumes ?? []).isEmpty ? "<none>" : "")]
            for v in p.spec.volumes ?? [] {
                vols.append(("  \(v.name)", ""))
                if let c = v.persistentVolumeClaim {
                    vols += [("    Type", "PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)"),
                             ("    ClaimName", c.claimName), ("    ReadOnly", String(c.readOnly ?? false))]
                }
            }
            f += vols
        case .node(let n):
            f += common(n.metadata)
            let ready = n.status?.conditions?.first { $0.type == "Ready" }
            f += [("Ready", ready?.status ?? "Unknown"),
                  ("LastHeartbeatTime", ready?.lastHeartbeatTime?.rfc3339 ?? "<unknown>")]
        case .event(let e):
            f += common(e.metadata)
            f += [("Involved Object", "\(e.involvedObject.kind ?? "")/\(e.involvedObject.name ?? "")"),
                  ("Type", e.type ?? ""), ("Reason", e.reason ?? ""), ("Message", e.message ?? ""),
                  ("Count", String(e.count ?? 1))]
        case .lease(let l):
            f += common(l.metadata)
            f += [("Holder Identity", l.spec.holderIdentity ?? "<none>"),
                  ("Lease Duration Seconds", l.spec.leaseDurationSeconds.map { String($0) } ?? "<unset>"),
                  ("Acquire Time", l.spec.acquireTime?.rfc3339 ?? "<unset>"),
                  ("Renew Time", l.spec.renewTime?.rfc3339 ?? "<unset>"),
                  ("Lease Transitions", l.spec.leaseTransitions.map { String($0) } ?? "<unset>")]
        case .csiStorageCapacity(let c):
            f += common(c.metadata)
            f += [("Storage Class Name", c.storageClassName),
                  ("Node Topology", c.nodeTopology?.formatted ?? "<none>"),
                  ("Capacity", c.capacity?.description ?? "<unset>"),
                  ("Maximum Volume Size", c.maximumVolumeSize?.description ?? "<unset>")]
        case .role(let r):
            f += common(r.metadata, finalizers: false) + [("PolicyRule", rules(r.rules))]
        case .clusterRole(let r):
            f += common(r.metadata, finalizers: false) + [("PolicyRule", rules(r.rules))]
        case .roleBinding(let b):
            f += common(b.metadata, finalizers: false) + [("Role", "\(b.roleRef.kind)/\(b.roleRef.name)"), ("Subjects", subjects(b.subjects))]
        case .clusterRoleBinding(let b):
            f += common(b.metadata, finalizers: false) + [("Role", "\(b.roleRef.kind)/\(b.roleRef.name)"), ("Subjects", subjects(b.subjects))]
        }
        var out = render(f) + conditions
        if case .event = object { return out }
        out += eventsSection(events, column: (f.map { $0.0.count }.max() ?? 0) + 3)
        return out
    }

    /// One line per rule: resources (or URLs), names and verbs.
    private func rules(_ rules: [PolicyRule]?) -> String {
        guard let rules, !rules.isEmpty else { return "<none>" }
        return rules.map { r in
            let group = r.apiGroups?.first ?? ""
            let what = r.nonResourceURLs.map { $0.joined(separator: ",") }
                ?? (r.resources ?? []).map { group.isEmpty ? $0 : "\($0).\(group)" }.joined(separator: ",")
            return "\(what) [\((r.resourceNames ?? []).joined(separator: ","))] [\(r.verbs.joined(separator: " "))]"
        }.joined(separator: "\n")
    }

    private func subjects(_ s: [Subject]?) -> String {
        guard let s, !s.isEmpty else { return "<none>" }
        return s.map { "\($0.kind) \($0.name)\($0.namespace.map { " (\($0))" } ?? "")" }.joined(separator: "\n")
    }

    private func common(_ m: ObjectMeta, finalizers: Bool = true) -> [(String, String)] {
        var f = [("Labels", map(m.labels, separator: "=", inline: false)),
                 ("Annotations", map(m.annotations, separator: ": ", inline: false))]
        if finalizers { f.append(("Finalizers", "[\((m.finalizers ?? []).joined(separator: " "))]")) }
        return f
    }

    private func map(_ m: [String: String]?, separator: String, inline: Bool) -> String {
        guard let m, !m.isEmpty else { return "<none>" }
        let items = m.keys.sorted().map { "\($0)\(separator)\(m[$0]!)" }
        return items.joined(separator: inline ? "," : "\n")
    }

    private func nodeAffinity(_ a: VolumeNodeAffinity?) -> String {
        guard let terms = a?.required?.nodeSelectorTerms, !terms.isEmpty else { return "<none>" }
        var lines = ["", "  Required Terms:"]
        for t in terms {
            for e in t.matchExpressions ?? [] {
                lines.append("    Term \(0):        \(e.key) \(e.operator.lowercased()) [\((e.values ?? []).joined(separator: ", "))]")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Aligned "Key:  value" lines; a multi-line value continues under its first line.
    private func render(_ fields: [(String, String)]) -> String {
        // kubectl's tabwriter puts every value two columns past the widest "Key:".
        let column = (fields.map { $0.0.count }.max() ?? 0) + 3
        var out = ""
        for (k, v) in fields {
            let label = k + ":" + String(repeating: " ", count: max(1, column - k.count - 1))
            let lines = v.split(separator: "\n", omittingEmptySubsequences: false)
            if v.isEmpty { out += (k + ":").trimmingTrailing() + "\n"; continue }
            out += (label + lines[0]).trimmingTrailing() + "\n"
            for l in lines.dropFirst() { out += (String(repeating: " ", count: column) + l).trimmingTrailing() + "\n" }
        }
        return out
    }

    /// kubectl's Conditions table of a claim (only when it has any, as kubectl prints it).
    private func claimConditions(_ conditions: [PersistentVolumeClaimCondition]) -> String {
        guard !conditions.isEmpty else { return "" }
        var t = Table(headers: ["Type", "Status", "LastProbeTime", "LastTransitionTime", "Reason", "Message"], gap: 2)
        t.rows.append(["----", "------", "-----------------", "------------------", "------", "-------"])
        for c in conditions {
            t.rows.append([c.type, c.status, c.lastProbeTime?.rfc3339 ?? "<none>", c.lastTransitionTime?.rfc3339 ?? "<none>", c.reason ?? "", c.message ?? ""])
        }
        return "Conditions:\n" + t.render().split(separator: "\n").map { ("  " + $0).trimmingTrailing() + "\n" }.joined()
    }

    private func eventsSection(_ events: [Event], column: Int) -> String {
        if events.isEmpty { return "Events:" + String(repeating: " ", count: max(1, column - 7)) + "<none>\n" }
        let sorted = events.sorted { ($0.lastTimestamp ?? Time(seconds: 0)) < ($1.lastTimestamp ?? Time(seconds: 0)) }
        var t = Table(headers: ["Type", "Reason", "Age", "From", "Message"], gap: 2)
        t.rows.append(["----", "------", "----", "----", "-------"])
        for e in sorted {
            var age = HumanDuration.age(e.lastTimestamp, now: now)
            if let c = e.count, c > 1 { age += " (x\(c) over \(HumanDuration.age(e.firstTimestamp, now: now)))" }
            t.rows.append([e.type ?? "", e.reason ?? "", age, e.source?.component ?? "", e.message ?? ""])
        }
        return "Events:\n" + t.render().split(separator: "\n").map { "  " + $0 + "\n" }.joined()
    }
}

extension String {
    fileprivate func trimmingTrailing() -> String {
        var s = self
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }
}
