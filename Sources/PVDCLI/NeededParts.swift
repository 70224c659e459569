import PVDStore

/// A command that opens the store its global options name: it needs the etcd client when that
/// store is an etcd URL.
protocol OpensTheStore: NeedsLinkedParts {
    var global: GlobalOptions { get }
}

extension OpensTheStore {
    var neededParts: Set<LinkedParts.Part> { global.neededParts }
}

extension PVD.Apply: OpensTheStore {}
extension PVD.Delete: OpensTheStore {}
extension PVD.Describe: OpensTheStore {}
extension PVD.Get: OpensTheStore {}
extension PVD.Logs: OpensTheStore {}
extension PVD.Patch: OpensTheStore {}
extension PVD.Reconcile: OpensTheStore {}
extension PVD.Wait: OpensTheStore {}

extension PVD.Serve: NeedsLinkedParts {
    var neededParts: Set<LinkedParts.Part> { global.neededParts.union([.daemon]) }
}

extension PVD.Kubeconfig: NeedsLinkedParts {
    var neededParts: Set<LinkedParts.Part> { [.apiCertificates] }
}

extension PVD.Store.Copy: NeedsLinkedParts {
    var neededParts: Set<LinkedParts.Part> { EtcdStoreURL.isEtcd(from) || EtcdStoreURL.isEtcd(to) ? [.etcd] : [] }
}
