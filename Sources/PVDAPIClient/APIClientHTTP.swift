import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import PVDEnvironment
import PVDModel
import PVDStore
import Synchronization

/// The HTTP side of `APIClientStore`: one `HTTPClient` per endpoint for the life of the process
/// (an `HTTPClient` must be shut down before it is released, and a store has no close), requests
/// with the endpoint's credentials, and an API answer that is not 2xx turned into a `StoreError`
/// that carries the server's own words.
struct APIClientHTTP: Sendable {
    let endpoint: APIEndpoint
    let client: HTTPClient
    /// How long one request (not a watch) may take, connect to last byte.
    static let requestTimeout: TimeAmount = .seconds(60)
    /// The largest answer read: a list of many objects is tens of MiB.
    static let maxBody = 1 << 30

    private static let clients = Mutex<[APIEndpoint: HTTPClient]>([:])

    init(_ endpoint: APIEndpoint) throws(StoreError) {
        self.endpoint = endpoint
        // TLS is built before the lock: a bad PEM is an error naming where it came from.
        let tls = try Self.tls(endpoint)
        client = Self.clients.withLock { clients in
            if let c = clients[endpoint] { return c }
            var config = HTTPClient.Configuration()
            config.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(5))
            config.tlsConfiguration = tls
            config.connectionPool.retryConnectionEstablishment = false
            let c = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: config)
            clients[endpoint] = c
            return c
        }
    }

    private static func tls(_ endpoint: APIEndpoint) throws(StoreError) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let ca = endpoint.caPEM {
            do { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(ca.utf8))) } catch {
                throw StoreError(.unavailable, "\(endpoint.origin): certificate-authority: not a PEM certificate: \(error)")
            }
        }
        if case .certificate(let pem, let keyPEM) = endpoint.credential {
            do { tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)).map { .certificate($0) } } catch {
                throw StoreError(.unavailable, "\(endpoint.origin): client-certificate: not a PEM certificate: \(error)")
            }
            do { tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)) } catch {
                throw StoreError(.unavailable, "\(endpoint.origin): client-key: not a PEM private key: \(error)")
            }
        }
        return tls
    }

    /// A request for `path` (with its query) and the endpoint's credentials.
    func request(_ method: HTTPMethod, _ path: String, body: Data? = nil) -> HTTPClientRequest {
        var r = HTTPClientRequest(url: endpoint.server + path)
        r.method = method
        r.headers.add(name: "Accept", value: "application/json")
        r.headers.add(name: "User-Agent", value: "pvd/\(PVDVersion.string)")
        if case .token(let token) = endpoint.credential { r.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            r.headers.add(name: "Content-Type", value: "application/json")
            r.body = .bytes(ByteBuffer(bytes: body))
        }
        return r
    }

    /// Sends a request and returns the body of a 2xx answer; any other answer is thrown.
    func send(_ method: HTTPMethod, _ path: String, body: Data? = nil) async throws(StoreError) -> Data {
        do {
            let response = try await client.execute(request(method, path, body: body), timeout: Self.requestTimeout)
            let bytes = try await response.body.collect(upTo: Self.maxBody)
            let data = Data(bytes.readableBytesView)
            guard (200..<300).contains(response.status.code) else { throw failure(status: response.status, body: data, method, path) }
            return data
        } catch let e as StoreError {
            throw e
        } catch {
            throw unreachable(error)
        }
    }

    /// The server could not be asked (refused, TLS, timeout).
    func unreachable(_ error: any Error) -> StoreError {
        let why: String
        if let io = error as? IOError {
            why = "\(String(cString: strerror(io.errnoCode))) (errno \(io.errnoCode))"
        } else if let ssl = error as? NIOSSLError, case .handshakeFailed = ssl {
            why = "the TLS handshake failed (\(ssl)); is the server's certificate signed by the CA \(endpoint.caPEM == nil ? "the system trusts" : "of \(endpoint.origin)")?"
        } else {
            why = "\(error)"
        }
        return StoreError(.unavailable, "cannot reach server \(endpoint.server) (\(endpoint.origin)): \(why)")
    }

    /// An answer that is not 2xx, read as the metav1.Status Kubernetes sends: the code says
    /// which `StoreError` it is (a lost race is `.conflict`, so a caller that retries, retries);
    /// the message is kubectl's `Error from server (Reason): …`.
    func failure(status: HTTPResponseStatus, body: Data, _ method: HTTPMethod, _ path: String) -> StoreError {
        let value = (try? JSONCoding.shared.decode(JSONValue.self, from: body)) ?? .null
        let reason = value["reason"]?.stringValue ?? status.reasonPhrase
        let message = value["message"]?.stringValue ?? "\(method) \(path): \(status.code) \(String(decoding: body.prefix(200), as: UTF8.self))"
        let text = "Error from server (\(reason)): \(message)"
        let code: StoreError.Code = switch status.code {
        case 404: .notFound
        case 409 where reason == "AlreadyExists": .alreadyExists
        case 409: .conflict
        case 410: .compacted
        case 400, 413, 415, 422: .invalid
        default: .unavailable
        }
        return StoreError(code, text)
    }
}
