import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import PVDModel
import PVDStore

extension EtcdStore {
    /// Follows etcd's watch stream over the whole prefix from `revision + 1`, yielding the
    /// writes to objects of `kinds`. A stream that drops (a member stops, loses its leader) is
    /// opened again on the next member from the last revision seen, for as long as one comes
    /// back within the request timeout; then the watch fails with `.unavailable` and the caller
    /// (the informer) watches again. A revision etcd has compacted fails with `.compacted`.
    public func watch(_ kinds: Set<ResourceKind>, after revision: Int64) -> AsyncThrowingStream<WatchEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: WatchEvent.self, throwing: (any Error).self)
        let task = Task { [self] in
            do {
                try await runWatch(kinds, after: revision, continuation)
                continuation.finish()
            } catch {
                if !Task.isCancelled {
                    logger.debug("watch ended", metadata: ["pvd.store": "\(url.text)", "pvd.error": "\(error)"])
                }
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private func runWatch(
        _ kinds: Set<ResourceKind>, after revision: Int64, _ continuation: AsyncThrowingStream<WatchEvent, any Error>.Continuation
    ) async throws(StoreError) {
        var last = max(0, revision)
        let clock = ContinuousClock()
        var failingSince: ContinuousClock.Instant?
        var lastFailure = ""
        while !Task.isCancelled {
            do {
                let request = WatchRequest(create_request: WatchCreateRequest(
                    key: keys.all, range_end: EtcdKeys.rangeEnd(keys.all), start_revision: WireInt(last + 1)))
                let (response, endpoint) = try await client.openStream("/v3/watch", request)
                failingSince = nil
                try await follow(response, endpoint: endpoint, kinds: kinds, last: &last, continuation)
                lastFailure = "\(endpoint): the stream ended"
            } catch let e as StoreError {
                if e.code == .compacted { throw e }
                lastFailure = e.message
            } catch let e as EtcdStream.Ended {
                lastFailure = e.why
            } catch {
                if Task.isCancelled { return }
                lastFailure = "\(error)"
            }
            if Task.isCancelled { return }
            let since = failingSince ?? clock.now
            failingSince = since
            if clock.now - since > url.requestTimeout {
                throw StoreError(.unavailable, "store \(url.text): watch lost after revision \(last): \(lastFailure)")
            }
            logger.debug("watch stream dropped, resuming", metadata: [
                "pvd.store": "\(url.text)", "pvd.revision": "\(last)", "pvd.error": "\(lastFailure)",
            ])
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Reads one stream to its end.
    private func follow(
        _ response: HTTPClientResponse, endpoint: EtcdStoreURL.Endpoint, kinds: Set<ResourceKind>, last: inout Int64,
        _ continuation: AsyncThrowingStream<WatchEvent, any Error>.Continuation
    ) async throws {
        try await EtcdStream.read(response, endpoint: endpoint, as: WatchMessage.self) { message in
            try handle(message, endpoint: endpoint, kinds: kinds, last: &last, continuation)
            return true
        }
    }

    private func handle(
        _ message: WatchMessage, endpoint: EtcdStoreURL.Endpoint, kinds: Set<ResourceKind>, last: inout Int64,
        _ continuation: AsyncThrowingStream<WatchEvent, any Error>.Continuation
    ) throws {
        if let error = message.error {
            throw EtcdStream.Ended(why: "\(endpoint): \(error.message ?? "watch error \(error.grpc_code ?? 0)")")
        }
        guard let result = message.result else { return }
        if let compacted = result.compact_revision?.value, compacted > 0 {
            // etcd leaves the stream open after this; returning from here closes it.
            throw StoreError(.compacted, "store \(url.text): revision \(last) has been compacted; the oldest revision held is \(compacted)")
        }
        if result.canceled == true {
            throw EtcdStream.Ended(why: "\(endpoint): watch cancelled: \(result.cancel_reason ?? "no reason given")")
        }
        guard let events = result.events, !events.isEmpty else {
            // A progress notification: every write up to its revision has been sent. (Not the
            // answer that says the watch was created: history may still follow that one.)
            if result.created != true, let r = result.header?.revision?.value { last = max(last, r) }
            return
        }
        var decoded: [WatchEvent] = []
        decoded.reserveCapacity(events.count)
        for e in events {
            guard let kv = e.kv else { continue }
            last = max(last, kv.modRevision)
            guard let kind = keys.kind(of: kv.key), kinds.contains(kind) else { continue }
            let event: WatchEvent
            if e.type == "DELETE" {
                guard let prev = e.prev_kv else {
                    throw StoreError(.unavailable, "store \(url.text): revision \(kv.modRevision): deletion of \(EtcdKeys.text(kv.key)) came without the object")
                }
                let object = try EtcdValues.decode(kind, prev, revision: kv.modRevision, store: url.text)
                event = WatchEvent(type: .deleted, object: object, revision: kv.modRevision)
            } else {
                let object = try EtcdValues.decode(kind, kv, store: url.text)
                let type: WatchEvent.EventType = kv.createRevision == kv.modRevision ? .added : .modified
                event = WatchEvent(type: type, object: object, revision: kv.modRevision)
            }
            decoded.append(event)
        }
        // etcd sends every event of one revision in one message: the last of each revision in
        // it completes that revision.
        for (i, var event) in decoded.enumerated() {
            event.completesRevision = i == decoded.count - 1 || decoded[i + 1].revision != event.revision
            continuation.yield(event)
        }
    }
}
