import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1
import PVDEnvironment
import PVDModel
import PVDStore

/// A Kubernetes API server seen as an `ObjectStore`, so every command that reads and writes a
/// store drives a remote pvd the same way (`pvd get --kubeconfig FILE`). Each call is the REST
/// request kubectl would send: GET, LIST, WATCH, POST, PUT (+ `/status` for the status a write
/// changes, as the object's own PUT keeps the stored one), DELETE with a uid precondition. The
/// server runs its admission and authorization on each; its refusals come back as `StoreError`s
/// with its message.
///
/// The API has no multi-object transaction. `commit` sends its writes one by one after a dry
/// run of all of them (`dryRun=All`), so a batch the server would refuse in part (a forbidden
/// kind, an invalid object) writes nothing. Each dry run is checked against what the server
/// holds, not against the batch's earlier writes: a write that another in the same batch makes
/// acceptable (a claim grown in the apply that allows its class to expand) is refused, and one
/// that an earlier write makes unacceptable (two new classes whose directories overlap), or a
/// race with another writer, can leave the batch partly applied; the error says how far it got.
public struct APIClientStore: ObjectStore {
    let http: APIClientHTTP

    public init(_ endpoint: APIEndpoint) throws(StoreError) {
        http = try APIClientHTTP(endpoint)
    }

    /// The server runs its admission on every write.
    public var admitsWrites: Bool { true }

    /// `LinkedParts.apiClient`.
    public static let open: APIClientOpener = { endpoint in try APIClientStore(endpoint) }

    public func create<R: Resource>(_ object: R) async throws(StoreError) -> R {
        try await create(object, dryRun: false)
    }

    func create<R: Resource>(_ object: R, dryRun: Bool) async throws(StoreError) -> R {
        var o = object
        o.metadata.resourceVersion = nil
        let path = R.kind.collectionPath(namespace: o.metadata.namespace ?? "default")
        return try decode(R.self, try await http.send(.POST, path + query(dryRun), body: try body(o)))
    }

    public func get<R: Resource>(_ type: R.Type, namespace: String?, name: String) async throws(StoreError) -> R {
        try decode(R.self, try await http.send(.GET, R.kind.objectPath(namespace: namespace, name: name)))
    }

    public func list<R: Resource>(_ type: R.Type, namespace: String?, selector: LabelSelector?) async throws(StoreError) -> ObjectList<R> {
        let data = try await http.send(.GET, R.kind.collectionPath(namespace: namespace))
        let wire: WireList<R>
        do { wire = try JSONCoding.shared.decode(WireList<R>.self, from: data) } catch {
            throw StoreError(.unavailable, "server \(http.endpoint.server): a \(R.kind.rawValue)List that cannot be read: \(error)")
        }
        var items = wire.items ?? []
        // Matched here, as the store matches after reading: the same selector grammar either way.
        if let selector { items.removeAll { !selector.matches($0.metadata.labels) } }
        return ObjectList(items: items, revision: wire.metadata?.resourceVersion.flatMap { Int64($0) } ?? 0)
    }

    public func update<R: Resource>(_ object: R) async throws(StoreError) -> R {
        try await update(object, dryRun: false)
    }

    /// PUT of the object; when the kind's status lives in a subresource and the object's status
    /// is not what the PUT kept, PUT of `/status` with it, at the new resourceVersion.
    func update<R: Resource>(_ object: R, dryRun: Bool) async throws(StoreError) -> R {
        let path = R.kind.objectPath(namespace: object.metadata.namespace, name: object.metadata.name)
        let wanted = try body(object)
        let answer = try await http.send(.PUT, path + query(dryRun), body: wanted)
        let written = try decode(R.self, answer)
        guard R.kind.hasStatusSubresource, !dryRun else { return written }
        let wantedStatus = (try? JSONCoding.shared.decode(JSONValue.self, from: wanted))?["status"]
        guard (try? JSONCoding.shared.decode(JSONValue.self, from: answer))?["status"] != wantedStatus else { return written }
        let statusPath = R.kind.objectPath(namespace: object.metadata.namespace, name: object.metadata.name, subresource: "status")
        return try decode(R.self, try await http.send(.PUT, statusPath, body: try Self.replacingStatus(of: answer, with: wantedStatus)))
    }

    public func delete<R: Resource>(_ type: R.Type, namespace: String?, name: String, uid: String?) async throws(StoreError) -> R? {
        try await delete(type, namespace: namespace, name: name, uid: uid, dryRun: false)
    }

    /// DELETE, with `preconditions` (uid, resourceVersion) when given. The server answers with
    /// the object as it is (still there while finalizers hold it) or was.
    func delete<R: Resource>(
        _ type: R.Type, namespace: String?, name: String, uid: String?, resourceVersion: String? = nil, dryRun: Bool
    ) async throws(StoreError) -> R? {
        var options: Data?
        var preconditions: [String: JSONValue] = [:]
        if let uid { preconditions["uid"] = .string(uid) }
        if let resourceVersion { preconditions["resourceVersion"] = .string(resourceVersion) }
        if !preconditions.isEmpty {
            options = try body(JSONValue.object([
                "apiVersion": .string("v1"), "kind": .string("DeleteOptions"), "preconditions": .object(preconditions),
            ]))
        }
        let data = try await http.send(.DELETE, R.kind.objectPath(namespace: namespace, name: name) + query(dryRun), body: options)
        if (try? JSONCoding.shared.decode(JSONValue.self, from: data))?["kind"]?.stringValue == "Status" { return nil }
        let last = try decode(R.self, data)
        let held = last.metadata.deletionTimestamp != nil && !(last.metadata.finalizers ?? []).isEmpty
        return held && !dryRun ? last : nil
    }

    public func commit(_ writes: [StoreWrite]) async throws(StoreError) -> [AnyResource?] {
        if writes.count > 1 {
            for w in writes { _ = try await send(w, dryRun: true) }
        }
        var results: [AnyResource?] = []
        results.reserveCapacity(writes.count)
        for w in writes {
            do {
                results.append(try await send(w, dryRun: false))
            } catch where !results.isEmpty {
                throw StoreError(error.code, "\(error.message) (after \(results.count) of \(writes.count) writes were made: the API has no transaction across objects)")
            }
        }
        return results
    }

    /// One write, its object's type opened from the `AnyResource` (the client is not a hot path).
    private func send(_ write: StoreWrite, dryRun: Bool) async throws(StoreError) -> AnyResource? {
        func create<R: Resource>(_ r: R) async throws(StoreError) -> AnyResource { AnyResource(try await self.create(r, dryRun: dryRun)) }
        func update<R: Resource>(_ r: R) async throws(StoreError) -> AnyResource { AnyResource(try await self.update(r, dryRun: dryRun)) }
        func delete<R: Resource>(_ t: R.Type, _ namespace: String?, _ name: String, _ uid: String?, _ rv: String?) async throws(StoreError) -> AnyResource? {
            try await self.delete(t, namespace: namespace, name: name, uid: uid, resourceVersion: rv, dryRun: dryRun).map { AnyResource($0) }
        }
        switch write {
        case .create(let o): return try await create(o.resource)
        case .update(let o): return try await update(o.resource)
        case .delete(let kind, let namespace, let name, let uid, let rv): return try await delete(kind.resourceType, namespace, name, uid, rv)
        }
    }

    /// The server's revision, from a one-object list of StorageClasses (any collection's list
    /// carries it; readers that watch a collection ask that one instead).
    public func currentRevision() async throws(StoreError) -> Int64 {
        try await currentRevision(for: .storageClass, namespace: nil)
    }

    /// The revision a one-object list of the collection was read at, which its user may read
    /// when it may watch it.
    public func currentRevision(for kind: ResourceKind, namespace: String?) async throws(StoreError) -> Int64 {
        let data = try await http.send(.GET, kind.collectionPath(namespace: namespace) + "?limit=1")
        let meta = (try? JSONCoding.shared.decode(JSONValue.self, from: data))?["metadata"]
        guard let revision = meta?["resourceVersion"]?.stringValue.flatMap({ Int64($0) }) else {
            throw StoreError(.unavailable, "server \(http.endpoint.server): a \(kind.rawValue)List without a resourceVersion")
        }
        return revision
    }

    public func watch(_ kinds: Set<ResourceKind>, after revision: Int64) -> AsyncThrowingStream<WatchEvent, any Error> {
        watch(kinds.map { ($0, nil) }, after: revision)
    }

    public func watch(_ kind: ResourceKind, namespace: String?, after revision: Int64) -> AsyncThrowingStream<WatchEvent, any Error> {
        watch([(kind, namespace)], after: revision)
    }

    /// One watch request per collection, their events merged as they come.
    private func watch(_ collections: [(ResourceKind, String?)], after revision: Int64) -> AsyncThrowingStream<WatchEvent, any Error> {
        let http = self.http
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for (kind, namespace) in collections {
                            group.addTask {
                                try await APIClientWatch(http: http, kind: kind, namespace: namespace).run(after: revision, into: continuation)
                            }
                        }
                        try await group.waitForAll()
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    // MARK: - Bodies

    private func query(_ dryRun: Bool) -> String { dryRun ? "?dryRun=All" : "" }

    private func body<T: Encodable>(_ value: T) throws(StoreError) -> Data {
        do { return try JSONCoding.shared.encode(value) } catch {
            throw StoreError(.invalid, "cannot encode the request: \(error)")
        }
    }

    private func body<R: Resource>(_ object: R) throws(StoreError) -> Data {
        var o = object
        o.setTypeMeta()
        do { return try JSONCoding.shared.encode(o) } catch {
            throw StoreError(.invalid, "\(object.displayName): cannot encode the request: \(error)")
        }
    }

    private func decode<R: Resource>(_ type: R.Type, _ data: Data) throws(StoreError) -> R {
        do { return try JSONCoding.shared.decode(R.self, from: data) } catch {
            throw StoreError(.unavailable, "server \(http.endpoint.server): a \(R.kind.rawValue) that cannot be read: \(error)")
        }
    }

    static func replacingStatus(of object: Data, with status: JSONValue?) throws(StoreError) -> Data {
        guard case .object(var members)? = try? JSONCoding.shared.decode(JSONValue.self, from: object) else {
            throw StoreError(.unavailable, "an object that is not a JSON object")
        }
        members["status"] = status ?? .null
        do { return try JSONCoding.shared.encode(JSONValue.object(members)) } catch {
            throw StoreError(.invalid, "cannot encode the request: \(error)")
        }
    }
}

/// A `<Kind>List` as the API sends it.
struct WireList<R: Resource>: Decodable {
    struct Meta: Decodable { var resourceVersion: String? }
    var items: [R]?
    var metadata: Meta?
}
