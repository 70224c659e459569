import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PVDEnvironment
import PVDModel
import PVDStore

/// One kind's watch through the API: `?watch=1&resourceVersion=R`, newline-separated JSON events
/// read as they come. The server ends a watch after a while (its timeout); the stream is opened
/// again from the last revision seen, so the caller sees one unbroken history. An ERROR event's
/// 410 is `.compacted`, as the store's own watch reports it. (On a server whose commits give
/// several writes one revision, an etcd-backed one, a stream that breaks between two events of
/// one revision resumes after it and misses the rest: the API does not say a revision is whole.)
struct APIClientWatch: Sendable {
    let http: APIClientHTTP
    let kind: ResourceKind
    /// nil: every namespace's (or a cluster-scoped kind's) collection.
    let namespace: String?

    func run(after revision: Int64, into continuation: AsyncThrowingStream<WatchEvent, any Error>.Continuation) async throws {
        var last = revision
        while !Task.isCancelled {
            // Bookmarks move `last` on while nothing of this collection changes, so opening the
            // watch again after the server's timeout asks for a revision it still holds.
            let path = kind.collectionPath(namespace: namespace) + "?watch=1&allowWatchBookmarks=true&resourceVersion=\(last)"
            let response: HTTPClientResponse
            do {
                response = try await http.client.execute(http.request(.GET, path), deadline: .distantFuture)
            } catch {
                throw http.unreachable(error)
            }
            guard response.status.code == 200 else {
                let body = (try? await response.body.collect(upTo: 1 << 20)).map { Data($0.readableBytesView) } ?? Data()
                throw http.failure(status: response.status, body: body, .GET, path)
            }
            var pending: [UInt8] = []
            for try await chunk in response.body {
                pending += chunk.readableBytesView
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = pending[..<newline]
                    defer { pending.removeSubrange(...newline) }
                    guard !line.isEmpty else { continue }
                    let (event, revision) = try read(Array(line))
                    if let revision { last = max(last, revision) }
                    if let event { continuation.yield(event) }
                }
            }
        }
    }

    /// One event line: the event (none for a BOOKMARK) and the revision it brings the watch to.
    func read(_ line: [UInt8]) throws(StoreError) -> (event: WatchEvent?, revision: Int64?) {
        let value: JSONValue
        do { value = try JSONCoding.shared.decode(JSONValue.self, from: line) } catch {
            throw StoreError(.unavailable, "server \(http.endpoint.server): watch of \(kind.plural): an event that is not JSON: \(error)")
        }
        guard let type = value["type"]?.stringValue, let object = value["object"] else { return (nil, nil) }
        if type == "ERROR" {
            let code = object["code"].flatMap { if case .int(let c) = $0 { Int(c) } else { nil } } ?? 500
            let message = "Error from server (\(object["reason"]?.stringValue ?? "Error")): \(object["message"]?.stringValue ?? "watch failed")"
            throw StoreError(code == 410 ? .compacted : .unavailable, message)
        }
        if type == "BOOKMARK" { return (nil, object["metadata"]?["resourceVersion"]?.stringValue.flatMap { Int64($0) }) }
        guard let eventType = WatchEvent.EventType(rawValue: type) else { return (nil, nil) }
        let resource: AnyResource
        do { resource = try AnyResource.decode(kind: kind, from: try JSONCoding.shared.encode(object)) } catch {
            throw StoreError(.unavailable, "server \(http.endpoint.server): watch of \(kind.plural): \(error)")
        }
        guard let revision = resource.metadata.resourceVersion.flatMap({ Int64($0) }) else { return (nil, nil) }
        return (WatchEvent(type: eventType, object: resource, revision: revision), revision)
    }
}
