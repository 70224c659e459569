import Logging
import PVDModel
import PVDStore
import ServiceLifecycle
import Synchronization

/// Every Role, ClusterRole, RoleBinding and ClusterRoleBinding in the store, kept current by a
/// watch, as kube-apiserver's RBAC authorizer keeps its informers: so that allowing a request
/// reads nothing. Reading the bindings and roles for each request cost more than the rest of a
/// GET together.
///
/// The cache only ever allows. What it does not allow, the authorizer asks the store, so a
/// grant counts the moment it is written; a revocation counts once the watch brings it, within
/// milliseconds, as in Kubernetes. While the cache is not in step with the store (before its
/// first list, after its watch failed) it has no policy and every decision reads the store.
public final class RBACPolicyCache: Service, Sendable {
    let store: any ObjectStore
    let logger: Logger
    private let policy = Mutex<RBACPolicy?>(nil)

    public init(store: any ObjectStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// The policy as last seen, or nil while the cache is not in step with the store.
    var current: RBACPolicy? { policy.withLock { $0 } }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.follow() }
        policy.withLock { $0 = nil }
    }

    /// Lists, then follows the watch from where the list began; lists again when the watch
    /// fails or ends (its history compacted away: at once), waiting longer after each failure
    /// in a row.
    func follow() async {
        var failures = 0
        while !Task.isCancelled {
            var compacted = false
            do {
                let (read, revision) = try await RBACPolicy.read(from: store)
                policy.withLock { $0 = read }
                logger.debug("RBAC cache in step", metadata: ["pvd.revision": "\(revision)"])
                failures = 0
                for try await e in store.watch(RBACPolicy.kinds, after: revision) {
                    policy.withLock { $0?.apply(e.object, removed: e.type == .deleted, revision: e.revision) }
                }
                // A watch ends on its own only when its store closes or the task stops.
            } catch {
                compacted = (error as? StoreError)?.code == .compacted
                if !compacted && !Task.isCancelled {
                    logger.warning("RBAC cache out of step; decisions read the store", metadata: ["pvd.error": "\(error)"])
                }
            }
            policy.withLock { $0 = nil }
            if Task.isCancelled { return }
            failures += 1
            let wait = compacted ? Duration.zero : .milliseconds(100 * min(1 << min(failures, 6), 50))
            do { try await Task.sleep(for: wait) } catch { return }
        }
    }
}
