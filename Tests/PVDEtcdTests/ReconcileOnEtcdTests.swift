import Foundation
import PVDEtcd
import PVDModel
import PVDStore
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EtcdFaultTests {
    /// `pvd reconcile --once` on etcd binds more claims in one pass than one etcd transaction
    /// holds: the reconciler's write batches keep within `maxWritesPerCommit`.
    @Test(.enabled(if: geteuid() == 0, "reconcile makes its root's directories as root"))
    func reconcileOnEtcdBindsMoreClaimsThanOneTransactionHolds() async throws {
        let cluster = try self.cluster
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-rec-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let url = cluster.url(prefix: "/reconcile-\(UUID().uuidString.prefix(8).lowercased())")
        let store = try EtcdStore(url)
        let n = 300
        var writes: [StoreWrite] = []
        for i in 0..<n {
            var pv = PersistentVolume(name: "pv-\(i)", spec: PersistentVolumeSpec(
                capacity: Quantity(1 << 30), accessModes: [.readWriteOnce], storageClassName: ""))
            pv.spec.hostPath = HostPathVolumeSource(path: "\(root)/static/pv-\(i)")
            writes.append(.create(AnyResource(pv)))
            var c = claim("c-\(i)")
            c.spec.storageClassName = ""
            writes.append(.create(AnyResource(c)))
        }
        var i = 0
        while i < writes.count {
            _ = try await store.commit(Array(writes[i..<min(writes.count, i + 128)]))
            i += 128
        }
        let run = try runPVD(["reconcile", "--once", "--root", root, "--store", url])
        #expect(run.status == 0, "\(run.stderr)")
        let claims = try await store.list(PersistentVolumeClaim.self, namespace: nil, selector: nil).items
        #expect(claims.count == n)
        #expect(claims.filter { $0.status?.phase == .bound }.count == n)
        #expect(Set(claims.compactMap(\.spec.volumeName)).count == n)
    }
}
