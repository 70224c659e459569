import Logging
import PVDModel
import PVDStore

/// A cache of every object the controllers use, primed by `list` and kept current by `watch`:
/// the daemon's view of the store, as a Kubernetes shared informer is a controller's view of
/// the API server.
///
/// `run` lists, then watches from the list's revision, resuming from the last revision it saw
/// when a watch ends, and lists again when that revision has been compacted away. Each change
/// is handed to `onChange` with the key a work queue uses ("PersistentVolumeClaim/ns/name"),
/// except changes to Events, which no controller acts on.
public actor Informer {
    public typealias ChangeHandler = @Sendable (InformerChange) async -> Void

    /// The key handed to `onChange` after a (re)list: everything may have changed.
    public static let resyncKey = "resync"

    private let store: any ObjectStore
    private let logger: Logger
    private var cache = InformerCache()
    /// The revision the cache reflects.
    public private(set) var revision: Int64 = 0
    /// Whether the first list has completed.
    public private(set) var hasSynced = false
    private var revisionWaiters: [Int: (revision: Int64, continuation: CheckedContinuation<Bool, Never>)] = [:]
    private var syncWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter = 0
    /// How long to wait before listing again after the store failed.
    private let retryDelay: Duration
    /// What `retryDelay` and `waitForRevision`'s limits are measured on.
    private let clock: ElapsedClock

    /// An informer over `store`; `clock` measures its waits (a test passes one it moves by hand).
    public init(
        store: any ObjectStore, logger: Logger, retryDelay: Duration = .seconds(1),
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.store = store
        self.logger = logger
        self.retryDelay = retryDelay
        self.clock = ElapsedClock(clock)
    }

    /// The queue key of an object.
    public static func key(_ kind: ResourceKind, _ objectKey: String) -> String { "\(kind.rawValue)/\(objectKey)" }

    /// Lists and watches until the task is cancelled. Store failures are logged and retried;
    /// the cache keeps serving what it last saw meanwhile.
    public func run(onChange: ChangeHandler) async {
        var needList = true
        while !Task.isCancelled {
            do {
                if needList {
                    try await relist()
                    needList = false
                    await onChange(InformerChange(key: Self.resyncKey, revision: revision, type: nil))
                }
                for try await event in store.watch(Set(ResourceKind.allCases), after: revision) {
                    apply(event)
                    // Events and leases start no run: nothing decides on an Event, and a renewed
                    // lease changes nothing until the node lifecycle's own check looks at it.
                    if event.object.kind != .event && event.object.kind != .lease {
                        await onChange(InformerChange(
                            key: Self.key(event.object.kind, event.object.key), revision: event.revision, type: event.type,
                            kind: event.object.kind))
                    }
                }
                // The watch ended without an error: only cancellation does that.
            } catch {
                if Task.isCancelled { break }
                if let e = error as? StoreError, e.code == .compacted {
                    logger.info("watch fell behind compaction, listing again", metadata: ["pvd.revision": "\(revision)"])
                } else {
                    logger.warning("watch failed, listing again", metadata: ["pvd.error": "\(error)"])
                    try? await clock.sleep(for: retryDelay)
                }
                needList = true
            }
        }
        // Nobody will move the revision any more: let waiters go.
        for (_, w) in revisionWaiters { w.continuation.resume(returning: false) }
        revisionWaiters = [:]
    }

    private func relist() async throws {
        let s = try await Snapshot.read(from: store)
        var fresh = InformerCache()
        for c in s.classes { fresh.classes[c.key] = c }
        for n in s.nodes { fresh.nodes[n.key] = n }
        for p in s.pods { fresh.pods[p.key] = p }
        fresh.nodeLeases = s.nodeLeases
        for c in s.capacities { fresh.capacities[c.key] = c }
        fresh.volumes = s.volumes
        fresh.claims = s.claims
        // Events are listed after the snapshot; one written in between is also replayed by the
        // watch from the snapshot's revision, which stores it again under the same key.
        fresh.events = SharedEventIndex(EventIndex(try await store.list(Event.self, namespace: nil, selector: nil).items))
        cache = fresh
        logger.debug("listed", metadata: ["pvd.revision": "\(s.revision)", "pvd.objects": "\(s.volumes.count + s.claims.count)"])
        advance(to: s.revision)
        if !hasSynced {
            hasSynced = true
            for (_, c) in syncWaiters { c.resume() }
            syncWaiters = [:]
        }
    }

    private func apply(_ event: WatchEvent) {
        cache.apply(event)
        // Not the last write of its revision (one etcd commit): the cache reflects the revision
        // only once the rest are in, or a run over it would count them handled unseen.
        advance(to: event.completesRevision ? event.revision : event.revision - 1)
    }

    private func advance(to r: Int64) {
        revision = max(revision, r)
        guard !revisionWaiters.isEmpty else { return }
        for (id, w) in revisionWaiters where w.revision <= revision {
            revisionWaiters[id] = nil
            w.continuation.resume(returning: true)
        }
    }

    /// Returns once the first list has completed, or when the task is cancelled.
    public func waitUntilSynced() async {
        if hasSynced { return }
        nextWaiter += 1
        let id = nextWaiter
        await withTaskCancellationHandler {
            await withCheckedContinuation { c in
                if Task.isCancelled { c.resume() } else { syncWaiters[id] = c }
            }
        } onCancel: {
            Task { await self.cancelSyncWaiter(id) }
        }
    }

    private func cancelSyncWaiter(_ id: Int) {
        syncWaiters.removeValue(forKey: id)?.resume()
    }

    /// Waits until the cache reflects `target` (true), or `limit` passes or the informer stops
    /// (false).
    public func waitForRevision(_ target: Int64, limit: Duration) async -> Bool {
        if revision >= target { return true }
        nextWaiter += 1
        let id = nextWaiter
        // The deadline is taken now, not when the timer task first runs, so the limit counts
        // from the call.
        let deadline = clock.now() + limit
        let sleepUntil = clock.sleepUntil
        let timer = Task { [weak self] in
            do { try await sleepUntil(deadline) } catch { return }
            await self?.expire(id)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { revisionWaiters[id] = (target, $0) }
    }

    private func expire(_ id: Int) {
        revisionWaiters.removeValue(forKey: id)?.continuation.resume(returning: false)
    }

    /// The controllers' view of the cache.
    func snapshot() -> Snapshot { cache.snapshot(revision: revision) }

    /// The cached events, to fold repeats into (see `EventRecorder`): shared, not copied.
    func eventIndex() -> SharedEventIndex { cache.events }

    /// How many cached objects of each kind are in each phase.
    public func phaseCounts() -> [ResourceKind: [String: Int]] { cache.phaseCounts() }
}

/// One change an informer saw: an object's queue key and the revision of the write, or (with no
/// type) the resync key after a list.
public struct InformerChange: Sendable, Equatable {
    public var key: String
    public var revision: Int64
    public var type: WatchEvent.EventType?
    public var kind: ResourceKind?

    public init(key: String, revision: Int64, type: WatchEvent.EventType?, kind: ResourceKind? = nil) {
        self.key = key
        self.revision = revision
        self.type = type
        self.kind = kind
    }
}
