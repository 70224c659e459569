import PVDModel
import PVDStore

extension Admission {
    /// What an update that states the whole object (a patch applied to the stored object, or
    /// an API PUT) writes over `existing`: the apply merge's immutability rules and kept status,
    /// except that annotations and finalizers are the incoming ones and a PV's claimRef or an
    /// unbound claim's volumeName may be cleared, and managed fields the request states replace
    /// the stored ones; validated as a whole. The resourceVersion is `existing`'s, so the store's
    /// compare-and-swap refuses it if another write got in.
    public static func replace(_ existing: AnyResource, with incoming: AnyResource) throws(AdmissionError) -> AnyResource {
        var merged: AnyResource
        switch ApplyMerge.merge(existing: existing, incoming: incoming) {
        case .failure(let e): throw AdmissionError(.invalid, object: existing, causes: [e])
        case .success(let m): merged = m
        }
        if case .persistentVolume(var pv) = merged, case .persistentVolume(let d) = incoming {
            pv.spec.claimRef = d.spec.claimRef
            merged = .persistentVolume(pv)
        }
        if case .persistentVolumeClaim(var c) = merged, case .persistentVolumeClaim(let d) = incoming, c.phase != .bound {
            c.spec.volumeName = d.spec.volumeName
            merged = .persistentVolumeClaim(c)
        }
        merged.metadata.annotations = incoming.metadata.annotations
        // A patch may remove finalizers ({"metadata":{"finalizers":null}}), which apply keeps.
        merged.metadata.finalizers = incoming.metadata.finalizers
        // The API states the managed fields a write leaves (an empty list: none); other
        // writers leave them out and keep the stored ones.
        if let managed = incoming.metadata.managedFields { merged.metadata.managedFields = managed.isEmpty ? nil : managed }
        merged.metadata.resourceVersion = existing.metadata.resourceVersion
        let errors = merged.validate()
        if !errors.isEmpty { throw AdmissionError(.invalid, object: existing, causes: errors) }
        return merged
    }

    /// `replace`, then the store-aware checks (claim expansion against its class), then one
    /// compare-and-swap update. `resourceVersion`, when the request states one, must be the
    /// stored one (else Conflict, as Kubernetes); a result equal to `existing` writes nothing,
    /// and so does `dryRun`, which returns the object as it would be written.
    public static func update(
        _ existing: AnyResource, with incoming: AnyResource, resourceVersion: String?, store: any ObjectStore, dryRun: Bool = false
    ) async throws(AdmissionError) -> (object: AnyResource, changed: Bool) {
        var merged = try replace(existing, with: incoming)
        do {
            if let e = try await ExpansionAdmission.check(existing: existing, updated: merged, store: store) {
                throw AdmissionError(.invalid, object: existing, causes: [e])
            }
        } catch let e as AdmissionError {
            throw e
        } catch let e as StoreError {
            throw AdmissionError(e)
        } catch {
            throw AdmissionError(.unavailable, message: "\(error)")
        }
        if let resourceVersion, !resourceVersion.isEmpty { merged.metadata.resourceVersion = resourceVersion }
        if merged == existing { return (existing, false) }
        if dryRun {
            if let resourceVersion, !resourceVersion.isEmpty, resourceVersion != existing.metadata.resourceVersion {
                throw AdmissionError(.conflict, object: existing, message: "the object has been modified")
            }
            return (merged, true)
        }
        do {
            return (try await store.update(kind: merged), true)
        } catch {
            throw AdmissionError(error, object: existing)
        }
    }
}

extension ObjectStore {
    /// `update` of an object held as `AnyResource`, one case per kind so each stays specialized.
    public func update(kind object: AnyResource) async throws(StoreError) -> AnyResource {
        switch object {
        case .storageClass(let x): .storageClass(try await update(x))
        case .persistentVolume(let x): .persistentVolume(try await update(x))
        case .persistentVolumeClaim(let x): .persistentVolumeClaim(try await update(x))
        case .pod(let x): .pod(try await update(x))
        case .node(let x): .node(try await update(x))
        case .event(let x): .event(try await update(x))
        case .lease(let x): .lease(try await update(x))
        case .csiStorageCapacity(let x): .csiStorageCapacity(try await update(x))
        case .role(let x): .role(try await update(x))
        case .clusterRole(let x): .clusterRole(try await update(x))
        case .roleBinding(let x): .roleBinding(try await update(x))
        case .clusterRoleBinding(let x): .clusterRoleBinding(try await update(x))
        }
    }
}
