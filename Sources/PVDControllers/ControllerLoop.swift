import Logging
import PVDModel
import PVDStore

/// What one run of the controller loop did: for metrics and logs.
public struct ControllerRun: Sendable {
    /// The controllers the run ran.
    public var roles: ControllerRoles
    /// Queue keys that triggered the run.
    public var keys: [String]
    public var summary: ReconcileSummary
    /// Whether the run reached a fixed point (no write left to make).
    public var settled: Bool
    /// For each claim this run bound that the daemon saw being created: how long from then.
    public var bindingLatencies: [Duration]
    /// Keys queued again with backoff.
    public var retried: [String]
    /// Why the run failed, if it did.
    public var error: String?
    public var duration: Duration
}

/// The daemon's controllers: takes the keys that changed from the work queue, runs the
/// `Reconciler`'s passes over the informer's cache until nothing is left to do, and queues again
/// with backoff what failed.
///
/// The reconciler decides over whole snapshots, so one run covers every key taken; the keys
/// say that a run is needed, carry the retries, and, when all are claims and volumes, narrow
/// what the run looks at (`SnapshotFocus`). There is one loop, so a key is never
/// processed twice at once; one that changes during a run is taken again after it.
///
/// A claim whose provisioning failed is held back (the reconciler skips it) until its backoff
/// delay has passed or the claim itself changes, so other work does not retry it early.
public struct ControllerLoop: Sendable {
    public let reconciler: Reconciler
    public let informer: Informer
    public let queue: WorkQueue<String>
    let changes = ChangeLog()
    /// How long a run waits for the informer to catch up with the store before reading the store
    /// itself.
    public var catchUpLimit: Duration = .seconds(2)
    /// Why the controllers must not run now (the store's writes are stopped), or nil. While it
    /// says something, queued keys are taken and dropped: no volume is made, nothing is written.
    public var blocked: @Sendable () -> String? = { nil }
    /// Whether runs report how long claims took to become Bound. One loop per daemon should.
    public var measuresBinding = true

    /// The key the cluster loop queues itself, delayed, to look at heartbeats going stale.
    public static let nodeCheckKey = "node-lifecycle"
    /// The key the node loop queues itself, delayed, to look again at an Immediate claim it left
    /// to other nodes once its patience is out.
    public static let placementKey = "placement"
    /// How the reconciler's `attempted` set names an expansion it tried.
    static let expansionPrefix = "expand/"

    public init(reconciler: Reconciler, informer: Informer, queue: WorkQueue<String>) {
        self.reconciler = reconciler
        self.informer = informer
        self.queue = queue
    }

    /// The handler to give `Informer.run`: records the change and queues its key.
    public func enqueue(_ change: InformerChange) async {
        changes.record(change)
        await queue.add(change.key)
    }

    /// Works until the queue shuts down; a run in progress is finished first. `onRun` sees each run.
    public func run(onRun: @Sendable (ControllerRun) async -> Void = { _ in }) async {
        // Claims held back after a failed provisioning: queue key → the volume name the
        // reconciler's `attempted` set knows them by.
        var held: [String: String] = [:]
        var stopped = false
        while let batch = await queue.nextBatch() {
            var needed = false
            for key in batch {
                if held.removeValue(forKey: key) != nil { needed = true }
                if changes.needsRun(key) { needed = true }
            }
            if needed, let why = blocked() {
                needed = false
                if !stopped {
                    stopped = true
                    reconciler.logger.error("controllers stopped", metadata: ["pvd.error": "\(why)"])
                }
            }
            if needed {
                let result = await runOnce(keys: batch, held: &held)
                await onRun(result)
            }
            for key in batch { await queue.done(key) }
        }
    }

    private func runOnce(keys: [String], held: inout [String: String]) async -> ControllerRun {
        let clock = ContinuousClock()
        let started = clock.now
        var summary = ReconcileSummary()
        var latencies: [Duration] = []
        var retried: [String] = []
        let holding = Set(held.values)
        var attempted = holding
        var snapshot = await informer.snapshot()
        snapshot.focus = SnapshotFocus(keys: keys, volumes: snapshot.volumes)
        var recorder = EventRecorder(index: await informer.eventIndex())
        do {
            let (informer, store, limit, changes, measures) = (self.informer, reconciler.store, catchUpLimit, self.changes, measuresBinding)
            let handledThrough = try await reconciler.runPasses(
                &summary, snapshot: &snapshot, recorder: &recorder, attempted: &attempted,
                refresh: { revision in
                    // Someone else wrote: decide again over the cache once it has their writes,
                    // or over a fresh read if the informer lags.
                    if await informer.waitForRevision(revision, limit: limit) { return await informer.snapshot() }
                    return try await Snapshot.read(from: store)
                },
                afterPass: { s in if measures { latencies += changes.newlyBound(in: s) } })
            // Provisioning this run tried and that made no volume failed: back off.
            let tried = attempted.subtracting(holding)
            if !tried.isEmpty {
                for claim in snapshot.claims.values {
                    guard let name = ProvisionedVolumeBuilder.volumeName(for: claim), tried.contains(name) else { continue }
                    let key = Informer.key(.persistentVolumeClaim, claim.key)
                    if snapshot.volumes[name] == nil {
                        held[key] = name
                        await queue.retry(key)
                        retried.append(key)
                    } else {
                        await queue.forget(key)
                    }
                }
            }
            // An expansion this run tried that did not finish is tried again after a backoff:
            // a focused run looks only at what changed, and the claim may not change again.
            for entry in tried where entry.hasPrefix(Self.expansionPrefix) {
                let claimKey = String(entry.dropFirst(Self.expansionPrefix.count))
                let key = Informer.key(.persistentVolumeClaim, claimKey)
                if let claim = snapshot.claims[claimKey], ExpansionWork.wanted(claim) {
                    await queue.retry(key)
                    retried.append(key)
                } else {
                    await queue.forget(key)
                }
            }
            let settled = handledThrough != nil
            // Nothing writes when a heartbeat goes stale: look again when the first one will.
            if reconciler.roles.contains(.cluster),
               let next = NodeHealth.nextCheck(snapshot.nodes, leases: snapshot.nodeLeases, now: Time.now(), grace: reconciler.nodeGrace) {
                await queue.add(Self.nodeCheckKey, after: next)
            }
            if let until = summary.leftUntil {
                await queue.add(Self.placementKey, after: .seconds(max(1, until + 1 - Time.now().seconds)))
            }
            if let handledThrough {
                changes.handled(through: handledThrough)
                await queue.forget(Informer.resyncKey)
            } else {
                reconciler.logger.warning("controllers did not settle", metadata: ["pvd.passes": "\(summary.passes)"])
                await queue.retry(Informer.resyncKey)
                retried.append(Informer.resyncKey)
            }
            return ControllerRun(
                roles: reconciler.roles, keys: keys, summary: summary, settled: settled, bindingLatencies: latencies, retried: retried, error: nil,
                duration: clock.now - started)
        } catch {
            reconciler.logger.error("controller run failed", metadata: ["pvd.error": "\(error)"])
            await queue.retry(Informer.resyncKey)
            return ControllerRun(
                roles: reconciler.roles, keys: keys, summary: summary, settled: false, bindingLatencies: latencies, retried: [Informer.resyncKey],
                error: "\(error)", duration: clock.now - started)
        }
    }
}
