import Logging
import PVDModel
import PVDStore

extension APIHandler {
    /// GET of one object (`/status` answers the same object, as Kubernetes does).
    func get(_ t: APIRoute.ResourceTarget, name: String, _ request: APIRequest) async throws -> APIResponse {
        let object = try await stored(t, name: name)
        if request.wantsTable {
            return APIResponse(status: 200, body: .bytes(
                APITable.table(kind: t.kind, objects: [object], resourceVersion: object.metadata.resourceVersion, include: include(request))))
        }
        return APIResponse(status: 200, body: .bytes(RESTObjects.bytes(object)))
    }

    /// GET of a collection: the kind in the URL's namespace (or all), filtered by
    /// `labelSelector` and `fieldSelector`, as a `<Kind>List` or a Table. `limit` is taken but
    /// the whole list is one page (no `continue`), which kubectl reads as the end.
    func list(_ t: APIRoute.ResourceTarget, _ request: APIRequest) async throws -> APIResponse {
        let (labels, fields) = try selectors(request, kind: t.kind)
        let items: [AnyResource]
        var revision: Int64
        var next: String?
        if let page = try await paged(t, request, labels: labels, fields: fields) {
            (items, revision, next) = page
        } else {
            (items, revision) = try await listed(t, labels: labels, fields: fields)
        }
        if request.wantsTable {
            return APIResponse(status: 200, body: .bytes(
                APITable.table(kind: t.kind, objects: items, resourceVersion: String(revision), continue: next, include: include(request))))
        }
        return APIResponse(status: 200, body: .bytes(RESTObjects.list(kind: t.kind, objects: items, resourceVersion: revision, continue: next)))
    }

    /// A page of the list when the client asked for one (`limit`, `continue`), as Kubernetes
    /// pages: at most `limit` items in list order and, when more follow, a `continue` token.
    /// Every page reports the first page's revision; later pages are read from the store as it
    /// is then (pvd keeps no snapshot between requests), so a client that watches from that
    /// revision is still told every change since. Nil for an unpaged list.
    func paged(
        _ t: APIRoute.ResourceTarget, _ request: APIRequest, labels: LabelSelector?, fields: FieldSelector?
    ) async throws -> (items: [AnyResource], revision: Int64, next: String?)? {
        let token = try request.query["continue"].flatMap { $0.isEmpty ? nil : try ContinueToken(decoding: $0) }
        if token != nil, let rv = request.query["resourceVersion"], !rv.isEmpty {
            throw APIStatus.badRequest("specifying resource version is not allowed when using continue")
        }
        var limit = 0
        if let text = request.query["limit"], !text.isEmpty {
            guard let n = Int(text), n >= 0 else { throw APIStatus.badRequest("invalid limit \"\(text)\": want a whole number") }
            limit = n
        }
        guard limit > 0 || token != nil else { return nil }
        let page: ListPage
        do {
            page = try await store.listPage(
                kind: t.kind, namespace: t.kind.isNamespaced ? t.namespace : nil, selector: labels, fields: fields, after: token?.cursor,
                limit: limit > 0 ? limit : Int.max)
        } catch {
            if error.code == .invalid { throw APIStatus.badRequest(error.message) }
            throw Self.status(error, kind: t.kind, name: "")
        }
        let revision = token?.rv ?? page.revision
        return (page.items, revision, page.next.map { ContinueToken(revision: revision, cursor: $0).encoded })
    }

    /// GET with `watch=1`: a chunked stream of events (see `WatchStream`).
    func watch(_ t: APIRoute.ResourceTarget, _ request: APIRequest) async throws -> APIResponse {
        let (labels, fields) = try selectors(request, kind: t.kind)
        var initial: [AnyResource] = []
        var after: Int64
        if let rv = request.query["resourceVersion"], !rv.isEmpty, rv != "0" {
            guard let n = Int64(rv), n >= 0 else { throw APIStatus.badRequest("invalid resourceVersion \"\(rv)\": want a number") }
            after = n
        } else {
            (initial, after) = try await listed(t, labels: labels, fields: fields)
        }
        var timeout = Self.defaultWatchTimeout
        if let text = request.query["timeoutSeconds"], !text.isEmpty {
            guard let s = Int64(text), s >= 0 else { throw APIStatus.badRequest("invalid timeoutSeconds \"\(text)\": want whole seconds") }
            timeout = .seconds(s)
        }
        let bookmarks = ["true", "1"].contains(request.query["allowWatchBookmarks"] ?? "")
        let stream = WatchStream(
            store: store, kind: t.kind, namespace: t.kind.isNamespaced ? t.namespace : nil, labels: labels, fields: fields, initial: initial,
            after: after, timeout: timeout, table: request.wantsTable, bookmarks: bookmarks)
        let contentType = request.wantsTable ? "application/json;as=Table;v=v1;g=meta.k8s.io" : "application/json"
        return APIResponse(status: 200, contentType: contentType, body: .watch(stream))
    }

    /// The stored object, or Kubernetes' NotFound for it.
    func stored(_ t: APIRoute.ResourceTarget, name: String) async throws -> AnyResource {
        do {
            return try await store.get(kind: t.kind, namespace: t.namespace, name: name)
        } catch {
            if error.code == .notFound { throw APIStatus.notFound(t.kind, name: name) }
            throw Self.status(error, kind: t.kind, name: name)
        }
    }

    func listed(_ t: APIRoute.ResourceTarget, labels: LabelSelector?, fields: FieldSelector?) async throws -> ([AnyResource], Int64) {
        do {
            return try await store.list(kind: t.kind, namespace: t.kind.isNamespaced ? t.namespace : nil, selector: labels, fields: fields)
        } catch {
            // A field the kind cannot be selected by is the store's `.invalid`: the client's mistake.
            if error.code == .invalid { throw APIStatus.badRequest(error.message) }
            throw Self.status(error, kind: t.kind, name: "")
        }
    }

    func selectors(_ request: APIRequest, kind: ResourceKind) throws -> (LabelSelector?, FieldSelector?) {
        var labels: LabelSelector?
        var fields: FieldSelector?
        if let text = request.query["labelSelector"], !text.isEmpty {
            do { labels = try LabelSelector(parsing: text) } catch { throw APIStatus.badRequest("unable to parse requirement: \(error)") }
        }
        if let text = request.query["fieldSelector"], !text.isEmpty {
            do {
                let f = try FieldSelector(parsing: text)
                try f.check(for: kind)
                fields = f
            } catch {
                throw APIStatus.badRequest("\(error)")
            }
        }
        return (labels, fields)
    }

    func include(_ request: APIRequest) -> APITable.Include {
        switch request.query["includeObject"] {
        case "Object": .object
        case "None": .none
        default: .metadata
        }
    }

    /// A store failure as the API reports it.
    static func status(_ error: StoreError, kind: ResourceKind, name: String) -> APIStatus {
        switch error.code {
        case .notFound: .notFound(kind, name: name)
        case .alreadyExists: .alreadyExists(kind, name: name)
        case .conflict: .conflict(kind, name: name)
        case .invalid: .badRequest(error.message)
        case .compacted: .expired(error.message)
        case .unavailable, .fenced: .unavailable(error.message)
        }
    }
}
