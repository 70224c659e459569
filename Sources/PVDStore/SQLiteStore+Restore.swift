import Foundation
import GRDB
import PVDModel

extension SQLiteStore: RestorableStore {
    public var restoreBatchLimit: Int? { nil }

    public func restore(_ objects: [AnyResource], replacing: Bool) async throws(StoreError) {
        if objects.isEmpty { return }
        let now = Time.now()
        // Everything the copy keeps is set before the transaction; only the revision is left.
        var prepared: [AnyResource] = []
        prepared.reserveCapacity(objects.count)
        for o in objects {
            prepared.append(try StoredObjectRules.restored(o, now: now).object)
        }
        let path = self.path
        let rows = prepared
        do {
            try await pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    try Self.restoreRows(rows, replacing: replacing, db: db)
                    return .commit
                }
            }
        } catch {
            throw Self.storeError(error, path: path)
        }
        signal.notify()
        checkpointer.wrote(objects.count)
    }

    private static func restoreRows(_ objects: [AnyResource], replacing: Bool, db: Database) throws {
        var revision = try Int64.fetchOne(db.cachedStatement(sql: "SELECT revision FROM meta")) ?? 0
        let exists = try db.cachedStatement(sql: "SELECT 1 FROM objects WHERE kind = ? AND namespace = ? AND name = ?")
        let write = try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO objects (kind, namespace, name, uid, rv, generation, created, deleting, data)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let change = try db.cachedStatement(
            sql: "INSERT INTO changes (revision, kind, namespace, name, type, data) VALUES (?, ?, ?, ?, ?, ?)")
        for var object in objects {
            let kind = object.kind
            let meta = object.metadata
            let ns = meta.namespace ?? ""
            let present = try Bool.fetchOne(exists, arguments: [kind.rawValue, ns, meta.name]) ?? false
            if present && !replacing {
                throw StoreError(.alreadyExists, "\(StoredObjectRules.displayName(kind, ns, meta.name)): already exists")
            }
            revision += 1
            object.metadata.resourceVersion = String(revision)
            let data = try StoredObjectRules.encode(object)
            try write.execute(arguments: [
                kind.rawValue, ns, meta.name, meta.uid ?? "", revision, meta.generation ?? 1,
                meta.creationTimestamp?.seconds ?? 0, meta.deletionTimestamp?.seconds, data,
            ])
            let type: WatchEvent.EventType = present ? .modified : .added
            try change.execute(arguments: [revision, kind.rawValue, ns, meta.name, type.rawValue, data])
        }
        try db.cachedStatement(sql: "UPDATE meta SET revision = ?").execute(arguments: [revision])
    }
}
