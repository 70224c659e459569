import Logging
import PVDControllers
import PVDModel
import PVDStore
import ServiceLifecycle

/// Runs the informer: list, then watch, until graceful shutdown.
struct InformerService: Service, CustomStringConvertible {
    var description: String { "InformerService" }

    let informer: Informer
    let loop: ControllerLoop

    func run() async throws {
        let loop = self.loop
        await cancelWhenGracefulShutdown {
            await informer.run(onChange: { change in await loop.enqueue(change) })
        }
    }
}

/// Runs start-up work, then the controller loop; on graceful shutdown the run in hand is
/// finished and no new one starts.
struct ControllerService: Service, CustomStringConvertible {
    var description: String { "ControllerService" }

    let loop: ControllerLoop
    let metrics: DaemonMetrics
    let logger: Logger

    func run() async throws {
        let recovered = try await loop.reconciler.startUp()
        logger.info("start-up recovery done", metadata: [
            "pvd.recovered": "\(recovered.recovered)", "pvd.missing": "\(recovered.missing)",
            "pvd.failed": "\(recovered.failed)", "pvd.orphans": "\(recovered.orphansRemoved)",
            "pvd.without-pv": "\(recovered.withoutPV.count)",
        ])
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
                            "pvd.keys": "\(run.keys.count)", "pvd.writes": "\(s.writes)", "pvd.passes": "\(s.passes)",
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

/// Every `interval`: refreshes this node's heartbeat and queues a full resync, so work that
/// nothing re-triggers (a failed deletion, a lost wake-up) is looked at again.
struct ResyncService: Service, CustomStringConvertible {
    var description: String { "ResyncService" }

    let interval: Duration
    let loop: ControllerLoop
    let logger: Logger

    func run() async throws {
        let reconciler = loop.reconciler
        while !Task.isCancelled {
            do {
                let interval = self.interval
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            if !reconciler.agent.drivers.isEmpty {
                do {
                    try await NodeRegistration.register(reconciler.agent.nodeName, in: reconciler.store)
                } catch {
                    logger.warning("node heartbeat failed", metadata: ["pvd.node": "\(reconciler.agent.nodeName)", "pvd.error": "\(error)"])
                }
            }
            await loop.queue.add(Informer.resyncKey)
        }
    }
}

/// Tells systemd (`Type=notify`) READY=1 once the informer has synced and the HTTP endpoint
/// listens, and STOPPING=1 when shutdown begins. Listed last, so it is the first service told to stop.
struct ReadinessService: Service, CustomStringConvertible {
    var description: String { "ReadinessService" }

    let informer: Informer
    let listening: StartSignal
    let listen: ListenAddress
    let logger: Logger

    func run() async throws {
        let (informer, listening) = (self.informer, self.listening)
        await cancelWhenGracefulShutdown {
            await informer.waitUntilSynced()
            await listening.wait()
        }
        guard !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
        let told = SystemdNotifier.notify("READY=1")
        logger.info("ready", metadata: ["pvd.listen": "\(listen)", "pvd.systemd": "\(told)"])
        try? await gracefulShutdown()
        SystemdNotifier.notify("STOPPING=1")
        logger.info("shutting down")
    }

}
