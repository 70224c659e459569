import PVDModel
import PVDStore

/// This node's Lease in `kube-node-lease`, named for the node and held by it, as a kubelet
/// keeps one: renewing it is the cheap heartbeat (one small object, which no controller pass
/// reacts to), so the Node itself is rewritten only when its status changes.
public enum NodeLease {
    /// The namespace Kubernetes keeps node leases in.
    public static let namespace = "kube-node-lease"

    /// Creates or renews the node's lease: holder `node`, renewed `now`, for `duration`. A lease
    /// some other holder had changes hands (acquireTime now, leaseTransitions + 1). Retries a
    /// lost race a few times, as every other writer of the lease is this node too.
    @discardableResult
    public static func renew(_ node: String, in store: any ObjectStore, duration: Duration, now: MicroTime = .now()) async throws(StoreError) -> Lease {
        var lastError: StoreError?
        for _ in 0..<5 {
            do throws(StoreError) {
                let existing: Lease?
                do throws(StoreError) {
                    existing = try await store.get(Lease.self, namespace: namespace, name: node)
                } catch {
                    guard error.code == .notFound else { throw error }
                    existing = nil
                }
                if let existing {
                    return try await store.update(renewed(existing, holder: node, duration: duration, now: now))
                }
                var fresh = Lease(name: node, namespace: namespace)
                fresh.spec = LeaseSpec(
                    holderIdentity: node, leaseDurationSeconds: seconds(duration), acquireTime: now, renewTime: now, leaseTransitions: 0)
                return try await store.create(fresh)
            } catch {
                guard error.code == .conflict || error.code == .alreadyExists else { throw error }
                lastError = error
            }
        }
        throw lastError ?? StoreError(.conflict, "lease \(namespace)/\(node): renewal kept losing races")
    }

    /// The lease renewed by `holder` at `now`. Pure.
    public static func renewed(_ lease: Lease, holder: String, duration: Duration, now: MicroTime) -> Lease {
        var l = lease
        if l.spec.holderIdentity != holder {
            l.spec.holderIdentity = holder
            l.spec.acquireTime = now
            l.spec.leaseTransitions = (l.spec.leaseTransitions ?? 0) + (lease.spec.holderIdentity == nil ? 0 : 1)
        }
        l.spec.leaseDurationSeconds = seconds(duration)
        l.spec.renewTime = now
        return l
    }

    /// A duration as the lease's whole seconds, at least 1 (Kubernetes requires > 0).
    static func seconds(_ d: Duration) -> Int32 {
        Int32(clamping: max(1, d.components.seconds))
    }
}
