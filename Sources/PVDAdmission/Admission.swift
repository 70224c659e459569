import PVDModel
import PVDStore

/// The one admission path of every write a user makes, whether through `pvd apply` or the API:
/// settle the namespace and drop what the store owns, validate, then create (defaulted, the
/// default class filled in) or merge over what is stored (Kubernetes' immutability rules, claim
/// expansion), check new or changed classes' directories, and write everything in one
/// transaction or nothing.
public enum Admission {
    /// The directory check of a new or changed StorageClass (`ClassDirectoryAdmission` in
    /// PVDControllers, which needs this node's drivers). Admission itself knows no drivers, so
    /// the caller hands it in.
    public struct ClassCheck: Sendable {
        /// Whether the check concerns this class at all (one of this node's provisioners):
        /// the stored volumes are read only when some class is concerned.
        public var concerns: @Sendable (StorageClass) -> Bool
        /// The refusal for the class among every class as it will be and the stored volumes.
        public var check: @Sendable (StorageClass, [StorageClass], [PersistentVolume]) -> ValidationError?
        public init(
            concerns: @escaping @Sendable (StorageClass) -> Bool,
            check: @escaping @Sendable (StorageClass, [StorageClass], [PersistentVolume]) -> ValidationError?
        ) {
            self.concerns = concerns
            self.check = check
        }
    }

    /// What a write may do to an object that is already stored.
    public enum Mode: Sendable {
        /// `pvd apply`, `kubectl apply`: create, or merge over what is stored (labels replaced,
        /// annotations added, controller-written fields kept).
        case apply
        /// POST: create only; a stored object of that name is AlreadyExists.
        case create
    }

    /// What happened to one object.
    public struct Outcome: Sendable {
        public enum Kind: String, Sendable { case created, configured, unchanged }
        public var outcome: Kind
        /// The object as stored after the commit (as it was, when unchanged).
        public var object: AnyResource
        /// For the user once the write is committed (applying to an object being deleted).
        public var warning: String?
    }

    /// The outcomes, in the order of the objects given, and warnings about the store as a whole.
    public struct Result: Sendable {
        public var outcomes: [Outcome]
        public var warnings: [String]
    }

    /// Validates every object and settles namespaces. Throws on the first document with
    /// errors, naming the document, the object and each bad field. Objects are checked on
    /// every core when there are many; the first error is the same as checking them in order.
    public static func prepare(_ objects: [ManifestObject], namespace: String?) throws(AdmissionError) -> [ManifestObject] {
        let parts = Concurrently.map(Concurrently.ranges(objects.count, minimum: 4096)) { range in
            settle(objects[range], namespace: namespace)
        }
        var out: [ManifestObject] = []
        out.reserveCapacity(objects.count)
        var seen: Set<Identity> = []
        for part in parts {
            for m in part.objects {
                guard seen.insert(Identity(m.object)).inserted else {
                    throw AdmissionError(.badRequest, location: m.location, object: m.object, message: "appears more than once in this apply")
                }
                out.append(m)
            }
            if let failure = part.failure { throw failure }
        }
        return out
    }

    /// The objects of an apply as their kind, namespace and name: one may appear once.
    private struct Identity: Hashable {
        var kind: ResourceKind
        var namespace: String?
        var name: String
        init(_ o: AnyResource) {
            kind = o.kind
            namespace = o.metadata.namespace
            name = o.metadata.name
        }
    }

    /// Some objects settled and validated, up to the first that failed.
    private struct Settled: Sendable {
        var objects: [ManifestObject] = []
        var failure: AdmissionError?
    }

    private static func settle(_ objects: ArraySlice<ManifestObject>, namespace: String?) -> Settled {
        var settled = Settled()
        settled.objects.reserveCapacity(objects.count)
        for var m in objects {
            var meta = m.object.metadata
            if m.object.kind.isNamespaced {
                if let ns = namespace, let own = meta.namespace, own != ns {
                    settled.failure = AdmissionError(.badRequest, location: m.location, object: m.object, message: "the namespace from the provided object \"\(own)\" does not match the namespace \"\(ns)\". You must pass '--namespace=\(own)' to perform this operation.")
                    return settled
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
                settled.failure = AdmissionError(.invalid, location: m.location, object: m.object, causes: errors)
                return settled
            }
            settled.objects.append(m)
        }
        return settled
    }

    /// Writes prepared objects in one transaction, planning again a few times if another writer
    /// got in between the reads and the commit. `dryRun` runs every check and writes nothing
    /// (the outcomes then hold the objects as they would be written).
    public static func write(
        _ objects: [ManifestObject], to store: any ObjectStore, mode: Mode = .apply, classCheck: ClassCheck? = nil, dryRun: Bool = false
    ) async throws(AdmissionError) -> Result {
        var attempt = 0
        while true {
            attempt += 1
            do {
                var (writes, outcomes, classes) = try await plan(objects, store: store, mode: mode, classCheck: classCheck, dryRun: dryRun)
                if !writes.isEmpty && !dryRun {
                    let stored = try await store.commit(writes.map(\.write))
                    for (i, w) in writes.enumerated() { if let s = stored[i] { outcomes[w.outcome].object = s } }
                }
                writes.removeAll()
                return Result(outcomes: outcomes, warnings: Self.concernsDefaults(objects) ? defaultClassWarnings(classes) : [])
            } catch let e as StoreError where (e.code == .conflict || (e.code == .alreadyExists && mode == .apply)) && attempt < 5 {
                // Another writer got in between: plan again from what is stored now.
                continue
            } catch let e as StoreError {
                throw AdmissionError(e)
            } catch let e as AdmissionError {
                throw e
            } catch {
                throw AdmissionError(.unavailable, message: "\(error)")
            }
        }
    }

    /// Whether the write makes a class or a claim that names none: then it is worth saying
    /// which class is the default, when several are.
    private static func concernsDefaults(_ objects: [ManifestObject]) -> Bool {
        objects.contains { m in
            switch m.object {
            case .storageClass: true
            case .persistentVolumeClaim(let c): c.spec.storageClassName == nil
            default: false
            }
        }
    }

    /// Kubernetes allows several default classes and uses the newest; it is still worth saying.
    /// `classes` are the stored ones with this write's applied (none when the server admits).
    private static func defaultClassWarnings(_ classes: [StorageClass]) -> [String] {
        let defaults = classes.filter(\.isDefault)
        guard defaults.count > 1, let chosen = Defaulting.defaultClass(among: classes) else { return [] }
        let names = defaults.map(\.metadata.name).sorted().joined(separator: ", ")
        return ["\(defaults.count) StorageClasses are marked default (\(names)); claims that name no class get the newest, \(chosen.metadata.name)"]
    }

    /// The writes, each object's outcome, and the classes as they will be once the writes land.
    private static func plan(
        _ objects: [ManifestObject], store: any ObjectStore, mode: Mode, classCheck: ClassCheck?, dryRun: Bool
    ) async throws -> ([(write: StoreWrite, outcome: Int)], [Outcome], [StorageClass]) {
        var writes: [(write: StoreWrite, outcome: Int)] = []
        var outcomes: [Outcome] = []
        // A server that admits writes itself defaults, checks expansion against classes and
        // warns; reading its classes here would need a right the write itself does not.
        let serverAdmits = store.admitsWrites
        // A create that is written needs no read first: the store refuses a name that is taken,
        // and that refusal is the answer. A dry run writes nothing, so it must look.
        let looks = mode != .create || dryRun
        // The classes are read only when something here is decided by them: a class written, a
        // claim that names none (the default), a claim that may be an expansion of a stored one.
        let readsClasses = !serverAdmits && objects.contains { m in
            switch m.object {
            case .storageClass: true
            case .persistentVolumeClaim(let c): looks || c.spec.storageClassName == nil
            default: false
            }
        }
        var classes = readsClasses ? try await store.list(StorageClass.self, namespace: nil, selector: nil).items : []
        var admitted: [(location: String, storageClass: StorageClass)] = []
        let stored = try await ExistingObjects(for: looks ? objects : [], store: store)
        writes.reserveCapacity(objects.count)
        outcomes.reserveCapacity(objects.count)
        for m in objects {
            let obj = m.object
            let existing = looks ? try await stored.find(obj, store: store) : nil
            if let existing {
                if mode == .create {
                    throw AdmissionError(.alreadyExists, object: obj, message: "\(obj.kind.qualifiedPlural) \"\(obj.metadata.name)\" already exists")
                }
                switch ApplyMerge.merge(existing: existing, incoming: obj) {
                case .failure(let e):
                    throw AdmissionError(.invalid, location: m.location, object: obj, causes: [e])
                case .success(var merged):
                    if !serverAdmits, let e = ExpansionAdmission.check(existing: existing, updated: merged, classes: classes) {
                        throw AdmissionError(.invalid, location: m.location, object: obj, causes: [e])
                    }
                    if case .storageClass(let sc) = merged, let i = classes.firstIndex(where: { $0.metadata.name == sc.metadata.name }) {
                        // A claim later in this apply is admitted against the class as it will be.
                        classes[i] = sc
                    }
                    merged.metadata.resourceVersion = existing.metadata.resourceVersion
                    let warning = terminatingWarning(existing, m)
                    if merged == existing {
                        outcomes.append(Outcome(outcome: .unchanged, object: existing, warning: warning))
                    } else {
                        if case .storageClass(let sc) = merged { admitted.append((m.location, sc)) }
                        writes.append((.update(merged), outcomes.count))
                        outcomes.append(Outcome(outcome: .configured, object: merged, warning: warning))
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
                writes.append((.create(created), outcomes.count))
                outcomes.append(Outcome(outcome: .created, object: created))
            }
        }
        try await admitClassDirectories(admitted, classes: classes, store: store, classCheck: classCheck)
        return (writes, outcomes, classes)
    }

    /// Refuses the write when a new or changed class would keep its volumes where they could
    /// land on, in or around what another class, a volume or pvd itself keeps. The volumes are
    /// read only when there is such a class.
    private static func admitClassDirectories(
        _ admitted: [(location: String, storageClass: StorageClass)], classes: [StorageClass], store: any ObjectStore, classCheck: ClassCheck?
    ) async throws {
        guard let classCheck, admitted.contains(where: { classCheck.concerns($0.storageClass) }) else { return }
        let volumes = try await store.list(PersistentVolume.self, namespace: nil, selector: nil).items
        for (location, sc) in admitted {
            if let e = classCheck.check(sc, classes, volumes) {
                throw AdmissionError(.invalid, location: location, object: .storageClass(sc), causes: [e])
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
