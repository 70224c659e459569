import PVDModel
import PVDStore
import ServiceLifecycle

/// One watch as the API streams it: a synthetic ADDED per current match when the client gave
/// no resourceVersion (kubectl drops the first event of a single-object watch and needs the
/// current state), then every change after the revision, filtered to the request's namespace
/// and selectors, one JSON event per line, until the timeout or the client leaves. A revision
/// the store no longer holds ends the watch with an ERROR event holding a 410 Expired Status.
///
/// With `allowWatchBookmarks`, a BOOKMARK carries the last revision of the kind the watch has
/// seen, matching or not, when it is past what the client was last told: every
/// `bookmarkInterval` and once as the watch times out, so a filtered watch on a busy kind
/// resumes from a recent revision instead of one the store may have compacted.
public struct WatchStream: Sendable {
    let store: any ObjectStore
    let kind: ResourceKind
    let namespace: String?
    let labels: LabelSelector?
    let fields: FieldSelector?
    let initial: [AnyResource]
    let after: Int64
    let timeout: Duration
    let table: Bool
    var bookmarks = false
    /// Kubernetes' watch cache sends one about every minute.
    var bookmarkInterval: Duration = .seconds(60)

    /// What the stream's loop takes in turn.
    private enum Step: Sendable {
        case change(WatchEvent)
        case tick
        case timedOut
    }

    /// Sends each event's bytes through `send`; returns at the timeout or once `clientGone`
    /// returns, throws when `send` does. A client that closes its connection must end the watch
    /// even when nothing matches for hours: until then its store watch wakes on every write.
    public func run(clientGone: (@Sendable () async -> Void)? = nil, _ send: ([UInt8]) async throws -> Void) async throws {
        for o in initial { try await send(event("ADDED", o)) }
        let (steps, continuation) = AsyncThrowingStream.makeStream(of: Step.self, throwing: (any Error).self)
        let store = self.store, kind = self.kind, after = self.after, timeout = self.timeout
        let interval = bookmarks ? bookmarkInterval : nil
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await e in store.watch([kind], after: after) { continuation.yield(.change(e)) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                continuation.yield(.timedOut)
            }
            if let interval {
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: interval)
                        continuation.yield(.tick)
                    }
                }
            }
            if let clientGone {
                group.addTask {
                    await clientGone()
                    continuation.finish()
                }
            }
            // The daemon stopping ends every watch (the client lists and watches again, as
            // after any closed watch), or the server would wait for the longest one to time out.
            group.addTask {
                try? await gracefulShutdown()
                continuation.finish()
            }
            defer { group.cancelAll() }
            var seen = after, told = after
            do {
                loop: for try await step in steps {
                    switch step {
                    case .change(let e):
                        if e.completesRevision { seen = max(seen, e.revision) }
                        guard matches(e.object) else { continue }
                        var object = e.object
                        // A DELETED object carries the deletion's revision, so a client resumes after it.
                        if e.type == .deleted { object.metadata.resourceVersion = String(e.revision) }
                        try await send(event(e.type.rawValue, object))
                        told = max(told, e.revision)
                    case .tick:
                        if seen > told {
                            try await send(bookmark(seen))
                            told = seen
                        }
                    case .timedOut:
                        if interval != nil && seen > told { try await send(bookmark(seen)) }
                        break loop
                    }
                }
            } catch let error as StoreError where error.code == .compacted {
                let status = APIStatus.expired("too old resource version: \(after) (\(error.message))")
                try await send(RESTObjects.watchEvent(type: "ERROR", object: RESTObjects.bytes(status.json)))
            }
        }
    }

    /// A BOOKMARK: an object of the kind with only its resourceVersion, as Kubernetes sends it.
    func bookmark(_ revision: Int64) -> [UInt8] {
        let object: JSONValue = .object([
            "kind": .string(kind.rawValue), "apiVersion": .string(kind.apiVersion),
            "metadata": .object(["resourceVersion": .string(String(revision))]),
        ])
        return RESTObjects.watchEvent(type: "BOOKMARK", object: RESTObjects.bytes(object))
    }

    func matches(_ o: AnyResource) -> Bool {
        if let namespace, o.metadata.namespace != namespace { return false }
        if let labels, !labels.matches(o.metadata.labels) { return false }
        if let fields, !fields.isEmpty, !fields.matches(o) { return false }
        return true
    }

    func event(_ type: String, _ o: AnyResource) -> [UInt8] {
        let object = table
            ? APITable.table(kind: kind, objects: [o], resourceVersion: o.metadata.resourceVersion, include: .metadata)
            : RESTObjects.bytes(o)
        return RESTObjects.watchEvent(type: type, object: object)
    }
}
