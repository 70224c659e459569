import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import PVDAdmission
import PVDStore
import ServiceLifecycle

/// The API's HTTPS server (hummingbird over swift-nio-ssl, HTTP/1.1): TLS with pvd's serving
/// certificate, client certificates requested but checked by the `Authenticator` (so one from
/// another CA is a 401 as in Kubernetes, not a failed handshake), each request handed to the
/// `APIHandler` and its answer, or its watch, written back.
public enum APIServer {
    /// What stops the API from starting: the file or setting, and why.
    public struct StartError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    /// The server as a service of the daemon's group. Reads or makes the certificates, reads
    /// the token file and the authorization modes first, so a bad one stops `pvd serve` at once.
    public static func service(
        config: APIServerConfig, store: any ObjectStore, classCheck: Admission.ClassCheck?, hosts: [String],
        onListening: @escaping @Sendable () -> Void, observe: @escaping @Sendable (_ status: Int, _ took: Duration) -> Void = { _, _ in },
        watching: @escaping @Sendable (_ change: Int) -> Void = { _ in }, logger: Logger
    ) throws(StartError) -> some Service {
        let files = APICertificates.Files(directory: config.certificateDirectory)
        let ca: APICertificates
        do {
            let (loaded, made) = try APICertificates.loadOrCreate(files, hosts: [config.host] + hosts)
            if made { logger.notice("API certificate authority made", metadata: ["pvd.api.ca": "\(files.caCertificate)"]) }
            ca = loaded
        } catch {
            throw StartError("API certificates: \(error)")
        }
        var tokens = TokenFile(users: [:])
        if let path = config.tokenAuthFile {
            guard let data = FileManager.default.contents(atPath: path) else { throw StartError("--token-auth-file \(path): cannot be read") }
            do { tokens = try TokenFile.parse(String(decoding: data, as: UTF8.self), source: path) } catch { throw StartError("\(error)") }
        }
        let authorizer: AuthorizerChain
        let modes: [AuthorizationMode]
        var rbacCache: RBACPolicyCache?
        do {
            modes = try AuthorizationMode.parse(config.authorizationMode)
            if modes.contains(.rbac) { rbacCache = RBACPolicyCache(store: store, logger: logger) }
            authorizer = try AuthorizerChain.parse(config.authorizationMode, store: store, rbacCache: rbacCache)
        } catch {
            throw StartError("--authorization-mode: \(error)")
        }
        let certFile = config.tlsCertFile ?? files.servingCertificate
        let keyFile = config.tlsPrivateKeyFile ?? files.servingKey
        var tls: TLSConfiguration
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certFile).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
            tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        } catch {
            throw StartError("API serving certificate \(certFile) or key \(keyFile): \(error)")
        }
        // Ask for a client certificate but let every one through the handshake: the
        // authenticator checks it against pvd's CA and answers 401, as kube-apiserver does.
        tls.certificateVerification = .optionalVerification
        tls.applicationProtocols = ["http/1.1"]
        let handler = APIHandler(
            store: store, authenticator: Authenticator(tokens: tokens, clientCA: ca.caCertificate), authorizer: authorizer, classCheck: classCheck,
            logger: logger)
        let responder = CallbackResponder<APIRequestContext> { request, context in
            await respond(request, context: context, handler: handler, observe: observe, watching: watching)
        }
        let server: HTTPServerBuilder
        do {
            server = try .tls(.http1(), configuration: TLSChannelConfiguration(tlsConfiguration: tls, customVerificationCallback: { _, promise in
                promise.succeed(.certificateVerified)
            }))
        } catch {
            throw StartError("API TLS: \(error)")
        }
        var httpLogger = logger
        // Hummingbird logs every request at debug; pvd logs its own line per request.
        if httpLogger.logLevel < .notice { httpLogger.logLevel = .notice }
        logger.info("API serving", metadata: [
            "pvd.api.listen": "\(config.address)", "pvd.api.authorization": "\(config.authorizationMode)",
            "pvd.api.tokens": "\(tokens.users.count)",
        ])
        var app = Application(
            responder: responder, server: server, configuration: ApplicationConfiguration(address: .hostname(config.host, port: config.port)),
            onServerRunning: { _ in onListening() }, logger: httpLogger)
        if modes.contains(.rbac) {
            // The default roles and bindings exist before the first request is judged by them.
            app.beforeServerStarts { try await RBACBootstrap.ensure(store, logger: logger) }
        }
        if let rbacCache { app.addServices(rbacCache) }
        return app
    }

    /// One request through the handler: the body read up to the limit (413 past it), the
    /// client certificate fetched only when no bearer token came.
    static func respond(
        _ request: Request, context: APIRequestContext, handler: APIHandler, observe: @Sendable (_ status: Int, _ took: Duration) -> Void,
        watching: @escaping @Sendable (_ change: Int) -> Void
    ) async -> Response {
        let started = ContinuousClock.now
        var body: [UInt8] = []
        do {
            let buffer = try await request.body.collect(upTo: APIHandler.maxBodyBytes)
            body = Array(buffer.readableBytesView)
        } catch {
            observe(413, ContinuousClock.now - started)
            return response(.status(.tooLarge(limit: APIHandler.maxBodyBytes)))
        }
        let authorization = request.headers[.authorization]
        var peer: [UInt8]?
        if authorization == nil, let cert = try? await context.channel.nioSSL_peerCertificate().get() {
            peer = try? cert.toDERBytes()
        }
        let path = request.uri.path.removingPercentEncoding ?? request.uri.path
        let api = APIRequest(
            method: request.method.rawValue, path: path, query: APIRequest.parseQuery(Substring(request.uri.query ?? "")),
            accept: request.headers[.accept] ?? "application/json", contentType: request.headers[.contentType] ?? "",
            authorization: authorization, peerCertificate: peer, impersonation: Self.impersonation(request.headers),
            userAgent: request.headers[.userAgent] ?? "", body: body)
        let answer = await handler.respond(api)
        let took = ContinuousClock.now - started
        observe(answer.status, took)
        handler.logger.debug("request", metadata: [
            "pvd.api.method": "\(api.method)", "pvd.api.path": "\(path)", "pvd.api.status": "\(answer.status)", "pvd.api.duration": "\(took)",
        ])
        return response(answer, watching: watching, channel: context.channel)
    }

    /// The `Impersonate-*` headers of a request.
    static func impersonation(_ headers: HTTPFields) -> Impersonation {
        var asked = Impersonation()
        for field in headers {
            let name = field.name.canonicalName
            if name == "impersonate-user" {
                asked.user = field.value
            } else if name == "impersonate-group" {
                asked.groups.append(field.value)
            } else if name == "impersonate-uid" {
                asked.uid = field.value
            } else if let key = Impersonation.extraKey(ofHeader: name) {
                asked.extra[key, default: []].append(field.value)
            }
        }
        return asked
    }

    /// The answer as hummingbird writes it. A watch counts itself open through `watching`
    /// (+1, then -1 when it ends) and ends when the client closes `channel`.
    static func response(
        _ answer: APIResponse, watching: @escaping @Sendable (_ change: Int) -> Void = { _ in }, channel: (any Channel)? = nil
    ) -> Response {
        var headers: HTTPFields = [.contentType: answer.contentType]
        for (name, value) in answer.headers {
            if let n = HTTPField.Name(name) { headers.append(HTTPField(name: n, value: value)) }
        }
        let status = HTTPResponse.Status(code: answer.status)
        switch answer.body {
        case .bytes(let bytes):
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        case .watch(let stream):
            return Response(status: status, headers: headers, body: ResponseBody { writer in
                watching(1)
                defer { watching(-1) }
                if let channel {
                    try await ClientGoneHandler.watching(channel) { gone in
                        try await stream.run(clientGone: gone) { bytes in try await writer.write(ByteBuffer(bytes: bytes)) }
                    }
                } else {
                    try await stream.run { bytes in try await writer.write(ByteBuffer(bytes: bytes)) }
                }
                try await writer.finish(nil)
            })
        }
    }
}

/// The request context of the API: hummingbird's, plus the connection, for its client certificate.
struct APIRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// One byte past the API's limit, so the handler, not the framework, answers a body too large.
    var maxUploadSize: Int { APIHandler.maxBodyBytes + 1 }
}
