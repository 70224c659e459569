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

    public init() {}

    public var description: String {
        "\(bound) bound, \(released) released, \(lost) lost; \(madeAvailable) volume\(madeAvailable == 1 ? "" : "s") made available; "
            + "\(writes) writes in \(passes) pass\(passes == 1 ? "" : "es")"
            + (conflicts > 0 ? " (\(conflicts) conflicts retried)" : "")
    }
}

/// Runs the controllers over snapshots of the store until a pass finds nothing to change:
/// what `pvd reconcile --once` does, and what scripts and tests use instead of a daemon.
///
/// Each pass reads every PV, claim, class and node once, decides with the pure `Binder`
/// (volumes first, so new volumes are Available before claims are matched), and commits the
/// writes in batches, each batch one transaction with compare-and-swap on every object. A write
/// that lost a race is skipped and decided again from fresh state in the next pass.
public struct Reconciler: Sendable {
    public let store: any ObjectStore
    public let node: String
    public var logger: Logger
    /// Objects per transaction.
    public var batchSize = 1000
    /// Passes before giving up on reaching a fixed point (a controller fighting a writer).
    public var maxPasses = 20

    public init(store: any ObjectStore, node: String, logger: Logger) {
        self.store = store
        self.node = node
        self.logger = logger
    }

    /// Runs passes until one makes no write.
    public func runOnce() async throws -> ReconcileSummary {
        var summary = ReconcileSummary()
        var recorder = EventRecorder(existing: try await store.list(Event.self, namespace: nil, selector: nil).items)
        while summary.passes < maxPasses {
            summary.passes += 1
            let wrote = try await pass(&summary, recorder: &recorder)
            if wrote == 0 { break }
        }
        return summary
    }

    /// One pass; returns how many object writes it committed.
    func pass(_ summary: inout ReconcileSummary, recorder: inout EventRecorder) async throws -> Int {
        let clock = ContinuousClock()
        let t0 = clock.now
        let classes = try await store.list(StorageClass.self, namespace: nil, selector: nil).items
        let nodes = try await store.list(Node.self, namespace: nil, selector: nil).items
        let volumes = try await store.list(PersistentVolume.self, namespace: nil, selector: nil).items
        let claims = try await store.list(PersistentVolumeClaim.self, namespace: nil, selector: nil).items
        let now = Time.now()
        let t1 = clock.now
        let context = BinderContext(storageClasses: classes, nodes: nodes, claims: claims, now: now)
        let binder = Binder()

        var plan = WritePlan()
        var events: [BinderEvent] = []
        var current: [PersistentVolume] = []
        current.reserveCapacity(volumes.count)
        for pv in volumes {
            let action = binder.syncVolume(pv, context: context)
            events += action.events
            if let v = action.volume {
                plan.put(.persistentVolume(v))
                current.append(v)
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
        var index = VolumeIndex(current)
        for action in binder.matchAll(claims: claims, context: context, index: &index) {
            events += action.events
            if let v = action.volume { plan.put(.persistentVolume(v)) }
            if let c = action.claim { plan.put(.persistentVolumeClaim(c)) }
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
        let t2 = clock.now
        let committed = try await commit(plan.writes, summary: &summary)
        summary.writes += committed
        let t3 = clock.now
        try await record(events, recorder: &recorder, now: now, summary: &summary)
        logger.debug("pass timings", metadata: [
            "pvd.read": "\(t1 - t0)", "pvd.decide": "\(t2 - t1)", "pvd.commit": "\(t3 - t2)", "pvd.events": "\(clock.now - t3)",
        ])
        return committed
    }

    /// Commits object writes in batches; a batch that fails on a conflict is retried write by
    /// write so one stale object does not hold back the rest.
    private func commit(_ writes: [StoreWrite], summary: inout ReconcileSummary) async throws -> Int {
        var done = 0
        var start = 0
        while start < writes.count {
            let batch = Array(writes[start..<min(start + batchSize, writes.count)])
            start += batch.count
            if try await tryCommit(batch) {
                done += batch.count
                continue
            }
            for w in batch {
                if try await tryCommit([w]) {
                    done += 1
                } else {
                    summary.conflicts += 1
                }
            }
        }
        return done
    }

    /// Commits a batch; false when it lost a race (a stale object, one deleted or created meanwhile),
    /// which the next pass decides again from fresh state. Other failures are thrown.
    private func tryCommit(_ batch: [StoreWrite]) async throws -> Bool {
        do {
            _ = try await store.commit(batch)
            return true
        } catch {
            guard Self.lostRace(error) else { throw error }
            logger.info("write skipped, will retry", metadata: ["pvd.error": "\(error.message)"])
            return false
        }
    }

    static func lostRace(_ e: StoreError) -> Bool {
        e.code == .conflict || e.code == .notFound || e.code == .alreadyExists
    }

    private func record(_ events: [BinderEvent], recorder: inout EventRecorder, now: Time, summary: inout ReconcileSummary) async throws {
        guard !events.isEmpty else { return }
        var writes: [StoreWrite] = []
        for e in events {
            switch recorder.record(e, at: now) {
            case .create(let ev): writes.append(.create(.event(ev)))
            case .update(let ev): writes.append(.update(.event(ev)))
            }
        }
        var start = 0
        while start < writes.count {
            let batch = Array(writes[start..<min(start + batchSize, writes.count)])
            start += batch.count
            let results: [AnyResource?]
            do {
                results = try await store.commit(batch)
            } catch {
                // Events are best effort, as in Kubernetes: a lost race loses a count, nothing else.
                guard Self.lostRace(error) else { throw error }
                logger.info("events skipped", metadata: ["pvd.error": "\(error.message)"])
                continue
            }
            for case .event(let ev)? in results { recorder.committed(ev) }
            summary.events += batch.count
        }
    }
}

/// Object writes of one pass, one per object, in first-touched order: a later decision about
/// the same object replaces the earlier one (it was made from the earlier one's result).
struct WritePlan {
    private(set) var writes: [StoreWrite] = []
    private var position: [String: Int] = [:]

    mutating func put(_ object: AnyResource) {
        let key = "\(object.kind.rawValue)/\(object.key)"
        if let i = position[key] {
            writes[i] = .update(object)
        } else {
            position[key] = writes.count
            writes.append(.update(object))
        }
    }
}
