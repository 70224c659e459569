import Logging
import PVDStore
import ServiceLifecycle

/// Watches the store under the running daemon: every `fileCheckInterval` that its database and
/// log are still the files it opened (see `SQLiteStore.checkFiles`), and every
/// `integrityInterval` (unless zero) a full `PRAGMA integrity_check`. The first fault stops the
/// store's writes (it refuses every commit from then on), is logged and counted, and makes
/// `/readyz` fail; the controllers stop running and the daemon exits non-zero when told to stop.
struct StoreGuardService: Service, CustomStringConvertible {
    var description: String { "StoreGuardService" }

    let store: SQLiteStore
    let fileCheckInterval: Duration
    let integrityInterval: Duration
    let metrics: DaemonMetrics
    let logger: Logger

    func run() async throws {
        let clock = ContinuousClock()
        var nextIntegrity = integrityInterval > .zero ? clock.now + integrityInterval : nil
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let pause = fileCheckInterval
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
            } catch {
                return
            }
            // A commit may have found the fault first; it is reported here either way.
            var fault = store.checkFiles()
            if fault == nil, let due = nextIntegrity, clock.now >= due {
                fault = await checkIntegrity()
                nextIntegrity = clock.now + integrityInterval
            }
            if let fault {
                metrics.recordStoreFault(fault)
                logger.error("not ready: the store's writes are stopped", metadata: [
                    "pvd.store": "\(store.path)", "pvd.reason": "\(fault.reason.rawValue)", "pvd.error": "\(fault.message)",
                ])
                // A fault is for good: nothing is left to watch until the daemon is restarted.
                return
            }
        }
    }

    /// One full check; the fault it found (writes already stopped), or nil. A check that could
    /// not run (the file busy for long) is logged and tried again at the next interval.
    private func checkIntegrity() async -> StoreFault? {
        let started = ContinuousClock.now
        let problems: [String]
        do {
            problems = try await store.integrityProblems(.full)
        } catch {
            logger.warning("store integrity check did not run", metadata: ["pvd.store": "\(store.path)", "pvd.error": "\(error)"])
            return nil
        }
        let took = ContinuousClock.now - started
        metrics.recordIntegrityCheck(took)
        guard !problems.isEmpty else {
            logger.debug("store integrity checked", metadata: ["pvd.store": "\(store.path)", "pvd.duration": "\(took)"])
            return nil
        }
        return store.stopWrites(.corrupt(path: store.path, check: .full, problems: problems))
    }
}
