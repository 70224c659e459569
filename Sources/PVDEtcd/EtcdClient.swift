import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import PVDStore
import Synchronization

/// Calls etcd's JSON gateway on the endpoints of one store URL, moving to the next endpoint when
/// one cannot be reached or answers that it has no leader, until the request's deadline.
///
/// Reads are linearizable (etcd's default), so whichever member answers, it answers with the
/// latest committed state. A write is sent again elsewhere only when it cannot have reached a
/// member (the connection was never made) or the member refused it unseen (no leader); when a
/// connection breaks after the write was sent, the caller is told the outcome is unknown.
final class EtcdClient: Sendable {
    let url: EtcdStoreURL
    let http: HTTPClient
    let logger: Logger
    /// The endpoint that answered last: tried first next time.
    private let preferred = Mutex<Int>(0)

    init(url: EtcdStoreURL, logger: Logger) throws(StoreError) {
        self.url = url
        self.logger = logger
        http = try EtcdHTTPClients.client(for: url.tls, store: url.text)
    }

    /// Why a call failed: a store error, or a write whose connection broke after it was sent.
    enum CallError: Error {
        case failed(StoreError)
        case outcomeUnknown(StoreError)

        var storeError: StoreError {
            switch self {
            case .failed(let e), .outcomeUnknown(let e): e
            }
        }
    }

    func base(_ e: EtcdStoreURL.Endpoint) -> String { "\(url.tls == nil ? "http" : "https")://\(e)" }

    /// A unary call: POST `path` with `body` as JSON, decoded as `Response`. `idempotent` calls
    /// (reads) are retried on another endpoint whatever broke. It gives up at `deadline`
    /// (default: the URL's request timeout from now).
    func call<Body: Encodable & Sendable, Response: Decodable>(
        _ path: String, _ body: Body, as: Response.Type, idempotent: Bool, deadline: ContinuousClock.Instant? = nil
    ) async throws(CallError) -> Response {
        let payload: Data
        do {
            payload = try JSONEncoder().encode(body)
        } catch {
            throw .failed(StoreError(.invalid, "store \(url.text): cannot encode \(path) request: \(error)"))
        }
        let clock = ContinuousClock()
        let deadline = deadline ?? clock.now + url.requestTimeout
        var lastErrors: [String] = Array(repeating: "", count: url.endpoints.count)
        var pass = 0
        var refusedPasses = 0
        while true {
            var everyoneRefused = true
            let start = preferred.withLock { $0 }
            for step in 0..<url.endpoints.count {
                let i = (start + step) % url.endpoints.count
                let endpoint = url.endpoints[i]
                let remaining = deadline - clock.now
                if remaining <= .zero { break }
                switch await attempt(path, payload, endpoint: endpoint, timeout: remaining) {
                case .answered(let bytes):
                    preferred.withLock { $0 = i }
                    do {
                        return try JSONDecoder().decode(Response.self, from: bytes)
                    } catch {
                        throw .failed(StoreError(.unavailable, "etcd \(endpoint): \(path): unexpected answer: \(error)"))
                    }
                case .refused(let e):
                    throw .failed(e)
                case .tryElsewhere(let why):
                    lastErrors[i] = why
                    if !Self.isDeterministicConnectFailure(why) { everyoneRefused = false }
                    logger.debug("etcd endpoint unusable, trying the next", metadata: [
                        "pvd.etcd.endpoint": "\(endpoint)", "pvd.error": "\(why)",
                    ])
                case .brokenAfterSend(let why):
                    lastErrors[i] = why
                    everyoneRefused = false
                    if !idempotent {
                        throw .outcomeUnknown(StoreError(
                            .unavailable, "etcd \(endpoint): \(path): the connection broke after the request was sent (\(why)); its outcome is unknown"))
                    }
                }
            }
            if clock.now >= deadline || Task.isCancelled { break }
            // No member listens at all: a cluster being restarted comes back within a few
            // passes; one that is not there (a wrong URL) is reported without waiting out the
            // whole timeout.
            refusedPasses = everyoneRefused ? refusedPasses + 1 : 0
            if refusedPasses >= 4 { break }
            // A whole pass failed: the cluster may be electing a leader. Wait a little, bounded
            // by the deadline, and go round again.
            pass += 1
            let pause = min(Duration.milliseconds(25 << min(pass, 4)), deadline - clock.now)
            if pause > .zero { try? await Task.sleep(for: pause) }
        }
        let detail = zip(url.endpoints, lastErrors).map { "\($0): \($1.isEmpty ? "not tried" : $1)" }.joined(separator: "; ")
        throw .failed(StoreError(.unavailable, "store \(url.text): no etcd endpoint answered: \(detail)"))
    }

    private enum Attempt {
        case answered(ByteBuffer)
        /// The member answered with an error that another member would give too.
        case refused(StoreError)
        /// Nothing reached the member, or it refused unseen: another may do.
        case tryElsewhere(String)
        case brokenAfterSend(String)
    }

    private func attempt(_ path: String, _ payload: Data, endpoint: EtcdStoreURL.Endpoint, timeout: Duration) async -> Attempt {
        var request = HTTPClientRequest(url: base(endpoint) + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: payload))
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await http.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000
                + timeout.components.attoseconds / 1_000_000_000))
            bytes = try await response.body.collect(upTo: 512 << 20)
        } catch {
            if Self.mayHaveBeenSent(error) { return .brokenAfterSend(Self.describe(error)) }
            return .tryElsewhere(Self.describe(error))
        }
        if response.status == .ok {
            // A streaming call answered once (a lease keepalive) reports errors inside its 200
            // body; a unary call's answer never starts so.
            if bytes.readableBytesView.starts(with: Self.streamErrorStart),
               let failure = (try? JSONDecoder().decode(StreamFailure.self, from: bytes))?.error {
                let message = failure.message ?? "stream error \(failure.grpc_code ?? 0)"
                if failure.grpc_code == 14 { return .tryElsewhere("\(message)") }
                return .refused(Self.storeError(message: message, grpcCode: failure.grpc_code, endpoint: endpoint, path: path, url: url))
            }
            return .answered(bytes)
        }
        let answer = try? JSONDecoder().decode(GatewayError.self, from: bytes)
        let message = answer?.message ?? answer?.error ?? String(buffer: bytes)
        // gRPC code 14 (Unavailable): no leader, or the member is stopping. Nothing was applied.
        if answer?.code == 14 || response.status == .serviceUnavailable {
            return .tryElsewhere("\(response.status.code): \(message)")
        }
        return .refused(Self.storeError(message: message, grpcCode: answer?.code, endpoint: endpoint, path: path, url: url))
    }

    static let streamErrorStart = Array(#"{"error":{"#.utf8)

    private struct StreamFailure: Decodable {
        var error: StreamError?
    }

    /// etcd's answers as store errors, the common limits named in words.
    static func storeError(message: String, grpcCode: Int?, endpoint: EtcdStoreURL.Endpoint, path: String, url: EtcdStoreURL) -> StoreError {
        if message.contains("required revision has been compacted") {
            return StoreError(.compacted, "etcd \(endpoint): \(message)")
        }
        if message.contains("too many operations in txn request") {
            return StoreError(.invalid, "etcd \(endpoint): \(message): more than the members' --max-txn-ops (the store URL says \(url.maxTxnOps))")
        }
        if message.contains("request is too large") {
            return StoreError(.invalid, "etcd \(endpoint): \(message): more than the members' --max-request-bytes (the store URL says \(url.maxRequestBytes))")
        }
        return StoreError(.unavailable, "etcd \(endpoint): \(path): \(message)")
    }

    /// Whether a request that failed this way may have reached the member: anything but a
    /// connection that was never made.
    static func mayHaveBeenSent(_ error: any Error) -> Bool {
        guard let e = error as? HTTPClientError else { return false }
        return e == .remoteConnectionClosed || e == .readTimeout || e == .deadlineExceeded || e == .writeTimeout
    }

    static let refused = "connection refused"

    /// Failures that waiting does not cure: nothing listens, or TLS cannot be agreed on. (A
    /// member that does not answer a connect, or answers "no leader", may within the timeout.)
    static func isDeterministicConnectFailure(_ why: String) -> Bool {
        why == refused || why.contains("SSL") || why.contains("handshake") || why.contains("certificate")
    }

    static func describe(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("connectTimeout") { return "connect timed out" }
        if text.contains("ECONNREFUSED") || text.contains("Connection refused") || text.contains("connection refused") { return refused }
        return text
    }

    /// Opens a watch stream on the preferred endpoint (the next ones if it cannot be reached)
    /// and returns its response, whose body goes on for as long as the watch does.
    func openStream<Body: Encodable & Sendable>(_ path: String, _ body: Body) async throws(StoreError) -> (HTTPClientResponse, EtcdStoreURL.Endpoint) {
        let payload: Data
        do {
            payload = try JSONEncoder().encode(body)
        } catch {
            throw StoreError(.invalid, "store \(url.text): cannot encode \(path) request: \(error)")
        }
        let start = preferred.withLock { $0 }
        var errors: [String] = []
        for step in 0..<url.endpoints.count {
            let i = (start + step) % url.endpoints.count
            let endpoint = url.endpoints[i]
            var request = HTTPClientRequest(url: base(endpoint) + path)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            // A member that has lost its leader ends the watch rather than leaving it silent.
            request.headers.add(name: "Grpc-Metadata-hasleader", value: "true")
            request.body = .bytes(ByteBuffer(data: payload))
            do {
                let response = try await http.execute(request, deadline: .distantFuture)
                if response.status == .ok { return (response, endpoint) }
                let bytes = (try? await response.body.collect(upTo: 1 << 20)) ?? ByteBuffer()
                errors.append("\(endpoint): \(response.status.code) \(String(buffer: bytes))")
            } catch {
                if Task.isCancelled { throw StoreError(.unavailable, "store \(url.text): watch cancelled") }
                errors.append("\(endpoint): \(Self.describe(error))")
            }
        }
        throw StoreError(.unavailable, "store \(url.text): cannot watch: \(errors.joined(separator: "; "))")
    }
}
