import Foundation
import Logging
import PVDAPI
import PVDControllers
import PVDDrivers
import PVDEnvironment
import PVDEtcd
import PVDModel
import PVDRuntime
import PVDStore
import ServiceLifecycle
import UnixSignals

/// `pvd serve`: the informer, one controller loop per role (this node's controllers, and the
/// cluster-wide ones), a resync timer, the HTTP endpoint and systemd readiness, as services of
/// one `ServiceGroup` that shuts down gracefully on SIGTERM or SIGINT (the controller runs in
/// hand are finished first).
///
/// Both loops are fed by the one informer and decide over its cache; neither hands the other
/// work in memory. The node loop takes what is this node's from the store (claims annotated for
/// its provisioners and selected for it, Pods naming it), so it works the same whether the
/// cluster-wide loop runs in this daemon or another's. The cluster loop runs only while this
/// daemon leads (`LeaderService`: an etcd lease, or a lock beside the SQLite file), writing
/// through its term's fenced store, so of all the daemons on one store exactly one runs it.
public struct Daemon: Sendable {
    public let config: ServerConfig
    public let store: any ObjectStore
    /// The same store when it is SQLite, for what only SQLite has: its file checks and its fault.
    let sqlite: SQLiteStore?
    public let metrics = DaemonMetrics()
    let logger: Logger
    let informer: Informer
    /// This node's controllers: provisioner, publisher, node-side reclaim, expansion, recovery.
    let nodeLoop: ControllerLoop
    /// The reconciler of the cluster-wide controllers (consumer scheduling, protection, the
    /// binder, reclaim decisions); each term of leadership runs it through the term's store.
    let clusterReconciler: Reconciler
    /// The campaign for the cluster-wide controllers; nil for a store without elections (then
    /// this daemon runs them unconditionally).
    let election: (any LeaderElection)?
    let loops: LoopSet
    /// This node's pod runtime, with `runtime: runc`.
    let runtime: PodRuntime?

    /// Opens the store (creating it and its directory if missing) and makes this node's drivers.
    public init(config: ServerConfig, logger: Logger) throws(DaemonError) {
        self.config = config
        self.logger = logger
        let env = config.environment
        var options = env.storeOptions(create: true)
        // The informer holds every object already: SQLite's own page cache only serves writes
        // and the watch's reads of recent changes, so it is kept small.
        options.cacheMiB = 8
        options.fallbackPollInterval = config.pollInterval
        options.logger = logger
        do {
            // An etcd store is only named here; `run` checks it answers before anything starts.
            store = try NodeEnvironment.openStore(at: env.store, options, etcd: EtcdStore.open)
        } catch {
            throw DaemonError(error.message)
        }
        // The file checks and the fault are SQLite's; etcd keeps its own.
        sqlite = store as? SQLiteStore
        if sqlite != nil { try Self.quickCheck(env.store, logger: logger) }
        let agent: NodeAgent
        do {
            agent = try env.nodeAgent(logger: logger)
        } catch {
            throw DaemonError(error.message)
        }
        var reconciler = Reconciler(store: store, agent: agent, logger: logger)
        if let grace = config.orphanGrace { reconciler.orphanGrace = grace }
        reconciler.nodeGrace = config.nodeGrace
        let informer = Informer(store: store, logger: logger)
        self.informer = informer
        let blocked: @Sendable () -> String? = { [sqlite] in sqlite?.fault.map { "\($0.message); writes stopped" } }
        func loop(_ roles: ControllerRoles, _ label: String) -> ControllerLoop {
            var r = reconciler
            r.roles = roles
            r.logger[metadataKey: "pvd.controllers"] = "\(label)"
            var loop = ControllerLoop(reconciler: r, informer: informer, queue: WorkQueue())
            loop.blocked = blocked
            return loop
        }
        nodeLoop = loop(.node, "node")
        var cluster = reconciler
        cluster.roles = .cluster
        cluster.logger[metadataKey: "pvd.controllers"] = "cluster"
        clusterReconciler = cluster
        if config.runtime == .runc {
            guard ToolInvocation.locate("runc") != nil else {
                throw DaemonError("--runtime runc: runc not found on PATH (install Debian's runc)")
            }
            var runtimeLogger = logger
            runtimeLogger[metadataKey: "pvd.controllers"] = "runtime"
            runtime = PodRuntime(store: store, nodeName: agent.nodeName, root: env.root, logger: runtimeLogger)
        } else {
            runtime = nil
        }
        loops = LoopSet(node: nodeLoop, runtime: runtime)
        do {
            election = try store.leaderElection(LeaderElectionConfig(identity: agent.nodeName, ttl: config.leaderLease), logger: logger)
        } catch {
            throw DaemonError("--leader-lease: \(error.message)")
        }
    }

    /// A cluster loop writing through `store` (a term's fenced store, or the store itself).
    func clusterLoop(on store: any ObjectStore) -> ControllerLoop {
        var loop = ControllerLoop(reconciler: clusterReconciler.using(store), informer: informer, queue: WorkQueue())
        loop.blocked = nodeLoop.blocked
        // A claim's time to Bound is measured once, by the node loop, which sees every bind
        // (its own, and the binder's through the informer).
        loop.measuresBinding = false
        return loop
    }

    /// The Kubernetes API over this daemon's store, admitting pvd's own classes with this node's drivers.
    private func apiService(_ api: APIServerConfig, signal: StartSignal) throws(DaemonError) -> some Service {
        let agent = nodeLoop.reconciler.agent
        let (logger, metrics) = (logger, metrics)
        do {
            return try APIServer.service(
                config: api, store: store, classCheck: ClassDirectoryAdmission.classCheck(agent), hosts: [agent.nodeName, Hostname.current()],
                onListening: {
                    logger.info("API listening", metadata: ["pvd.api.listen": "\(api.address)"])
                    signal.fire()
                },
                observe: { status, took in metrics.recordAPIRequest(status: status, duration: took) },
                watching: { metrics.recordAPIWatch($0) }, logger: logger)
        } catch {
            throw DaemonError(error.message)
        }
    }

    /// `PRAGMA quick_check` before anything reads or writes: a damaged page the daemon would
    /// never read at start (old history, say) would otherwise go unnoticed while it writes on.
    /// About a second per 150k objects (see README); the full check runs later, periodically.
    static func quickCheck(_ path: String, logger: Logger) throws(DaemonError) {
        let started = ContinuousClock.now
        let problems: [String]
        do {
            problems = try SQLiteStore.integrityProblems(path: path, .quick)
        } catch {
            throw DaemonError(error.description)
        }
        if !problems.isEmpty {
            let fault = StoreFault.corrupt(path: path, check: .quick, problems: problems)
            throw DaemonError("\(fault.message); pvd does not start on a damaged store. \(fault.consequence)")
        }
        logger.debug("store checked", metadata: ["pvd.store": "\(path)", "pvd.duration": "\(ContinuousClock.now - started)"])
    }

    /// The cluster-wide controllers' service: the campaign, or (a store without elections) the
    /// cluster loop itself.
    private func clusterService() async -> ServiceGroupConfiguration.ServiceConfiguration {
        guard let election else {
            let loop = clusterLoop(on: store)
            await loops.lead(with: loop)
            return .init(service: ControllerService(loop: loop, startsUp: false, metrics: metrics, logger: logger), successTerminationBehavior: .gracefullyShutdownGroup)
        }
        let makeLoop: @Sendable (any ObjectStore) -> ControllerLoop = { [self] store in clusterLoop(on: store) }
        return .init(
            service: LeaderService(election: election, makeLoop: makeLoop, loops: loops, metrics: metrics, logger: logger),
            successTerminationBehavior: .gracefullyShutdownGroup)
    }

    /// Runs until SIGTERM or SIGINT; returns once every service has stopped. Throws when a
    /// service fails (the store becomes unusable at start, the address is taken).
    public func run() async throws {
        let listening = StartSignal()
        let http = HealthEndpoint.application(
            listen: config.listen, store: store, storeFault: { [sqlite] in sqlite?.fault }, informer: informer, loops: loops,
            leader: { [election, nodeLoop] in
                guard let election else { return nodeLoop.reconciler.agent.nodeName }
                return try? await election.currentLeader()
            },
            metrics: metrics, listening: listening, logger: logger)
        // Graceful shutdown stops them in reverse order, each after the one below it has ended:
        // readiness (STOPPING=1) first, the informer last, so the controller run in hand still
        // has its cache. A service that ends on its own is finished with; one that fails ends
        // the daemon.
        // An etcd store is checked before anything starts: an unreachable cluster or a prefix that
        // holds another program's keys stops the daemon here, with nothing written.
        let etcd = store as? EtcdStore
        if let etcd {
            do {
                try await etcd.verify(claiming: true)
            } catch {
                throw DaemonError(error.description)
            }
        }
        typealias Configured = ServiceGroupConfiguration.ServiceConfiguration
        let apiListening = config.api == nil ? nil : StartSignal()
        var services: [Configured] = [
            Configured(service: InformerService(informer: informer, loops: loops), successTerminationBehavior: .gracefullyShutdownGroup),
            Configured(
                service: ControllerService(loop: nodeLoop, startsUp: true, metrics: metrics, logger: logger),
                successTerminationBehavior: .gracefullyShutdownGroup),
            await clusterService(),
            Configured(service: ResyncService(interval: config.resyncInterval, loops: loops), successTerminationBehavior: .ignore),
            Configured(
                service: HeartbeatService(interval: config.heartbeatInterval, leaseDuration: config.nodeGrace, reconciler: nodeLoop.reconciler, logger: logger),
                successTerminationBehavior: .ignore),
            Configured(service: http, successTerminationBehavior: .gracefullyShutdownGroup),
            Configured(
                service: ReadinessService(informer: informer, listening: listening, apiListening: apiListening, listen: config.listen, logger: logger),
                successTerminationBehavior: .ignore),
        ]
        if let api = config.api, let apiListening {
            // Beside the health endpoint, stopped before it: the API is the users' way in.
            services.insert(Configured(service: try apiService(api, signal: apiListening), successTerminationBehavior: .gracefullyShutdownGroup), at: services.count - 2)
        }
        if let sqlite {
            // The SQLite file's own watch: a log or file taken away, a damaged page.
            services.insert(Configured(
                service: StoreGuardService(
                    store: sqlite, fileCheckInterval: config.fileCheckInterval, integrityInterval: config.integrityInterval,
                    metrics: metrics, logger: logger),
                successTerminationBehavior: .ignore), at: 5)
        }
        if let etcd {
            // Listed first, so it is the last service told to stop.
            services.insert(Configured(service: EtcdCompactorService(store: etcd), successTerminationBehavior: .ignore), at: 0)
        }
        if let runtime {
            // After the informer and the node loop, so it stops before them.
            services.insert(
                Configured(service: PodRuntimeService(runtime: runtime), successTerminationBehavior: .gracefullyShutdownGroup),
                at: etcd == nil ? 2 : 3)
        }
        logger.info("starting", metadata: [
            "pvd.store": "\(config.environment.store)", "pvd.root": "\(config.environment.root)", "pvd.node": "\(nodeLoop.reconciler.agent.nodeName)",
            "pvd.listen": "\(config.listen)", "pvd.runtime": "\(config.runtime.rawValue)",
        ])
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        // Lost or unseen writes are never a clean exit: systemd's Restart=on-failure and any
        // script that checks the status must see it.
        if let sqlite, let fault = sqlite.fault {
            let revision = (try? await sqlite.currentRevision()).map { " at revision \($0)" } ?? ""
            logger.error("stopped, the store's writes stopped", metadata: ["pvd.store": "\(config.environment.store)", "pvd.reason": "\(fault.reason.rawValue)"])
            throw DaemonError("\(fault.message); writes stopped\(revision). \(fault.consequence)")
        }
        logger.info("stopped")
    }
}

/// Why the daemon could not start.
public struct DaemonError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
