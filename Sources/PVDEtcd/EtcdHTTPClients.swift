import AsyncHTTPClient
import NIOCore
import NIOPosix
import NIOSSL
import PVDStore
import Synchronization

/// The HTTP clients etcd stores talk through: one per TLS setting, made on first use and kept
/// for the life of the process.
///
/// An `HTTPClient` must be shut down before it is released, and `ObjectStore` has no close: a
/// store is dropped wherever its last user lets go. Keeping the few clients a process needs
/// (usually one) for its whole life removes that hazard, and stores of the same cluster share
/// one connection pool.
enum EtcdHTTPClients {
    private static let clients = Mutex<[EtcdStoreURL.TLSFiles?: HTTPClient]>([:])

    static func client(for tls: EtcdStoreURL.TLSFiles?, store: String) throws(StoreError) -> HTTPClient {
        // Read before taking the lock: a bad file is an error of its own, and the files are small.
        var tlsConfiguration: TLSConfiguration?
        if let tls {
            do {
                tlsConfiguration = try makeTLS(tls)
            } catch {
                throw StoreError(.unavailable, "store \(store): \(error.message)")
            }
        }
        return clients.withLock { clients in
            if let c = clients[tls] { return c }
            var config = HTTPClient.Configuration()
            // A member that does not answer a connect within 2s is treated as down and the next
            // one is tried. No read timeout: a watch stream is silent for as long as nothing is
            // written; unary calls carry their own deadline.
            config.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(2))
            config.connectionPool = HTTPClient.Configuration.ConnectionPool(idleTimeout: .seconds(60))
            // A refused connection fails the request at once, so the store moves to the next
            // endpoint: AHC's own retries would hold it on a dead member until the deadline.
            config.connectionPool.retryConnectionEstablishment = false
            config.tlsConfiguration = tlsConfiguration
            let c = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: config)
            clients[tls] = c
            return c
        }
    }

    /// Reads the PEM files now, so a missing or unreadable one is named at open rather than as
    /// a handshake failure later.
    private static func makeTLS(_ files: EtcdStoreURL.TLSFiles) throws(StoreError) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let ca = files.caFile {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca))
            } catch {
                throw StoreError(.unavailable, "CA file \(ca): \(error)")
            }
        }
        if let cert = files.certFile, let key = files.keyFile {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
            } catch {
                throw StoreError(.unavailable, "client certificate file \(cert): \(error)")
            }
            do {
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            } catch {
                throw StoreError(.unavailable, "client key file \(key): \(error)")
            }
        }
        return tls
    }
}
