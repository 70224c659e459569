import PVDModel

/// The columns `pvd get` prints for each kind: kubectl's, with its NAMESPACE column for `-A`
/// and the extra columns of `-o wide`.
public struct TablePrinter: Sendable {
    public var wide: Bool
    public var withNamespace: Bool
    public var now: Time

    public init(wide: Bool = false, withNamespace: Bool = false, now: Time = .now()) {
        self.wide = wide
        self.withNamespace = withNamespace
        self.now = now
    }

    /// The table for objects of one kind.
    public func table(kind: ResourceKind, objects: [AnyResource]) -> Table {
        var t: Table
        switch kind {
        case .storageClass:
            t = Table(headers: ["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"])
            t.rows = objects.compactMap { $0.as(StorageClass.self) }.map(row)
        case .persistentVolume:
            t = Table(headers: ["NAME", "CAPACITY", "ACCESS MODES", "RECLAIM POLICY", "STATUS", "CLAIM", "STORAGECLASS",
                                "VOLUMEATTRIBUTESCLASS", "REASON", "AGE"] + (wide ? ["VOLUMEMODE"] : []))
            t.rows = objects.compactMap { $0.as(PersistentVolume.self) }.map(row)
        case .persistentVolumeClaim:
            t = Table(headers: ["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS",
                                "VOLUMEATTRIBUTESCLASS", "AGE"] + (wide ? ["VOLUMEMODE"] : []))
            t.rows = objects.compactMap { $0.as(PersistentVolumeClaim.self) }.map(row)
        case .pod:
            t = Table(headers: ["NAME", "READY", "STATUS", "RESTARTS", "AGE"] + (wide ? ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"] : []))
            t.rows = objects.compactMap { $0.as(Pod.self) }.map(row)
        case .node:
            t = Table(headers: ["NAME", "STATUS", "ROLES", "AGE", "VERSION"])
            t.rows = objects.compactMap { $0.as(Node.self) }.map(row)
        case .event:
            t = Table(headers: ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"])
            t.rows = objects.compactMap { $0.as(Event.self) }.map(row)
        case .lease:
            t = Table(headers: ["NAME", "HOLDER", "AGE"])
            t.rows = objects.compactMap { $0.as(Lease.self) }.map(row)
        case .csiStorageCapacity:
            // kubectl's printCSIStorageCapacity: no AGE column.
            t = Table(headers: ["NAME", "STORAGECLASSNAME", "CAPACITY"])
            t.rows = objects.compactMap { $0.as(CSIStorageCapacity.self) }.map {
                [$0.metadata.name, $0.storageClassName, $0.capacity?.description ?? "<unset>"]
            }
        case .role, .clusterRole:
            // kubectl's printRole: the creation time itself, not an age.
            t = Table(headers: ["NAME", "CREATED AT"])
            t.rows = objects.map { [$0.metadata.name, $0.metadata.creationTimestamp?.rfc3339 ?? ""] }
        case .roleBinding, .clusterRoleBinding:
            t = Table(headers: ["NAME", "ROLE", "AGE"] + (wide ? ["USERS", "GROUPS", "SERVICEACCOUNTS"] : []))
            t.rows = objects.compactMap(bindingRow)
        }
        if withNamespace && kind.isNamespaced {
            t.headers.insert("NAMESPACE", at: 0)
            for (i, o) in objects.enumerated() where i < t.rows.count {
                t.rows[i].insert(o.metadata.namespace ?? "default", at: 0)
            }
        }
        return t
    }

    public static func modes(_ m: [AccessMode]?) -> String { (m ?? []).map(\.short).joined(separator: ",") }

    private func age(_ m: ObjectMeta) -> String { HumanDuration.age(m.creationTimestamp, now: now) }

    func row(_ sc: StorageClass) -> [String] {
        [sc.metadata.name + (sc.isDefault ? " (default)" : ""), sc.provisioner, sc.effectiveReclaimPolicy.rawValue,
         sc.effectiveBindingMode.rawValue, String(sc.allowVolumeExpansion ?? false), age(sc.metadata)]
    }

    func row(_ pv: PersistentVolume) -> [String] {
        let phase = pv.metadata.deletionTimestamp != nil ? "Terminating" : pv.phase.rawValue
        var claim = ""
        if let ref = pv.spec.claimRef, let name = ref.name { claim = "\(ref.namespace ?? "default")/\(name)" }
        var r = [pv.metadata.name, pv.capacity?.description ?? "", Self.modes(pv.spec.accessModes),
                 (pv.spec.persistentVolumeReclaimPolicy ?? .retain).rawValue, phase, claim, pv.className,
                 "<unset>", pv.status?.reason ?? "", age(pv.metadata)]
        if wide { r.append(pv.volumeMode.rawValue) }
        return r
    }

    func row(_ pvc: PersistentVolumeClaim) -> [String] {
        let phase = pvc.metadata.deletionTimestamp != nil ? "Terminating" : pvc.phase.rawValue
        let capacity = pvc.status?.capacity?["storage"]?.description ?? ""
        var r = [pvc.metadata.name, phase, pvc.spec.volumeName ?? "", capacity, Self.modes(pvc.status?.accessModes),
                 pvc.className, "<unset>", age(pvc.metadata)]
        if wide { r.append(pvc.volumeMode.rawValue) }
        return r
    }

    func row(_ pod: Pod) -> [String] {
        let s = PodSummary(pod)
        var r = [pod.metadata.name, "\(s.ready)/\(s.total)", s.status, "\(s.restarts)", age(pod.metadata)]
        if wide { r += ["<none>", pod.spec.nodeName ?? "<none>", "<none>", "<none>"] }
        return r
    }

    func row(_ node: Node) -> [String] {
        let ready = node.status?.conditions?.first { $0.type == "Ready" }
        let status = switch ready?.status {
        case "True": "Ready"
        case "False": "NotReady"
        default: "Unknown"
        }
        return [node.metadata.name, status, "<none>", age(node.metadata), "pvd-\(PVDVersion.string)"]
    }

    /// kubectl's printRoleBinding: `Kind/name` of the role; with -o wide the subjects by kind.
    func bindingRow(_ o: AnyResource) -> [String]? {
        let (ref, subjects): (RoleRef, [Subject])
        switch o {
        case .roleBinding(let b): (ref, subjects) = (b.roleRef, b.subjects ?? [])
        case .clusterRoleBinding(let b): (ref, subjects) = (b.roleRef, b.subjects ?? [])
        default: return nil
        }
        var r = [o.metadata.name, "\(ref.kind)/\(ref.name)", age(o.metadata)]
        if wide {
            func names(_ kind: String) -> String {
                subjects.filter { $0.kind == kind }.map { kind == "ServiceAccount" ? "\($0.namespace ?? "")/\($0.name)" : $0.name }.joined(separator: ", ")
            }
            r += [names("User"), names("Group"), names("ServiceAccount")]
        }
        return r
    }

    /// kubectl's printLease: the holder, "" when there is none.
    func row(_ l: Lease) -> [String] {
        [l.metadata.name, l.spec.holderIdentity ?? "", age(l.metadata)]
    }

    func row(_ e: Event) -> [String] {
        let kind = (e.involvedObject.kind ?? "").lowercased()
        return [HumanDuration.age(e.lastTimestamp ?? e.metadata.creationTimestamp, now: now), e.type ?? "",
                e.reason ?? "", "\(kind)/\(e.involvedObject.name ?? "")", e.message ?? ""]
    }
}
