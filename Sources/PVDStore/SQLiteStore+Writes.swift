import Foundation
import GRDB
import PVDModel

extension SQLiteStore {
    /// A write whose object was encoded before the transaction: the expensive full encoding runs
    /// outside the write lock (and in parallel for big batches); inside it the revision and
    /// generation are patched into the bytes, and only an update whose other store-owned fields
    /// differ from what the caller sent has its metadata encoded again and spliced in.
    struct PreparedWrite: Sendable {
        /// What to do; for creates and updates the object itself is in `object`, not kept twice.
        enum Operation: Sendable {
            case create
            case update
            case delete(kind: ResourceKind, namespace: String?, name: String, uid: String?, resourceVersion: String?)
        }
        var operation: Operation
        /// The object with apiVersion and kind filled in, for creates and updates.
        var object: AnyResource?
        /// `object` encoded, with the caller's metadata still in it.
        var body: Data?
        /// For an update: `body`'s members other than metadata and status, for the generation rule.
        var spec: [UInt8]? = nil
        /// Where `body`'s resourceVersion and generation sit, for patching them in.
        var points: JSONMembers.PatchPoints? = nil
    }

    /// Batches at least this big are encoded on several tasks.
    static let parallelEncodingThreshold = 256

    static func prepare(_ writes: [StoreWrite], now: Time) async throws(StoreError) -> [PreparedWrite] {
        @Sendable func prepareOne(_ w: StoreWrite) throws(StoreError) -> PreparedWrite {
            switch w {
            case .create(let o):
                // Only the revision is left for the transaction to patch in (over the "0").
                let object = try StoredObjectRules.created(o, now: now, resourceVersion: "0").object
                let body = try StoredObjectRules.encode(object)
                return PreparedWrite(operation: .create, object: object, body: body, points: JSONMembers.patchPoints(in: body))
            case .update(let o):
                var object = o.withTypeMeta()
                // Encoded with the caller's metadata, which for an object read from the store is
                // what the transaction will find; it patches the revision and generation in, and
                // re-encodes the metadata only when something else differs.
                let ns = StoredObjectRules.storedNamespace(object.kind, object.metadata.namespace)
                // Set only when it differs: setting any metadata copies the whole object.
                if object.metadata.namespace != (ns.isEmpty ? nil : ns) { object.metadata.namespace = ns.isEmpty ? nil : ns }
                // The scans of the body the transaction needs run here too, outside the write lock.
                let body = try StoredObjectRules.encode(object)
                return PreparedWrite(
                    operation: .update, object: object, body: body, spec: JSONMembers.specBytes(body),
                    points: JSONMembers.patchPoints(in: body))
            case .delete(let kind, let namespace, let name, let uid, let resourceVersion):
                return PreparedWrite(
                    operation: .delete(kind: kind, namespace: namespace, name: name, uid: uid, resourceVersion: resourceVersion), object: nil, body: nil)
            }
        }
        let lanes = writes.count < parallelEncodingThreshold ? 1 : min(4, Concurrently.workers)
        if lanes < 2 {
            var out: [PreparedWrite] = []
            out.reserveCapacity(writes.count)
            for w in writes { out.append(try prepareOne(w)) }
            return out
        }
        let chunk = (writes.count + lanes - 1) / lanes
        do {
            return try await withThrowingTaskGroup(of: (Int, [PreparedWrite]).self) { group in
                for lane in 0..<lanes {
                    let slice = writes[min(writes.count, lane * chunk)..<min(writes.count, (lane + 1) * chunk)]
                    group.addTask {
                        var out: [PreparedWrite] = []
                        out.reserveCapacity(slice.count)
                        for w in slice { out.append(try prepareOne(w)) }
                        return (lane, out)
                    }
                }
                var parts = [[PreparedWrite]](repeating: [], count: lanes)
                for try await (lane, part) in group { parts[lane] = part }
                return parts.flatMap { $0 }
            }
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError(.invalid, "cannot encode objects: \(error)")
        }
    }

    /// Applies a batch inside the caller's write transaction: each write gets the next revision and
    /// a `changes` row; the meta row is written once at the end. Throws on the first failing write,
    /// and the caller's transaction then rolls everything back.
    static func apply(_ writes: [PreparedWrite], db: Database, historyLimit: Int64, now: Time) throws -> [AnyResource?] {
        guard let meta = try Row.fetchOne(db.cachedStatement(sql: "SELECT revision, compacted FROM meta")) else {
            throw StoreError(.unavailable, "store: meta row missing")
        }
        var revision: Int64 = meta[0]
        let compacted: Int64 = meta[1]
        var results: [AnyResource?] = []
        results.reserveCapacity(writes.count)
        let statements = try Statements(db)
        for w in writes {
            switch (w.operation, w.object, w.body) {
            case (.create, let object?, let body?):
                results.append(try create(object, body: body, points: w.points, db: statements, revision: &revision))
            case (.update, let object?, let body?):
                results.append(try update(object, body: body, spec: w.spec, points: w.points, db: statements, revision: &revision))
            case (.delete(let kind, let namespace, let name, let uid, let resourceVersion), _, _):
                results.append(try delete(
                    kind, namespace: namespace, name: name, uid: uid, resourceVersion: resourceVersion, db: statements, revision: &revision, now: now))
            default:
                throw StoreError(.invalid, "write was not prepared")
            }
        }
        try db.cachedStatement(sql: "UPDATE meta SET revision = ?").execute(arguments: [revision])
        // Compact in steps of a tenth of the limit, so most commits delete nothing and the ones that
        // do delete a contiguous range of the revision-keyed table.
        if revision - compacted > historyLimit + historyLimit / 10 {
            let upTo = revision - historyLimit
            try db.cachedStatement(sql: "DELETE FROM changes WHERE revision <= ?").execute(arguments: [upTo])
            try db.cachedStatement(sql: "UPDATE meta SET compacted = ?").execute(arguments: [upTo])
        }
        return results
    }

    private static func create(
        _ object: AnyResource, body: Data, points: JSONMembers.PatchPoints?, db: Statements, revision: inout Int64
    ) throws -> AnyResource {
        var object = object
        let kind = object.kind
        let meta = object.metadata
        let ns = meta.namespace ?? ""
        revision += 1
        object.metadata.resourceVersion = String(revision)
        let data = try points.flatMap { JSONMembers.patching(body, at: $0, resourceVersion: String(revision), generation: nil) }
            ?? withMetadata(body, object)
        do {
            let insert = db.insertObject
            insert.bind(1, kind.rawValue)
            insert.bind(2, ns)
            insert.bind(3, meta.name)
            insert.bind(4, meta.uid ?? "")
            insert.bind(5, revision)
            insert.bind(6, meta.creationTimestamp?.seconds ?? 0)
            try insert.execute(binding: data, at: 7)
        } catch let e as DatabaseError where e.resultCode == .SQLITE_CONSTRAINT {
            throw StoreError(.alreadyExists, "\(StoredObjectRules.displayName(kind, ns, meta.name)): already exists")
        }
        try recordChange(db, revision, kind, ns, meta.name, .added, data)
        return object
    }

    private static func update(
        _ object: AnyResource, body: Data, spec: [UInt8]?, points: JSONMembers.PatchPoints?, db: Statements, revision: inout Int64
    ) throws -> AnyResource {
        var object = object
        let kind = object.kind
        var meta = object.metadata
        let ns = StoredObjectRules.storedNamespace(kind, meta.namespace)
        let name = StoredObjectRules.displayName(kind, ns, meta.name)
        guard let given = meta.resourceVersion, !given.isEmpty else {
            throw StoreError(.invalid, "\(name): resourceVersion required for update")
        }
        let stored = try fetchStored(db, kind, ns, meta.name, name) { data in
            JSONMembers.specChanged(data, newSpec: spec ?? JSONMembers.specBytes(body))
        }
        guard given == String(stored.rv) else {
            throw StoreError(.conflict, "\(name): conflict: resourceVersion \(given) is stale, current is \(stored.rv)")
        }
        if let uid = meta.uid, !uid.isEmpty, uid != stored.uid {
            throw StoreError(.conflict, "\(name): conflict: uid \(uid) does not match stored uid \(stored.uid)")
        }
        revision += 1
        let sent = meta
        meta.uid = stored.uid
        meta.creationTimestamp = Time(seconds: stored.created)
        // Once set, deletionTimestamp stays: an update can neither clear nor move it.
        meta.deletionTimestamp = stored.deleting.map { Time(seconds: $0) }
        meta.generation = stored.derived ? stored.generation + 1 : stored.generation
        meta.resourceVersion = String(revision)
        object.metadata = meta
        // The usual caller sent back what it read, so only the revision and generation differ from
        // what `body` holds and can be patched; anything else means encoding the metadata.
        var unpatched = meta
        unpatched.resourceVersion = sent.resourceVersion
        unpatched.generation = sent.generation
        let data: Data
        if unpatched == sent, sent.generation != nil, let points,
           let patched = JSONMembers.patching(body, at: points, resourceVersion: String(revision), generation: meta.generation) {
            data = patched
        } else {
            data = try withMetadata(body, object)
        }
        if meta.deletionTimestamp != nil && (meta.finalizers ?? []).isEmpty {
            db.deleteObject.bind(1, stored.rowid)
            try db.deleteObject.execute()
            try recordChange(db, revision, kind, ns, meta.name, .deleted, data)
        } else {
            let write = db.updateObject
            write.bind(1, revision)
            write.bind(2, meta.generation)
            write.bind(4, stored.rowid)
            try write.execute(binding: data, at: 3)
            try recordChange(db, revision, kind, ns, meta.name, .modified, data)
        }
        return object
    }

    private static func delete(
        _ kind: ResourceKind, namespace: String?, name objectName: String, uid: String?, resourceVersion: String?, db: Statements,
        revision: inout Int64, now: Time
    ) throws -> AnyResource? {
        let ns = StoredObjectRules.storedNamespace(kind, namespace)
        let name = StoredObjectRules.displayName(kind, ns, objectName)
        let stored = try fetchStored(db, kind, ns, objectName, name) { Data($0) }
        if let uid, uid != stored.uid {
            throw StoreError(.conflict, "\(name): conflict: uid precondition \(uid) does not match stored uid \(stored.uid)")
        }
        if let resourceVersion, resourceVersion != String(stored.rv) {
            throw StoreError(.conflict, "\(name): conflict: resourceVersion precondition \(resourceVersion) does not match stored resourceVersion \(stored.rv)")
        }
        var object: AnyResource
        do {
            object = try AnyResource.decode(kind: kind, from: stored.derived)
        } catch {
            throw StoreError(.unavailable, "store: \(name): stored object cannot be decoded: \(error)")
        }
        var meta = object.metadata
        if !(meta.finalizers ?? []).isEmpty {
            // Deleting something already being deleted changes nothing, as in Kubernetes.
            if stored.deleting != nil { return object }
            revision += 1
            meta.deletionTimestamp = now
            meta.resourceVersion = String(revision)
            object.metadata = meta
            let data = try withMetadata(stored.derived, object)
            try db.database.cachedStatement(sql: "UPDATE objects SET rv = ?, deleting = ?, data = ? WHERE rowid = ?")
                .execute(arguments: [revision, now.seconds, data, stored.rowid])
            try recordChange(db, revision, kind, ns, objectName, .modified, data)
            return object
        }
        revision += 1
        // The DELETED event carries the deletion's revision, as Kubernetes' watch does.
        meta.resourceVersion = String(revision)
        object.metadata = meta
        let data = try withMetadata(stored.derived, object)
        db.deleteObject.bind(1, stored.rowid)
        try db.deleteObject.execute()
        try recordChange(db, revision, kind, ns, objectName, .deleted, data)
        return nil
    }

    /// `body` (an encoding of `object` with other metadata) with `object`'s metadata in it.
    private static func withMetadata(_ body: Data, _ object: AnyResource) throws -> Data {
        let meta: Data
        do {
            meta = try JSONCoding.shared.encode(object.metadata)
        } catch {
            throw StoreError(.invalid, "\(object.displayName): metadata cannot be encoded: \(error)")
        }
        // A body without a metadata member cannot come from our encoder; encode it whole then.
        return try JSONMembers.replacingMetadata(in: body, with: meta) ?? StoredObjectRules.encode(object)
    }

    /// The statements a batch runs for every write, looked up in the statement cache once per
    /// batch rather than once per write (each lookup hashes the whole SQL text), and run through
    /// SQLite's C API (see `RawStatement`).
    struct Statements {
        let database: Database
        let fetchStored: RawStatement
        let insertObject: RawStatement
        let updateObject: RawStatement
        let deleteObject: RawStatement
        let insertChange: RawStatement

        init(_ db: Database) throws {
            database = db
            fetchStored = RawStatement(try db.cachedStatement(sql: """
                SELECT rowid, uid, rv, generation, created, deleting, data FROM objects WHERE kind = ? AND namespace = ? AND name = ?
                """), in: db)
            insertObject = RawStatement(try db.cachedStatement(sql: """
                INSERT INTO objects (kind, namespace, name, uid, rv, generation, created, deleting, data)
                VALUES (?, ?, ?, ?, ?, 1, ?, NULL, ?)
                """), in: db)
            updateObject = RawStatement(try db.cachedStatement(sql: "UPDATE objects SET rv = ?, generation = ?, data = ? WHERE rowid = ?"), in: db)
            deleteObject = RawStatement(try db.cachedStatement(sql: "DELETE FROM objects WHERE rowid = ?"), in: db)
            insertChange = RawStatement(try db.cachedStatement(
                sql: "INSERT INTO changes (revision, kind, namespace, name, type, data) VALUES (?, ?, ?, ?, ?, ?)"), in: db)
        }
    }

    /// The columns of a stored object that the write rules need, and what the caller derived
    /// from its stored bytes while SQLite still held them.
    private struct Stored<Derived> {
        /// Lets the write that follows the read skip a second primary-key search.
        var rowid: Int64
        var uid: String
        var rv: Int64
        var generation: Int64
        var created: Int64
        var deleting: Int64?
        var derived: Derived
    }

    /// Reads the stored row of an object; `derive` sees its encoded bytes in place (an update
    /// only needs to compare them, not to keep them).
    private static func fetchStored<Derived>(
        _ db: Statements, _ kind: ResourceKind, _ ns: String, _ name: String, _ display: String,
        derive: (UnsafeRawBufferPointer) throws -> Derived
    ) throws -> Stored<Derived> {
        let q = db.fetchStored
        q.bind(1, kind.rawValue)
        q.bind(2, ns)
        q.bind(3, name)
        return try q.withFirstRow { row in
            guard let row else { throw StoreError(.notFound, "\(display): not found") }
            return Stored(
                rowid: row.int64(0), uid: row.string(1), rv: row.int64(2), generation: row.int64(3), created: row.int64(4),
                deleting: row.optionalInt64(5), derived: try derive(row.bytes(6)))
        }
    }

    private static func recordChange(
        _ db: Statements, _ revision: Int64, _ kind: ResourceKind, _ ns: String, _ name: String,
        _ type: WatchEvent.EventType, _ data: Data
    ) throws {
        let insert = db.insertChange
        insert.bind(1, revision)
        insert.bind(2, kind.rawValue)
        insert.bind(3, ns)
        insert.bind(4, name)
        insert.bind(5, type.rawValue)
        try insert.execute(binding: data, at: 6)
    }
}

extension AnyResource {
    /// The object with apiVersion and kind filled in, as every stored and returned object has
    /// them (in every backend).
    public func withTypeMeta() -> AnyResource {
        // An object read from the store already has both: no copy of it to make.
        let meta = typeMeta
        if meta.apiVersion == kind.apiVersion && meta.kind == kind.rawValue { return self }
        switch self {
        case .storageClass(var x): x.setTypeMeta(); return .storageClass(x)
        case .persistentVolume(var x): x.setTypeMeta(); return .persistentVolume(x)
        case .persistentVolumeClaim(var x): x.setTypeMeta(); return .persistentVolumeClaim(x)
        case .pod(var x): x.setTypeMeta(); return .pod(x)
        case .node(var x): x.setTypeMeta(); return .node(x)
        case .event(var x): x.setTypeMeta(); return .event(x)
        case .lease(var x): x.setTypeMeta(); return .lease(x)
        case .csiStorageCapacity(var x): x.setTypeMeta(); return .csiStorageCapacity(x)
        case .role(var x): x.setTypeMeta(); return .role(x)
        case .clusterRole(var x): x.setTypeMeta(); return .clusterRole(x)
        case .roleBinding(var x): x.setTypeMeta(); return .roleBinding(x)
        case .clusterRoleBinding(var x): x.setTypeMeta(); return .clusterRoleBinding(x)
        }
    }

    /// apiVersion and kind as the object holds them, read in place.
    private var typeMeta: (apiVersion: String?, kind: String?) {
        switch self {
        case .storageClass(let x): (x.apiVersion, x.kindName)
        case .persistentVolume(let x): (x.apiVersion, x.kindName)
        case .persistentVolumeClaim(let x): (x.apiVersion, x.kindName)
        case .pod(let x): (x.apiVersion, x.kindName)
        case .node(let x): (x.apiVersion, x.kindName)
        case .event(let x): (x.apiVersion, x.kindName)
        case .lease(let x): (x.apiVersion, x.kindName)
        case .csiStorageCapacity(let x): (x.apiVersion, x.kindName)
        case .role(let x): (x.apiVersion, x.kindName)
        case .clusterRole(let x): (x.apiVersion, x.kindName)
        case .roleBinding(let x): (x.apiVersion, x.kindName)
        case .clusterRoleBinding(let x): (x.apiVersion, x.kindName)
        }
    }
}
