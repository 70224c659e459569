import Hummingbird
import Logging
import PVDControllers
import PVDStore
import ServiceLifecycle

/// The daemon's HTTP endpoint (hummingbird): `/healthz` (the process is up), `/readyz` (the
/// store answers, takes writes, and the informer has synced; 503 otherwise; a second line names
/// the leader) and `/metrics` (Prometheus text).
enum HealthEndpoint {
    static func application(
        listen: ListenAddress, store: any ObjectStore, storeFault: @escaping @Sendable () -> StoreFault?, informer: Informer,
        loops: LoopSet, leader: @escaping @Sendable () async -> String?, metrics: DaemonMetrics, listening: StartSignal, logger: Logger
    ) -> some Service {
        let router = Router()
        router.get("healthz") { _, _ in "ok\n" }
        router.get("readyz") { _, _ -> Response in
            var problems: [String] = []
            // The daemon's own reads keep working when its files are taken away: ask the fault.
            if let fault = storeFault() { problems.append("store: \(fault.message); writes stopped") }
            do {
                _ = try await store.currentRevision()
            } catch {
                problems.append("store: \(error)")
            }
            if !(await informer.hasSynced) { problems.append("informer: not synced yet") }
            var body = problems.isEmpty ? "ok\n" : problems.joined(separator: "\n") + "\n"
            let leading = await loops.leading
            let name = await leader()
            body += ReadinessLeader(name: name, isThisDaemon: name != nil && leading).line + "\n"
            return Response(
                status: problems.isEmpty ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
        }
        router.get("metrics") { _, _ -> Response in
            let bytes = await metrics.render(informer: informer, queues: await loops.queues())
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        var httpLogger = logger
        // Hummingbird logs every request at debug; keep that out of a daemon's info log.
        if httpLogger.logLevel < .notice { httpLogger.logLevel = max(httpLogger.logLevel, .notice) }
        return Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname(listen.host, port: listen.port)),
            onServerRunning: { _ in listening.fire() }, logger: httpLogger)
    }
}
