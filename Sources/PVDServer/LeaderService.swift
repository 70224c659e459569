import Logging
import PVDControllers
import PVDStore
import ServiceLifecycle

/// Campaigns for the store's cluster-wide controllers and runs them while this daemon leads:
/// a cluster loop over the term's fenced store, fed by the informer like the node loop. When
/// the term ends (its lease lost, or not renewed in time) the loop is stopped, before another
/// daemon can lead, and the campaign starts again; any write it still makes is refused by the
/// store's fence. On graceful shutdown the run in hand is finished, then leadership is given up
/// at once, so another daemon takes over without waiting out the lease.
struct LeaderService: Service, CustomStringConvertible {
    var description: String { "LeaderService" }

    let election: any LeaderElection
    /// The cluster loop for a term: its reconciler writes through the term's store.
    let makeLoop: @Sendable (any ObjectStore) -> ControllerLoop
    let loops: LoopSet
    let metrics: DaemonMetrics
    let logger: Logger

    func run() async throws {
        let identity = election.identity
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let term: any LeaderTerm
            do {
                term = try await cancelWhenGracefulShutdown { try await election.campaign() }
            } catch is CancellationError {
                return
            } catch {
                // The store cannot hold an election at all (it refused the lease): nothing
                // here would lead, so the daemon must not look healthy.
                logger.error("leader election failed", metadata: ["pvd.error": "\(error)"])
                throw error
            }
            if Task.isCancelled || Task.isShuttingDownGracefully {
                await term.resign()
                return
            }
            let loop = makeLoop(term.store)
            await loops.lead(with: loop)
            metrics.recordLeadership(true)
            logger.notice("leading the cluster-wide controllers", metadata: ["pvd.leader": "\(identity)"])
            await loop.queue.add(Informer.resyncKey)
            let metrics = self.metrics
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await loop.run { run in metrics.record(run) }
                }
                // Returns when the term ends, or when shutdown begins (cancelling the wait).
                await cancelWhenGracefulShutdown { await term.ended() }
                // Ended, or shutting down: no new run starts; the run in hand finishes (its
                // writes, if the term is over, are refused by the fence).
                await loop.queue.shutDown()
                await group.waitForAll()
            }
            await loops.lead(with: nil)
            metrics.recordLeadership(false)
            if Task.isCancelled || Task.isShuttingDownGracefully {
                await term.resign()
                logger.notice("leadership given up", metadata: ["pvd.leader": "\(identity)"])
                return
            }
            logger.warning("leadership lost; campaigning again", metadata: ["pvd.leader": "\(identity)"])
        }
    }
}
