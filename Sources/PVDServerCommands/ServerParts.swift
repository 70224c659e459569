import PVDAPIClient
import PVDCLI
import PVDEtcd
import PVDStore

extension LinkedParts {
    /// Everything: `pvd-server`'s parts, the daemon, the API's certificates, the etcd client and
    /// the API client.
    public static let server = LinkedParts(
        serve: { try await ServeRun.run($0) },
        kubeconfig: { try KubeconfigRun.yaml($0) },
        etcd: EtcdStore.open,
        verifyEtcd: { store, claiming in
            // The opener above made it: an etcd location opens nothing else.
            guard let etcd = store as? EtcdStore else { return }
            try await etcd.verify(claiming: claiming)
        },
        apiClient: APIClientStore.open)
}
