import Foundation
import GRDB
import PVDModel

extension SQLiteStore {
    /// Applies a batch inside the caller's write transaction: each write gets the next revision and
    /// a `changes` row; the meta row is written once at the end. Throws on the first failing write,
    /// and the caller's transaction then rolls everything back.
    static func apply(_ writes: [StoreWrite], db: Database, historyLimit: Int64) throws -> [AnyResource?] {
        guard let meta = try Row.fetchOne(db.cachedStatement(sql: "SELECT revision, compacted FROM meta")) else {
            throw StoreError(.unavailable, "store: meta row missing")
        }
        var revision: Int64 = meta[0]
        let compacted: Int64 = meta[1]
        let now = Time.now()
        var results: [AnyResource?] = []
        results.reserveCapacity(writes.count)
        for write in writes {
            switch write {
            case .create(let object):
                results.append(try create(object, db: db, revision: &revision, now: now))
            case .update(let object):
                results.append(try update(object, db: db, revision: &revision))
            case .delete(let kind, let namespace, let name, let uid):
                results.append(try delete(kind, namespace: namespace, name: name, uid: uid, db: db, revision: &revision, now: now))
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

    private static func create(_ object: AnyResource, db: Database, revision: inout Int64, now: Time) throws -> AnyResource {
        var object = object.withTypeMeta()
        let kind = object.kind
        var meta = object.metadata
        guard !meta.name.isEmpty else { throw StoreError(.invalid, "\(kind.shortName): name required") }
        let ns = storedNamespace(kind, meta.namespace)
        revision += 1
        // Everything the store owns is assigned here, whatever the caller sent.
        meta.namespace = ns.isEmpty ? nil : ns
        meta.uid = UUID().uuidString.lowercased()
        meta.resourceVersion = String(revision)
        meta.generation = 1
        meta.creationTimestamp = now
        meta.deletionTimestamp = nil
        object.metadata = meta
        let data = try encode(object)
        do {
            try db.cachedStatement(sql: """
                INSERT INTO objects (kind, namespace, name, uid, rv, generation, created, deleting, data)
                VALUES (?, ?, ?, ?, ?, 1, ?, NULL, ?)
                """).execute(arguments: [kind.rawValue, ns, meta.name, meta.uid, revision, now.seconds, data])
        } catch let e as DatabaseError where e.resultCode == .SQLITE_CONSTRAINT {
            throw StoreError(.alreadyExists, "\(displayName(kind, ns, meta.name)): already exists")
        }
        try recordChange(db, revision, kind, ns, meta.name, .added, data)
        return object
    }

    private static func update(_ object: AnyResource, db: Database, revision: inout Int64) throws -> AnyResource {
        var object = object.withTypeMeta()
        let kind = object.kind
        var meta = object.metadata
        let ns = storedNamespace(kind, meta.namespace)
        let name = displayName(kind, ns, meta.name)
        guard let given = meta.resourceVersion, !given.isEmpty else {
            throw StoreError(.invalid, "\(name): resourceVersion required for update")
        }
        let stored = try fetchStored(db, kind, ns, meta.name, name)
        guard given == String(stored.rv) else {
            throw StoreError(.conflict, "\(name): conflict: resourceVersion \(given) is stale, current is \(stored.rv)")
        }
        if let uid = meta.uid, !uid.isEmpty, uid != stored.uid {
            throw StoreError(.conflict, "\(name): conflict: uid \(uid) does not match stored uid \(stored.uid)")
        }
        revision += 1
        meta.namespace = ns.isEmpty ? nil : ns
        meta.uid = stored.uid
        meta.creationTimestamp = Time(seconds: stored.created)
        // Once set, deletionTimestamp stays: an update can neither clear nor move it.
        meta.deletionTimestamp = stored.deleting.map { Time(seconds: $0) }
        meta.generation = stored.generation
        meta.resourceVersion = String(revision)
        object.metadata = meta
        var data = try encode(object)
        // Encoding twice only when the spec changed is cheaper than decoding the stored object.
        if JSONMembers.specChanged(stored.data, data) {
            meta.generation = stored.generation + 1
            object.metadata = meta
            data = try encode(object)
        }
        if meta.deletionTimestamp != nil && (meta.finalizers ?? []).isEmpty {
            try db.cachedStatement(sql: "DELETE FROM objects WHERE kind = ? AND namespace = ? AND name = ?")
                .execute(arguments: [kind.rawValue, ns, meta.name])
            try recordChange(db, revision, kind, ns, meta.name, .deleted, data)
        } else {
            try db.cachedStatement(sql: "UPDATE objects SET rv = ?, generation = ?, data = ? WHERE kind = ? AND namespace = ? AND name = ?")
                .execute(arguments: [revision, meta.generation, data, kind.rawValue, ns, meta.name])
            try recordChange(db, revision, kind, ns, meta.name, .modified, data)
        }
        return object
    }

    private static func delete(
        _ kind: ResourceKind, namespace: String?, name objectName: String, uid: String?, db: Database,
        revision: inout Int64, now: Time
    ) throws -> AnyResource? {
        let ns = storedNamespace(kind, namespace)
        let name = displayName(kind, ns, objectName)
        let stored = try fetchStored(db, kind, ns, objectName, name)
        if let uid, uid != stored.uid {
            throw StoreError(.conflict, "\(name): conflict: uid precondition \(uid) does not match stored uid \(stored.uid)")
        }
        var object: AnyResource
        do {
            object = try AnyResource.decode(kind: kind, from: stored.data)
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
            let data = try encode(object)
            try db.cachedStatement(sql: "UPDATE objects SET rv = ?, deleting = ?, data = ? WHERE kind = ? AND namespace = ? AND name = ?")
                .execute(arguments: [revision, now.seconds, data, kind.rawValue, ns, objectName])
            try recordChange(db, revision, kind, ns, objectName, .modified, data)
            return object
        }
        revision += 1
        // The DELETED event carries the deletion's revision, as Kubernetes' watch does.
        meta.resourceVersion = String(revision)
        object.metadata = meta
        let data = try encode(object)
        try db.cachedStatement(sql: "DELETE FROM objects WHERE kind = ? AND namespace = ? AND name = ?")
            .execute(arguments: [kind.rawValue, ns, objectName])
        try recordChange(db, revision, kind, ns, objectName, .deleted, data)
        return nil
    }

    /// The columns of a stored object that the write rules need.
    private struct Stored {
        var uid: String
        var rv: Int64
        var generation: Int64
        var created: Int64
        var deleting: Int64?
        var data: Data
    }

    private static func fetchStored(_ db: Database, _ kind: ResourceKind, _ ns: String, _ name: String, _ display: String) throws -> Stored {
        let statement = try db.cachedStatement(sql: """
            SELECT uid, rv, generation, created, deleting, data FROM objects WHERE kind = ? AND namespace = ? AND name = ?
            """)
        guard let row = try Row.fetchOne(statement, arguments: [kind.rawValue, ns, name]) else {
            throw StoreError(.notFound, "\(display): not found")
        }
        return Stored(uid: row[0], rv: row[1], generation: row[2], created: row[3], deleting: row[4], data: row[5])
    }

    private static func recordChange(
        _ db: Database, _ revision: Int64, _ kind: ResourceKind, _ ns: String, _ name: String,
        _ type: WatchEvent.EventType, _ data: Data
    ) throws {
        try db.cachedStatement(sql: "INSERT INTO changes (revision, kind, namespace, name, type, data) VALUES (?, ?, ?, ?, ?, ?)")
            .execute(arguments: [revision, kind.rawValue, ns, name, type.rawValue, data])
    }

    private static func encode(_ object: AnyResource) throws -> Data {
        do {
            switch object {
            case .storageClass(let x): return try JSONCoding.shared.encode(x)
            case .persistentVolume(let x): return try JSONCoding.shared.encode(x)
            case .persistentVolumeClaim(let x): return try JSONCoding.shared.encode(x)
            case .pod(let x): return try JSONCoding.shared.encode(x)
            case .node(let x): return try JSONCoding.shared.encode(x)
            case .event(let x): return try JSONCoding.shared.encode(x)
            }
        } catch {
            throw StoreError(.invalid, "\(object.displayName): cannot be encoded: \(error)")
        }
    }
}

extension AnyResource {
    /// The object with apiVersion and kind filled in, as every stored and returned object has them.
    func withTypeMeta() -> AnyResource {
        switch self {
        case .storageClass(var x): x.setTypeMeta(); return .storageClass(x)
        case .persistentVolume(var x): x.setTypeMeta(); return .persistentVolume(x)
        case .persistentVolumeClaim(var x): x.setTypeMeta(); return .persistentVolumeClaim(x)
        case .pod(var x): x.setTypeMeta(); return .pod(x)
        case .node(var x): x.setTypeMeta(); return .node(x)
        case .event(var x): x.setTypeMeta(); return .event(x)
        }
    }
}
