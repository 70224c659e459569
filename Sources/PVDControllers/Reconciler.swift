import Logging
import PVDModel
import PVDStore

/// What one `reconcile --once` did.
public struct ReconcileSummary: Sendable, CustomStringConvertible {
    public var bound = 0
    public var released = 0
    public var lost = 0
    public var madeAvailable = 0
    public var writes = 0
    public var events = 0
    public var conflicts = 0
    public var passes = 0
    /// Claims the binder decided, summed over the passes; the others' last decision still held.
    public var decided = 0
    public var provisioned = 0
    public var provisioningFailures = 0
    public var deleted = 0
    public var recycled = 0
    /// Pod volumes made reachable (bind mounts, device nodes, remounts) and pod entries removed.
    public var published = 0
    public var unpublished = 0
    public var expanded = 0
    public var expansionFailures = 0
    /// Seconds each successful provisioning took (driver work plus recording the PV), in order.
    public var provisionSeconds: [Double] = []
    /// What recovery did before the first pass.
    public var recovery = RecoverySummary()
    /// Where the passes spent their time, summed over all passes.
    public var timings = PassTimings()
    /// When the earliest Immediate claim this node left to others runs out of patience
    /// (seconds since the epoch): then it must look again, as nothing else may change meanwhile.
    public var leftUntil: Int64?

    public init() {}

    public var description: String {
        var parts = ["\(bound) bound, \(released) released, \(lost) lost"]
        if provisioned > 0 || provisioningFailures > 0 || deleted > 0 {
            parts.append("\(provisioned) provisioned, \(provisioningFailures) failed, \(deleted) deleted")
        }
        if recycled > 0 {
            parts.append("\(recycled) recycled")
        }
        if published > 0 || unpublished > 0 {
            parts.append("\(published) pod volume\(published == 1 ? "" : "s") published, \(unpublished) unpublished")
        }
        if expanded > 0 || expansionFailures > 0 {
            parts.append("\(expanded) expanded, \(expansionFailures) expansion\(expansionFailures == 1 ? "" : "s") failed")
        }
        let r = recovery
        if r.recovered > 0 || r.missing > 0 || r.failed > 0 || r.orphansRemoved > 0 {
            parts.append("\(r.recovered) recovered, \(r.missing) missing, \(r.failed) not recoverable, \(r.orphansRemoved) orphans removed")
        }
        if !r.withoutPV.isEmpty {
            parts.append("\(r.withoutPV.count) volume\(r.withoutPV.count == 1 ? "" : "s") kept without a PV")
        }
        parts.append("\(madeAvailable) volume\(madeAvailable == 1 ? "" : "s") made available")
        return parts.joined(separator: "; ") + "; \(writes) writes in \(passes) pass\(passes == 1 ? "" : "es")"
            + (conflicts > 0 ? " (\(conflicts) conflicts retried)" : "")
    }
}

/// Wall time a reconcile spent in each part of its passes, summed over the passes: what a
/// benchmark breaks its figure down by.
public struct PassTimings: Sendable {
    /// Listing and decoding the store into a snapshot (the first, and any re-read).
    public var read: Duration = .zero
    /// Deciding: the pure controllers over the snapshot, and ordering the writes.
    public var decide: Duration = .zero
    /// Committing the object writes.
    public var commit: Duration = .zero
    /// Recording events: what is left of it once the object writes are done (the two run
    /// alongside each other).
    public var events: Duration = .zero
    /// Provisioning, publishing, reclaiming and expanding: the node's own work.
    public var node: Duration = .zero

    public init() {}
}

/// Runs the controllers of its `roles` over snapshots of the store until a pass finds nothing to
/// change: what `pvd reconcile --once` does (every role), what scripts and tests use instead of a
/// daemon, and what each of the daemon's runners does with one role.
///
/// Each pass reads every PV, claim, class and node once, decides with the pure `Binder`
/// (volumes first, so new volumes are Available before claims are matched; a claim whose last
/// decision still holds is skipped, see `BindingMemo`), and commits the
/// writes in batches, each batch one transaction with compare-and-swap on every object. A write
/// that lost a race is skipped and decided again from fresh state in the next pass. The node
/// controllers then take their work from the snapshot as committed: the claims the binder
/// annotated for one of this node's provisioners, the Pods that name this node.
///
/// A pass that writes nothing and loses no race is the fixed point, whether or not someone else
/// wrote meanwhile: other writers' changes reach a daemon's runners through the informer and
/// start a run of their own, so a runner never waits for the store to fall silent.
public struct Reconciler: Sendable {
    public private(set) var store: any ObjectStore
    public let agent: NodeAgent
    public var logger: Logger
    /// Objects per transaction.
    public var batchSize = 1000
    /// Passes before giving up on reaching a fixed point (a controller fighting a writer).
    public var maxPasses = 20
    /// How long a backing with no PV and no claim waiting for it must have been left unchanged
    /// before recovery removes it: long enough that nothing is still being made there.
    public var orphanGrace: Duration = .seconds(300)
    /// The controllers this reconciler runs.
    public var roles: ControllerRoles = .all
    /// How old a node's heartbeat may be before the node counts as not Ready (see `NodeHealth`).
    public var nodeGrace: Duration = NodeHealth.defaultGrace
    /// How long a node without room for a new Immediate claim leaves it to the others (see `ImmediatePlacement`).
    public var placementPatience: Duration = ImmediatePlacement.defaultPatience
    /// The binder's decisions that wrote nothing, shared by this reconciler's copies.
    let memo = BindingMemoBox()

    public init(store: any ObjectStore, agent: NodeAgent, logger: Logger) {
        self.store = store
        self.agent = agent
        self.logger = logger
    }

    /// This reconciler with its writes (and reads) going through `store` instead: a leader's
    /// term runs the cluster-wide controllers through the term's fenced store.
    public func using(_ store: any ObjectStore) -> Reconciler {
        var r = self
        r.store = store
        return r
    }

    /// A reconciler for a node with no drivers: binding only.
    public init(store: any ObjectStore, node: String, logger: Logger) {
        self.init(store: store, agent: NodeAgent(nodeName: node), logger: logger)
    }

    /// Runs passes until one makes no write.
    public func runOnce() async throws -> ReconcileSummary {
        var summary = ReconcileSummary()
        summary.recovery = try await startUp()
        var recorder = try await timed(\.read, &summary) {
            EventRecorder(existing: try await store.list(Event.self, namespace: nil, selector: nil).items)
        }
        var snapshot = try await timed(\.read, &summary) { try await Snapshot.read(from: store) }
        var attempted: Set<String> = []
        _ = try await runPasses(
            &summary, snapshot: &snapshot, recorder: &recorder, attempted: &attempted,
            refresh: { [store] _ in try await Snapshot.read(from: store) }, afterPass: { _ in })
        return summary
    }

    /// Runs `body`, adding its wall time to one of the summary's timings.
    func timed<T>(
        _ part: WritableKeyPath<PassTimings, Duration>, _ summary: inout ReconcileSummary, _ body: () async throws -> T
    ) async rethrows -> T {
        let clock = ContinuousClock()
        let start = clock.now
        defer { summary.timings[keyPath: part] += clock.now - start }
        return try await body()
    }

    /// One pass over the snapshot, running the controllers of `roles`.
    func pass(
        _ summary: inout ReconcileSummary, snapshot: inout Snapshot, recorder: inout EventRecorder, attempted: inout Set<String>
    ) async throws -> PassOutcome {
        let own = RevisionCount()
        return try await Self.$ownRevisions.withValue(own) {
            try await pass(&summary, snapshot: &snapshot, recorder: &recorder, attempted: &attempted, own: own)
        }
    }

    /// The revisions this pass's own commits took, counted by `tryCommit`; a task-local so that
    /// every commit of the pass, in child tasks too, counts without a parameter through each.
    @TaskLocal static var ownRevisions: RevisionCount?

    private func pass(
        _ summary: inout ReconcileSummary, snapshot: inout Snapshot, recorder: inout EventRecorder, attempted: inout Set<String>,
        own: RevisionCount
    ) async throws -> PassOutcome {
        let clock = ContinuousClock()
        let t1 = clock.now
        let now = Time.now()
        let revisionBefore = snapshot.revision
        let objectWritesBefore = summary.writes
        let conflictsBefore = summary.conflicts
        var lost = false
        if roles.contains(.cluster) {
            lost = try await decideAndCommit(&summary, snapshot: &snapshot, recorder: &recorder, now: now)
        }
        let t2 = clock.now
        if roles.contains(.node) {
            try await provision(provisioningWork(snapshot), snapshot: &snapshot, recorder: &recorder, summary: &summary, attempted: &attempted)
            try await publishPods(snapshot: snapshot, recorder: &recorder, summary: &summary)
        }
        try await reclaim(snapshot: &snapshot, recorder: &recorder, summary: &summary, attempted: &attempted)
        if roles.contains(.node) {
            try await expand(snapshot: &snapshot, recorder: &recorder, summary: &summary, attempted: &attempted)
        }
        summary.timings.node += clock.now - t2
        let expected = revisionBefore + own.value
        let actual = try await store.currentRevision()
        snapshot.revision = actual
        logger.debug("pass timings", metadata: [
            "pvd.roles": "\(roles)", "pvd.cluster": "\(t2 - t1)", "pvd.node": "\(clock.now - t2)",
        ])
        return PassOutcome(
            wrote: summary.writes - objectWritesBefore, lost: lost || summary.conflicts > conflictsBefore,
            foreign: actual != expected, seenThrough: revisionBefore)
    }

    /// The cluster-wide controllers' part of a pass: consumer scheduling and protection, then
    /// the binder's decisions committed alongside their events. Returns whether a write lost a race.
    private func decideAndCommit(
        _ summary: inout ReconcileSummary, snapshot: inout Snapshot, recorder: inout EventRecorder, now: Time
    ) async throws -> Bool {
        let clock = ContinuousClock()
        let t1 = clock.now
        try await markStaleNodes(snapshot: &snapshot, summary: &summary, now: now)
        try await scheduleConsumers(snapshot: &snapshot, summary: &summary)
        try await protect(snapshot: &snapshot, summary: &summary)
        // Decided in a function of its own, so the claims, the index and the actions it works
        // with are freed before the writes start: only the writes and the events live on.
        let (decided, events) = await decide(snapshot: snapshot, summary: &summary, now: now)
        var ordered = consume decided
        WritePlan.sortInStoreOrder(&ordered)
        let t2 = clock.now
        // Events go to the store alongside the object writes, not after them: the writer
        // connection then always has a batch of one or the other ready. As in Kubernetes, an
        // event may land before the object change it reports.
        let eventWrites = eventWrites(consume events, recorder: &recorder, now: now)
        // A pass small enough for one transaction writes its objects and new events in one: a
        // bind is then one commit, not a volumes' and a claims' and an events'. All or nothing,
        // so the volumes-first order below has nothing to protect; on a lost race the careful
        // path below runs after all.
        if !ordered.isEmpty, ordered.count + eventWrites.count <= max(1, min(batchSize, store.maxWritesPerCommit ?? batchSize)) {
            let creates = eventWrites.filter { if case .create = $0 { true } else { false } }
            if let results = try await tryCommit(ordered + creates) {
                snapshot.apply(ordered, results: Array(results.prefix(ordered.count)))
                summary.writes += ordered.count
                let t3 = clock.now
                summary.events += creates.count
                summary.events += try await commitEvents(eventWrites.filter { if case .create = $0 { false } else { true } })
                summary.timings.decide += t2 - t1
                summary.timings.commit += t3 - t2
                summary.timings.events += clock.now - t3
                return false
            }
        }
        async let eventsCommitted = commitEvents(eventWrites)
        let (committed, lost) = try await commit(consume ordered, snapshot: &snapshot, summary: &summary)
        summary.writes += committed
        let t3 = clock.now
        summary.events += try await eventsCommitted
        summary.timings.decide += t2 - t1
        summary.timings.commit += t3 - t2
        summary.timings.events += clock.now - t3
        return lost
    }

    /// The binder's decisions of one pass over the snapshot: the object writes and the events to
    /// record. Claims whose last decision still holds (`BindingMemo`) are not decided again.
    func decide(
        snapshot: Snapshot, summary: inout ReconcileSummary, now: Time
    ) async -> (writes: [StoreWrite], events: [BinderEvent]) {
        let context = BinderContext(storageClasses: snapshot.classes, nodes: snapshot.nodes, claimsByKey: snapshot.claims, now: now)
        let binder = Binder()

        var plan = WritePlan(volumes: snapshot.volumes.count)
        var events: [BinderEvent] = []
        var current: [PersistentVolume] = []
        current.reserveCapacity(snapshot.volumes.count)
        var changed: Set<String> = []
        for pv in snapshot.volumes.values {
            let action = binder.syncVolume(pv, context: context)
            events += action.events
            if let v = action.volume {
                plan.put(v)
                current.append(v)
                changed.insert(pv.metadata.name)
                switch action.outcome {
                case .available: summary.madeAvailable += 1
                case .released: summary.released += 1
                default: break
                }
                logger.info("volume \(action.outcome)", metadata: ["pvd.pv": "\(pv.metadata.name)"])
            } else {
                current.append(pv)
            }
        }
        var memo = memo.take()
        defer { self.memo.store(memo) }
        // A volume this pass changes is not yet what the snapshot holds: no Pending decision
        // made before can stand on it.
        let world = changed.isEmpty ? BindingWorld(volumes: snapshot.volumes, classes: snapshot.classes, nodes: snapshot.nodes) : nil
        // Only the claims in focus can have changed since a pass that left every claim settled
        // in this same world; otherwise every claim is checked against its entry.
        let candidates = world != nil && memo.settledWorld == world ? snapshot.claimsInFocus : snapshot.claims
        memo.settledWorld = nil
        memo.prune(keeping: snapshot.claims)
        var claims: [PersistentVolumeClaim] = []
        claims.reserveCapacity(candidates.count)
        for (key, claim) in candidates
        where !memo.holds(claim, key: key, world: world, volumes: snapshot.volumes, changed: changed, now: now.seconds) {
            claims.append(claim)
        }
        summary.decided += claims.count
        guard !claims.isEmpty else {
            memo.settledWorld = world
            return (plan.take(), events)
        }
        let claimActions = await binder.matchAll(claims: claims, volumes: current, context: context)
        var settled = true
        for action in claimActions {
            let kept = snapshot.claims[action.claimKey].map {
                memo.record(action, claim: $0, world: world, volumes: snapshot.volumes, changed: changed, now: now.seconds)
            }
            if kept != true { settled = false }
            events += action.events
            if let v = action.volume { plan.put(v) }
            if let c = action.claim { plan.put(c) }
            guard action.volume != nil || action.claim != nil else { continue }
            switch action.outcome {
            case .bound(let volume):
                if action.claim?.phase == .bound && context.claim(key: action.claimKey)?.phase != .bound {
                    summary.bound += 1
                    logger.info("claim bound", metadata: ["pvd.pvc": "\(action.claimKey)", "pvd.pv": "\(volume)"])
                }
            case .lost:
                summary.lost += 1
                logger.info("claim lost", metadata: ["pvd.pvc": "\(action.claimKey)"])
            default:
                break
            }
        }
        // Every decision wrote nothing and so left an entry, which the claims skipped have too.
        if settled { memo.settledWorld = world }
        return (plan.take(), events)
    }

    /// Commits object writes in batches; a batch that fails on a conflict is retried write by
    /// write so one stale object does not hold back the rest. Returns the writes committed and
    /// whether any lost a race.
    ///
    /// Batches are pipelined: while one is being written, the next is already being encoded (the
    /// store encodes before it takes its write lock), so encoding and writing overlap. The writes of
    /// a pass touch distinct objects, so the order the batches commit in does not matter.
    ///
    /// Volumes go first, as Kubernetes writes a bind: a claim is written bound to a volume only
    /// once that volume's write committed, so a lost race never leaves a claim pointing at a
    /// volume that is not bound to it (which the next pass would have to call Lost).
    private func commit(_ writes: [StoreWrite], snapshot: inout Snapshot, summary: inout ReconcileSummary) async throws -> (Int, Bool) {
        var volumes: [StoreWrite] = [], others: [StoreWrite] = []
        for w in writes {
            if case .update(.persistentVolume) = w { volumes.append(w) } else { others.append(w) }
        }
        let (v, lostVolumes, failedVolumes) = try await commitBatches(volumes, snapshot: &snapshot, summary: &summary)
        if !failedVolumes.isEmpty {
            others.removeAll { w in
                guard case .update(.persistentVolumeClaim(let c)) = w, let name = c.spec.volumeName else { return false }
                return failedVolumes.contains(name) && c.phase == .bound
            }
        }
        let (o, lostOthers, _) = try await commitBatches(others, snapshot: &snapshot, summary: &summary)
        return (v + o, lostVolumes || lostOthers || !failedVolumes.isEmpty)
    }

    /// `commit` for one group of writes; also returns the names of volumes whose write lost.
    func commitBatches(
        _ writes: [StoreWrite], snapshot: inout Snapshot, summary: inout ReconcileSummary
    ) async throws -> (Int, Bool, Set<String>) {
        var failedVolumes: Set<String> = []
        var done = 0
        var lost = false
        var failed: [Range<Int>] = []
        try await pipelined(writes) { range, results in
            if let results {
                snapshot.apply(writes[range], results: results)
                done += range.count
            } else {
                failed.append(range)
            }
        }
        for range in failed.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            for w in writes[range] {
                if let results = try await tryCommit([w]) {
                    snapshot.apply(CollectionOfOne(w), results: results)
                    done += 1
                } else {
                    summary.conflicts += 1
                    lost = true
                    if case .update(.persistentVolume(let pv)) = w { failedVolumes.insert(pv.metadata.name) }
                }
            }
        }
        return (done, lost, failedVolumes)
    }

    /// How many batches `pipelined` keeps in flight: one being written, one being encoded.
    static let pipelineDepth = 2

    /// Commits `writes` in batches of `batchSize`, up to `pipelineDepth` at once, and hands each
    /// batch's range and results (nil when it lost a race) to `body` as it completes.
    func pipelined(
        _ writes: [StoreWrite], _ body: (Range<Int>, [AnyResource?]?) throws -> Void
    ) async throws {
        if writes.isEmpty { return }
        // Within what the store takes in one transaction (etcd: --max-txn-ops).
        let size = max(1, min(batchSize, store.maxWritesPerCommit ?? batchSize))
        if writes.count <= size {
            try body(0..<writes.count, try await tryCommit(writes))
            return
        }
        try await withThrowingTaskGroup(of: (Range<Int>, [AnyResource?]?).self) { group in
            var start = 0
            func launch() {
                let range = start..<min(start + size, writes.count)
                start = range.upperBound
                let batch = Array(writes[range])
                group.addTask { (range, try await self.tryCommit(batch)) }
            }
            while start < writes.count && start < size * Self.pipelineDepth { launch() }
            while let (range, results) = try await group.next() {
                if start < writes.count { launch() }
                try body(range, results)
            }
        }
    }

    /// Commits a batch; nil when it lost a race (a stale object, one deleted or created meanwhile),
    /// which the next pass decides again from fresh state. Other failures are thrown.
    func tryCommit(_ batch: [StoreWrite]) async throws -> [AnyResource?]? {
        do {
            let results = try await store.commit(batch)
            Self.ownRevisions?.add(store.revisions(committing: batch.count))
            return results
        } catch {
            guard Self.lostRace(error) else { throw error }
            logger.info("write skipped, will retry", metadata: ["pvd.error": "\(error.message)"])
            return nil
        }
    }

    static func lostRace(_ e: StoreError) -> Bool {
        e.code == .conflict || e.code == .notFound || e.code == .alreadyExists
    }

    /// Writes the pass's events; returns how many writes committed.
    func record(_ events: [BinderEvent], recorder: inout EventRecorder, now: Time, summary: inout ReconcileSummary) async throws -> Int {
        let committed = try await commitEvents(eventWrites(events, recorder: &recorder, now: now))
        summary.events += committed
        return committed
    }

    /// The store writes that record these events (new ones, or a repeat's count raised), in
    /// store order.
    func eventWrites(_ events: [BinderEvent], recorder: inout EventRecorder, now: Time) -> [StoreWrite] {
        var writes: [StoreWrite] = []
        writes.reserveCapacity(events.count)
        for e in events {
            switch recorder.record(e, at: now) {
            case .create(let ev)?: writes.append(.create(.event(ev)))
            case .update(let ev)?: writes.append(.update(.event(ev)))
            case nil: break
            }
        }
        WritePlan.sortInStoreOrder(&writes)
        return writes
    }

    /// Commits event writes; returns how many committed.
    func commitEvents(_ writes: [StoreWrite]) async throws -> Int {
        var committed = 0
        try await pipelined(writes) { range, results in
            // Events are best effort, as in Kubernetes: a lost race loses a count, nothing else.
            // Every event here came from `recorder.record`, which folds any repeat of it by key
            // without looking the stored version up: nothing to hand back to the recorder.
            guard results != nil else { return }
            committed += range.count
        }
        return committed
    }
}

/// Object writes of one pass, one per object, in first-touched order: a later decision about
/// the same volume replaces the earlier one (it was made from the earlier one's result).
///
/// A pass decides a volume up to twice (its own sync, then the claim that binds it), so volumes
/// are tracked by name. A claim is decided once (the binder gives one action per claim), so
/// claims are only appended: no key to build and look up for each of them.
struct WritePlan {
    private(set) var writes: [StoreWrite] = []
    private var volumePosition: [String: Int] = [:]
    #if DEBUG
    private var claimKeys: Set<String> = []
    #endif

    /// An empty plan with room for about this many volume writes.
    init(volumes: Int = 0) {
        volumePosition.reserveCapacity(volumes)
    }

    /// The writes, leaving the plan empty.
    mutating func take() -> [StoreWrite] {
        volumePosition = [:]
        #if DEBUG
        claimKeys = []
        #endif
        defer { writes = [] }
        return writes
    }

    mutating func put(_ volume: PersistentVolume) {
        let name = volume.metadata.name
        if let i = volumePosition[name] {
            writes[i] = .update(.persistentVolume(volume))
        } else {
            volumePosition[name] = writes.count
            writes.append(.update(.persistentVolume(volume)))
        }
    }

    mutating func put(_ claim: PersistentVolumeClaim) {
        #if DEBUG
        assert(claimKeys.insert(claim.key).inserted, "claim \(claim.key) decided twice in one pass")
        #endif
        writes.append(.update(.persistentVolumeClaim(claim)))
    }

    /// Orders writes the way the store lays rows out, so each batch touches a run of
    /// neighbouring rows, a few pages, instead of a page per row scattered over the table: far
    /// fewer pages to write to the log and to checkpoint. The writes are of distinct objects,
    /// so their order changes nothing but which revision each one gets. Sorts in place: the
    /// writes are big values, and a second array of them would be a second copy of the plan.
    ///
    /// SQLite keeps a row where it was inserted, so an object's row sits in the order objects
    /// were created, not in key order. Updates go by kind, then resourceVersion: for an object
    /// not written since it was created (every claim and volume of a bulk bind) that is its
    /// creation order exactly. Creates and deletes go by key.
    static func sortInStoreOrder(_ writes: inout [StoreWrite]) {
        // One key per write (NUL sorts before every character of a name), sorted with the
        // write's position: comparing keys borrowed in place is cheap.
        var keyed = writes.indices.map { i -> (kind: String, revision: Int64, key: String, position: Int) in
            switch writes[i] {
            case .update(let o):
                if let rv = o.metadata.resourceVersion.flatMap({ Int64($0) }) { return (o.kind.rawValue, rv, "", i) }
                return (o.kind.rawValue, Int64.max, Self.key(o.kind, o.metadata.namespace, o.metadata.name), i)
            case .create(let o):
                return (o.kind.rawValue, Int64.max, Self.key(o.kind, o.metadata.namespace, o.metadata.name), i)
            case .delete(let kind, let namespace, let name, _, _):
                return (kind.rawValue, Int64.max, Self.key(kind, namespace, name), i)
            }
        }
        keyed.sort { a, b in
            if a.kind != b.kind { return a.kind < b.kind }
            if a.revision != b.revision { return a.revision < b.revision }
            return a.key < b.key
        }
        // destination[p]: where the write now at p belongs. Swapping each into place moves the
        // values without copying them.
        var destination = [Int](repeating: 0, count: writes.count)
        for (i, k) in keyed.enumerated() { destination[k.position] = i }
        keyed = []
        for i in writes.indices {
            while destination[i] != i {
                let d = destination[i]
                writes.swapAt(i, d)
                destination.swapAt(i, d)
            }
        }
    }

    private static func key(_ kind: ResourceKind, _ namespace: String?, _ name: String) -> String {
        "\(kind.isNamespaced ? (namespace ?? "default") : "")\u{0}\(name)"
    }
}
