import Foundation
import PVDEtcd
import PVDModel
import PVDStore
import Testing

/// `etcds://` against a member that serves TLS and asks for client certificates.
@Suite(.enabled(if: EtcdCluster.available && FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "needs etcd-server and openssl"))
struct EtcdTLSTests {
    @Test func clientCertificatesWorkAndTheirAbsenceIsNamed() async throws {
        let cluster = try await EtcdCluster.start(size: 1, tls: true)
        defer { cluster.stop() }
        let tls = try #require(cluster.tls)
        let host = "127.0.0.1:\(cluster.clientPorts[0])"
        let store = try EtcdStore("etcds://\(host)/tls?ca=\(tls.ca)&cert=\(tls.clientCert)&key=\(tls.clientKey)")
        let created = try await store.create(claim("data"))
        #expect(try await store.get(PersistentVolumeClaim.self, namespace: "default", name: "data") == created)

        // Without a client certificate the member refuses the handshake.
        let anonymous = try EtcdStore("etcds://\(host)/tls?ca=\(tls.ca)&timeout=2s")
        let refused = await storeError { () async throws(StoreError) in try await anonymous.verify(claiming: false) }
        #expect(refused?.code == .unavailable)
        #expect(refused?.message.contains(host) == true, "\(refused?.message ?? "")")
        // Without the CA, the member's certificate is not trusted.
        let untrusted = try EtcdStore("etcds://\(host)/tls?timeout=2s")
        let e = await storeError { () async throws(StoreError) in try await untrusted.verify(claiming: false) }
        #expect(e?.code == .unavailable)
        #expect(e?.message.contains(host) == true, "\(e?.message ?? "")")
    }
}
