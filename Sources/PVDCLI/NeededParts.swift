import PVDStore

/// A command that opens the store its global options name: it needs the etcd client when that
/// store is an etcd URL.
protocol OpensTheStore: NeedsLinkedParts {
    var global: GlobalOptions { get }
}

extension OpensTheStore {
    var neededParts: Set<LinkedParts.Part> { global.neededParts }
}

extension PVD.Apply: OpensStoreOrServer {}
extension PVD.Delete: OpensStoreOrServer {}
extension PVD.Describe: OpensStoreOrServer {}
extension PVD.Get: OpensStoreOrServer {}
extension PVD.Logs: OpensTheStore {}
extension PVD.Patch: OpensStoreOrServer {}
extension PVD.Reconcile: OpensTheStore {}
extension PVD.Wait: OpensStoreOrServer {}

extension PVD.Serve: NeedsLinkedParts {
    var neededParts: Set<LinkedParts.Part> { global.neededParts.union([.daemon]) }
}

extension PVD.Kubeconfig: NeedsLinkedParts {
    var neededParts: Set<LinkedParts.Part> { [.apiCertificates] }
}

extension PVD.Store.Copy: NeedsLinkedParts {
    var neededParts: Set<LinkedParts.Part> { EtcdStoreURL.isEtcd(from) || EtcdStoreURL.isEtcd(to) ? [.etcd] : [] }
}
