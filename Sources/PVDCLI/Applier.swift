import PVDControllers
import PVDModel
import PVDStore

/// Turns manifests into one all-or-nothing store commit: validation first, then create or
/// merge each object against what the store holds, then a single transaction.
enum Applier {
    /// What happened to one object.
    struct Result {
        enum Outcome: String { case created, configured, unchanged }
        var kind: ResourceKind
        var name: String
        var outcome: Outcome
        /// A warning for stderr, printed once the apply is committed.
        var warning: String? = nil
    }

    /// Validates every object and settles namespaces. Throws on the first document with errors,
    /// naming the document, the object and each bad field.
    static func prepare(_ objects: [ManifestObject], namespace: String?) throws -> [ManifestObject] {
        var out: [ManifestObject] = []
        var seen: Set<String> = []
        for var m in objects {
            var meta = m.object.metadata
            if m.object.kind.isNamespaced {
                if let ns = namespace, let own = meta.namespace, own != ns {
                    throw CLIError("\(m.location): \(m.object.displayName): the namespace from the provided object \"\(own)\" does not match the namespace \"\(ns)\". You must pass '--namespace=\(own)' to perform this operation.")
                }
                meta.namespace = meta.namespace ?? namespace ?? "default"
            } else {
                meta.namespace = nil
            }
            // The store owns these; a manifest exported with them must not smuggle them in.
            meta.uid = nil
            meta.resourceVersion = nil
            meta.generation = nil
            meta.creationTimestamp = nil
            meta.deletionTimestamp = nil
            m.object.metadata = meta
            let errors = m.object.validate()
            if !errors.isEmpty {
                let lines = errors.map { "\(m.location): \(m.object.displayName): \($0.field): \($0.message)" }
                throw CLIError(lines.joined(separator: "\nerror: "))
            }
            let id = "\(m.object.kind.rawValue)/\(m.object.key)"
            guard seen.insert(id).inserted else {
                throw CLIError("\(m.location): \(m.object.displayName): appears more than once in this apply")
            }
            out.append(m)
        }
        return out
    }

    /// Writes the objects in one transaction, retrying a few times if another writer got in
    /// between the reads and the commit.
    /// `agent` (this node's drivers) admits the directories of pvd's own StorageClasses
    /// (`ClassDirectoryAdmission`); nil skips that.
    static func apply(_ objects: [ManifestObject], to store: any ObjectStore, agent: NodeAgent? = nil) async throws -> [Result] {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let (writes, results) = try await plan(objects, store: store, agent: agent)
                if !writes.isEmpty { _ = try await store.commit(writes) }
                try await warnAboutDefaultClasses(store: store)
                return results
            } catch let e as StoreError where (e.code == .conflict || e.code == .alreadyExists) && attempt < 5 {
                // Another writer got in between: plan again from what is stored now.
                continue
            } catch let e as StoreError {
                throw CLIError(e.message)
            }
        }
    }

    /// Kubernetes allows several default classes and uses the newest; it is still worth saying.
    private static func warnAboutDefaultClasses(store: any ObjectStore) async throws {
        let classes = try await store.list(StorageClass.self, namespace: nil, selector: nil).items
        let defaults = classes.filter(\.isDefault)
        guard defaults.count > 1, let chosen = Defaulting.defaultClass(among: classes) else { return }
        let names = defaults.map(\.metadata.name).sorted().joined(separator: ", ")
        printError("Warning: \(defaults.count) StorageClasses are marked default (\(names)); claims that name no class get the newest, \(chosen.metadata.name)")
    }

    private static func plan(_ objects: [ManifestObject], store: any ObjectStore, agent: NodeAgent?) async throws -> ([StoreWrite], [Result]) {
        var writes: [StoreWrite] = []
        var results: [Result] = []
        var classes = try await store.list(StorageClass.self, namespace: nil, selector: nil).items
        var admitted: [(location: String, storageClass: StorageClass)] = []
        let stored = try await ExistingObjects(for: objects, store: store)
        writes.reserveCapacity(objects.count)
        results.reserveCapacity(objects.count)
        for m in objects {
            let obj = m.object
            let existing = try await stored.find(obj, store: store)
            let name = obj.metadata.name
            if let existing {
                switch ApplyMerge.merge(existing: existing, incoming: obj) {
                case .failure(let e):
                    throw CLIError("\(m.location): \(obj.displayName): \(e.field): \(e.message)")
                case .success(var merged):
                    if let e = ExpansionAdmission.check(existing: existing, updated: merged, classes: classes) {
                        throw CLIError("\(m.location): \(obj.displayName): \(e.field): \(e.message)")
                    }
                    if case .storageClass(let sc) = merged, let i = classes.firstIndex(where: { $0.metadata.name == sc.metadata.name }) {
                        // A claim later in this apply is admitted against the class as it will be.
                        classes[i] = sc
                    }
                    merged.metadata.resourceVersion = existing.metadata.resourceVersion
                    let warning = terminatingWarning(existing, m)
                    if merged == existing {
                        results.append(Result(kind: obj.kind, name: name, outcome: .unchanged, warning: warning))
                    } else {
                        if case .storageClass(let sc) = merged { admitted.append((m.location, sc)) }
                        writes.append(.update(merged))
                        results.append(Result(kind: obj.kind, name: name, outcome: .configured, warning: warning))
                    }
                }
            } else {
                var created = Defaulting.forCreate(obj)
                if case .persistentVolumeClaim(var pvc) = created, pvc.spec.storageClassName == nil,
                   let def = Defaulting.defaultClass(among: classes) {
                    // The DefaultStorageClass admission rule: a claim that names no class gets the default.
                    pvc.spec.storageClassName = def.metadata.name
                    created = .persistentVolumeClaim(pvc)
                }
                if case .storageClass(var sc) = created {
                    sc.metadata.creationTimestamp = Time.now()
                    classes.append(sc)
                    admitted.append((m.location, sc))
                }
                writes.append(.create(created))
                results.append(Result(kind: obj.kind, name: name, outcome: .created))
            }
        }
        try await admitClassDirectories(admitted, classes: classes, store: store, agent: agent)
        return (writes, results)
    }

    /// Refuses the apply when a new or changed class of this node's drivers would keep its
    /// volumes where they could land on, in or around what another class, a volume or pvd
    /// itself keeps. The volumes are read only when there is such a class.
    private static func admitClassDirectories(
        _ admitted: [(location: String, storageClass: StorageClass)], classes: [StorageClass], store: any ObjectStore, agent: NodeAgent?
    ) async throws {
        guard let agent, admitted.contains(where: { agent.driver(for: $0.storageClass.provisioner) != nil }) else { return }
        let volumes = try await store.list(PersistentVolume.self, namespace: nil, selector: nil).items
        for (location, sc) in admitted {
            if let e = ClassDirectoryAdmission.check(sc, classes: classes, volumes: volumes, agent: agent) {
                throw CLIError("\(location): \(AnyResource.storageClass(sc).displayName): \(e.field): \(e.message)")
            }
        }
    }

    /// Applying to an object being deleted updates it, as in Kubernetes, but does not bring it
    /// back: it still goes once its finalizers are removed. kubectl says only "configured"; the
    /// warning says what a user who meant to re-create it needs to know.
    private static func terminatingWarning(_ existing: AnyResource, _ m: ManifestObject) -> String? {
        guard existing.metadata.deletionTimestamp != nil else { return nil }
        let finalizers = (existing.metadata.finalizers ?? []).joined(separator: ", ")
        let which = finalizers.isEmpty ? "" : " (\(finalizers))"
        return "\(m.location): \(existing.displayName) is being deleted (Terminating); apply does not stop that: it goes once its finalizers\(which) are removed"
    }
}
