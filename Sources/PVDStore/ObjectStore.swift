import Logging
import PVDModel

/// Where pvd keeps its objects, with Kubernetes' optimistic-concurrency semantics.
///
/// Every write bumps one global revision; an object's `resourceVersion` is the revision of its
/// last write. Updates are compare-and-swap on `resourceVersion`. The store assigns `uid`,
/// `creationTimestamp`, `resourceVersion` and `generation`, and keeps `deletionTimestamp` once set.
public protocol ObjectStore: Sendable {
    /// Creates an object; fails with `.alreadyExists` if the name is taken.
    func create<R: Resource>(_ object: R) async throws(StoreError) -> R

    /// Reads one object; fails with `.notFound`.
    func get<R: Resource>(_ type: R.Type, namespace: String?, name: String) async throws(StoreError) -> R

    /// Lists objects of a kind, optionally in one namespace (nil: all) and matching a label selector,
    /// ordered by namespace then name, with the revision the list was read at.
    func list<R: Resource>(_ type: R.Type, namespace: String?, selector: LabelSelector?) async throws(StoreError) -> ObjectList<R>

    /// Up to `limit` objects of a kind in list order after `after` (nil: from the start), no
    /// selector, with the revision read at and whether more follow: one page's read of a paged
    /// list. The default lists everything and cuts; SQLite reads just the range.
    func listRange<R: Resource>(_ type: R.Type, namespace: String?, after: ListCursor?, limit: Int) async throws(StoreError) -> ListRange<R>

    /// Replaces an object if its `resourceVersion` is still current, else fails with `.conflict`.
    /// An update that leaves an object being deleted without finalizers removes it (and returns it
    /// as last seen).
    func update<R: Resource>(_ object: R) async throws(StoreError) -> R

    /// Deletes an object: while it has finalizers this only sets `deletionTimestamp` (returning the
    /// object); otherwise it is removed (returning nil). With `uid`, fails with `.conflict` if the
    /// stored object has another uid.
    func delete<R: Resource>(_ type: R.Type, namespace: String?, name: String, uid: String?) async throws(StoreError) -> R?

    /// Applies several writes in one transaction: all of them, or (on the first failure) none.
    /// Returns each write's result (nil for an object that is gone).
    func commit(_ writes: [StoreWrite]) async throws(StoreError) -> [AnyResource?]

    /// The latest revision.
    func currentRevision() async throws(StoreError) -> Int64

    /// The latest revision, as a reader of one kind in one namespace (nil: every namespace) can
    /// learn it: where a watch of that collection starts. A client of the API asks that
    /// collection, which its user may read when it may watch it; a store knows it anyway.
    func currentRevision(for kind: ResourceKind, namespace: String?) async throws(StoreError) -> Int64

    /// The most writes one `commit` takes (nil: no limit of the store's own). Callers that
    /// split their work into batches anyway keep each batch within it.
    var maxWritesPerCommit: Int? { get }

    /// How far one successful `commit` of `writes` writes moves the revision: each write its
    /// own (SQLite, the default), or one for the whole transaction (etcd). A controller that
    /// counts its own commits tells from it whether anyone else wrote meanwhile.
    func revisions(committing writes: Int) -> Int64

    /// Every write to objects of these kinds after `revision`, in order, then new writes as they
    /// happen, until the task is cancelled. Fails with `.compacted` when `revision` is older than
    /// the history the store still holds.
    func watch(_ kinds: Set<ResourceKind>, after revision: Int64) -> AsyncThrowingStream<WatchEvent, any Error>

    /// Whether the store runs Kubernetes' admission on every write itself (a client of an API
    /// server): then a writer leaves the checks that read other objects (the default class,
    /// expansion against the class) to it, and reads nothing its user may not be allowed to.
    var admitsWrites: Bool { get }

    /// `watch` of one kind in one namespace (nil: every namespace; ignored for cluster-scoped
    /// kinds). A reader allowed one namespace only (a client of the API) can still watch it.
    func watch(_ kind: ResourceKind, namespace: String?, after revision: Int64) -> AsyncThrowingStream<WatchEvent, any Error>

    /// The election for this store's cluster-wide controllers; nil where the backend has none
    /// (a leader's fenced store has none of its own). Fails with `.invalid` for a config the
    /// backend cannot honour (a TTL that is too short).
    func leaderElection(_ config: LeaderElectionConfig, logger: Logger) throws(StoreError) -> (any LeaderElection)?
}

extension ObjectStore {
    public var maxWritesPerCommit: Int? { nil }

    public func revisions(committing writes: Int) -> Int64 { Int64(writes) }

    public var admitsWrites: Bool { false }

    public func currentRevision(for kind: ResourceKind, namespace: String?) async throws(StoreError) -> Int64 {
        try await currentRevision()
    }

    /// The kind's watch, its events of other namespaces left out.
    public func watch(_ kind: ResourceKind, namespace: String?, after revision: Int64) -> AsyncThrowingStream<WatchEvent, any Error> {
        let all = watch([kind], after: revision)
        guard let namespace, kind.isNamespaced else { return all }
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await e in all where e.object.metadata.namespace == namespace { continuation.yield(e) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func leaderElection(_ config: LeaderElectionConfig, logger: Logger) throws(StoreError) -> (any LeaderElection)? { nil }
}

/// One write of a `commit`.
public enum StoreWrite: Sendable {
    case create(AnyResource)
    case update(AnyResource)
    /// Deletes (see `ObjectStore.delete`); with `uid` or `resourceVersion`, only while the
    /// stored object still has them, else `.conflict`, decided inside the commit.
    case delete(kind: ResourceKind, namespace: String?, name: String, uid: String?, resourceVersion: String? = nil)
}

/// Objects of one kind and the revision they were read at.
public struct ObjectList<R: Resource>: Sendable {
    public var items: [R]
    public var revision: Int64
    public init(items: [R], revision: Int64) {
        self.items = items
        self.revision = revision
    }
}

/// A change seen by `watch`.
public struct WatchEvent: Sendable, Equatable {
    public enum EventType: String, Sendable { case added = "ADDED", modified = "MODIFIED", deleted = "DELETED" }
    public var type: EventType
    /// The object after the write; for DELETED, as it was when removed.
    public var object: AnyResource
    public var revision: Int64
    /// Whether this is the last event of its revision. One etcd commit gives all its writes one
    /// revision, and their events come one by one: a cache that counted the revision as reached
    /// at the first of them would let a reader see "revision R" without R's other writes.
    public var completesRevision: Bool
    public init(type: EventType, object: AnyResource, revision: Int64, completesRevision: Bool = true) {
        self.type = type
        self.object = object
        self.revision = revision
        self.completesRevision = completesRevision
    }
}

/// Why a store operation failed, with a message that names the object.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case notFound, alreadyExists, conflict, invalid, compacted
        /// The store cannot be opened or used: missing, corrupt, locked, unreadable.
        case unavailable
        /// A write through a leader's store after its term ended (another daemon may lead
        /// now): nothing was written. Not a lost race to retry: the writer must stop leading.
        case fenced
    }
    public var code: Code
    public var message: String
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { message }
}
