import PVDModel

/// A store that can take objects as another store holds them, keeping what a normal create
/// would assign anew (uid, creationTimestamp, deletionTimestamp, generation, finalizers,
/// status): what `pvd store copy` writes with. Only the resourceVersion is the target's own.
public protocol RestorableStore: ObjectStore {
    /// Writes `objects` as they are but for their resourceVersion, in one transaction: all of
    /// them or none. Without `replacing`, an object whose name is taken fails the whole call
    /// with `.alreadyExists`; with it, the stored object of that name is overwritten.
    /// Callers pass at most `restoreBatchLimit` objects per call.
    func restore(_ objects: [AnyResource], replacing: Bool) async throws(StoreError)

    /// How many objects one `restore` call may hold (nil: no limit of the store's own).
    var restoreBatchLimit: Int? { get }
}
