import PVDEtcd
import ServiceLifecycle

/// Compacts an etcd store's history every compaction interval, as kube-apiserver's compactor
/// does: every daemon runs one, and the compact key's guard lets one of them compact per interval.
struct EtcdCompactorService: Service, CustomStringConvertible {
    var description: String { "EtcdCompactorService" }

    let store: EtcdStore

    func run() async throws {
        let store = self.store
        await cancelWhenGracefulShutdown { await store.runCompactor() }
    }
}
