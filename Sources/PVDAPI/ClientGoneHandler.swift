import NIOCore
import NIOSSL

/// Closes a watch's connection once its client has closed its side of it (the client ended,
/// say). The server lets clients half-close, so NIO reports the end of their input only as an
/// inbound event; hummingbird looks for it when it reads the next request, after the response.
/// A watch that matches nothing never writes, so nothing else would end it before its timeout,
/// and until then it wakes on every write to the store. Go's HTTP server, and so
/// kube-apiserver, ends a request whose client has gone in the same way.
///
/// Put right after TLS, which passes on both ends of input: the socket's (the client's process
/// ended) and a TLS close_notify (the client closed the connection properly).
final class ClientGoneHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    static let name = "pvd-watch-client-gone"

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? ChannelEvent, e == .inputClosed { context.close(promise: nil) }
        context.fireUserInboundEventTriggered(event)
    }

    /// Watches `channel` until `body` ends, then leaves the connection as it was for the
    /// requests that may follow on it. `body` gets a function that returns once the
    /// connection has closed.
    static func watching<T>(_ channel: any Channel, _ body: (_ gone: @escaping @Sendable () async -> Void) async throws -> T) async throws -> T {
        let added = (try? await channel.eventLoop.submit { () throws -> Void in
            let pipeline = channel.pipeline.syncOperations
            let tls = try? pipeline.handler(type: NIOSSLServerHandler.self)
            try pipeline.addHandler(ClientGoneHandler(), name: name, position: tls.map { .after($0) } ?? .first)
        }.get()) != nil
        defer { if added { channel.pipeline.removeHandler(name: name, promise: nil) } }
        return try await body { _ = try? await channel.closeFuture.get() }
    }
}
