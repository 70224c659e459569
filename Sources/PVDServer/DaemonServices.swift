import Logging
import PVDControllers
import PVDModel
import PVDRuntime
import PVDStore
import ServiceLifecycle

/// Runs the informer: list, then watch, until graceful shutdown; every change goes to every loop.
struct InformerService: Service, CustomStringConvertible {
    var description: String { "InformerService" }

    let informer: Informer
    let loops: LoopSet

    func run() async throws {
        let loops = self.loops
        await cancelWhenGracefulShutdown {
            await informer.run(onChange: { change in await loops.enqueue(change) })
        }
    }
}

/// Runs one controller loop, after start-up work (node registration and recovery) for the node
/// loop; on graceful shutdown the run in hand is finished and no new one starts.
struct ControllerService: Service, CustomStringConvertible {
    var description: String { "ControllerService(\(loop.reconciler.roles))" }

    let loop: ControllerLoop
    /// Whether this loop registers the node and runs start-up recovery first (the node loop's part).
    let startsUp: Bool
    let metrics: DaemonMetrics
    let logger: Logger

    func run() async throws {
        if startsUp {
            let recovered = try await loop.reconciler.startUp()
            logger.info("start-up recovery done", metadata: [
                "pvd.recovered": "\(recovered.recovered)", "pvd.missing": "\(recovered.missing)",
                "pvd.failed": "\(recovered.failed)", "pvd.orphans": "\(recovered.orphansRemoved)",
                "pvd.without-pv": "\(recovered.withoutPV.count)",
            ])
        }
        let (queue, metrics, logger) = (loop.queue, self.metrics, self.logger)
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await loop.run { run in
                    metrics.record(run)
                    let s = run.summary
                    // A big run (the first over a large store, a bulk apply) leaves freed decode
                    // buffers in malloc's arenas; give them back so an idle daemon stays small.
                    if s.writes + s.events >= 1000 || run.keys.contains(Informer.resyncKey) { MemoryTrim.run() }
                    if s.writes > 0 || s.provisioningFailures > 0 || run.error != nil {
                        logger.debug("controller run", metadata: [
                            "pvd.controllers": "\(run.roles)", "pvd.keys": "\(run.keys.count)", "pvd.writes": "\(s.writes)", "pvd.passes": "\(s.passes)",
                            "pvd.duration": "\(run.duration)",
                        ])
                    }
                }
            } onGracefulShutdown: {
                Task { await queue.shutDown() }
            }
        } onCancel: {
            Task { await queue.shutDown() }
        }
    }
}

/// Every `interval`: queues a full resync, so work that nothing re-triggers (a failed
/// deletion, a lost wake-up) is looked at again.
struct ResyncService: Service, CustomStringConvertible {
    var description: String { "ResyncService" }

    let interval: Duration
    let loops: LoopSet

    func run() async throws {
        while await Ticker.wait(interval) { await loops.resync() }
    }
}

/// Every `interval`: renews this node's Lease in `kube-node-lease` (a node with drivers only),
/// which the leader's node lifecycle reads to tell a live node from a dead one, and writes the
/// Node's Ready condition only when it needs it (marked Unknown meanwhile, or the report
/// interval passed), so heartbeats do not rewrite the Node, and start no controller pass. Then
/// it publishes the node's room per class (`StorageCapacityPublisher`), written only when it moved.
struct HeartbeatService: Service, CustomStringConvertible {
    var description: String { "HeartbeatService" }

    let interval: Duration
    /// How long a lease says it lasts: the grace the node lifecycle gives it.
    let leaseDuration: Duration
    let reconciler: Reconciler
    let logger: Logger

    func run() async throws {
        guard !reconciler.agent.drivers.isEmpty else { return }
        let node = reconciler.agent.nodeName
        var failing = false
        repeat {
            do {
                try await NodeLease.renew(node, in: reconciler.store, duration: leaseDuration)
                if try await NodeRegistration.refresh(node, in: reconciler.store) {
                    logger.debug("node status reported", metadata: ["pvd.node": "\(node)"])
                }
                try await StorageCapacityPublisher.publish(agent: reconciler.agent, store: reconciler.store, logger: logger)
                if failing { logger.info("node heartbeat renewed", metadata: ["pvd.node": "\(node)"]) }
                failing = false
            } catch {
                if !failing { logger.warning("node heartbeat failed", metadata: ["pvd.node": "\(node)", "pvd.error": "\(error)"]) }
                failing = true
            }
        } while await Ticker.wait(interval)
    }
}

/// Sleeps between a periodic service's rounds.
enum Ticker {
    /// Waits `interval`; false once graceful shutdown or cancellation ends the wait.
    static func wait(_ interval: Duration) async -> Bool {
        guard !Task.isCancelled else { return false }
        do {
            try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            return !Task.isCancelled
        } catch {
            return false
        }
    }
}

/// Tells systemd (`Type=notify`) READY=1 once the informer has synced and the HTTP endpoint
/// listens, and STOPPING=1 when shutdown begins. Listed last, so it is the first service told to stop.
struct ReadinessService: Service, CustomStringConvertible {
    var description: String { "ReadinessService" }

    let informer: Informer
    let listening: StartSignal
    /// The Kubernetes API's, when it is served.
    let apiListening: StartSignal?
    let listen: ListenAddress
    let logger: Logger

    func run() async throws {
        let (informer, listening, apiListening) = (self.informer, self.listening, self.apiListening)
        await cancelWhenGracefulShutdown {
            await informer.waitUntilSynced()
            await listening.wait()
            await apiListening?.wait()
        }
        guard !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
        let told = SystemdNotifier.notify("READY=1")
        logger.info("ready", metadata: ["pvd.listen": "\(listen)", "pvd.systemd": "\(told)"])
        try? await gracefulShutdown()
        SystemdNotifier.notify("STOPPING=1")
        logger.info("shutting down")
    }

}

/// This node's pod runtime (`runtime: runc`): the loop that runs its Pods' containers, stopped
/// with the group. Containers keep running when the daemon stops; the next start adopts them.
struct PodRuntimeService: Service, CustomStringConvertible {
    var description: String { "PodRuntimeService" }

    let runtime: PodRuntime

    func run() async throws {
        await cancelWhenGracefulShutdown { await runtime.run() }
    }
}
