import Foundation
import GRDB
import PVDModel

extension SQLiteStore {
    /// One stretch of a kind in list order, read by the primary key: the rows after the cursor.
    public func listRange<R: Resource>(_ type: R.Type, namespace: String?, after: ListCursor?, limit: Int) async throws(StoreError) -> ListRange<R> {
        // One more row than asked tells whether more follow.
        let raw = try await rows(R.kind, namespace: namespace, after: after, limit: min(limit, Int.max - 1) + 1)
        let items = try await Self.decodeAll(R.self, Array(raw.rows.prefix(limit)), path: path)
        return ListRange(items: items, revision: raw.revision, more: raw.rows.count > limit)
    }

    /// The stored bytes of a kind in list order (the primary key (kind, namespace, name) gives
    /// namespace-then-name order), optionally in one namespace, after a cursor and at most
    /// `limit` rows, with the revision they were read at, in one read transaction.
    func rows(_ kind: ResourceKind, namespace: String?, after: ListCursor?, limit: Int?) async throws(StoreError) -> (revision: Int64, rows: [Data]) {
        let ns = namespace.map { StoredObjectRules.storedNamespace(kind, $0) }
        var sql = "SELECT data FROM objects WHERE kind = ?"
        var arguments: StatementArguments = [kind.rawValue]
        if let ns {
            sql += " AND namespace = ?"
            arguments += [ns]
        }
        if let after {
            sql += " AND (namespace, name) > (?, ?)"
            arguments += [after.namespace, after.name]
        }
        sql += " ORDER BY namespace, name"
        if let limit {
            sql += " LIMIT ?"
            arguments += [limit]
        }
        let (query, values) = (sql, arguments)
        do {
            return try await pool.snapshotRead { db in
                let revision = try Int64.fetchOne(db.cachedStatement(sql: "SELECT revision FROM meta")) ?? 0
                return (revision, try Data.fetchAll(db.cachedStatement(sql: query), arguments: values))
            }
        } catch {
            throw Self.storeError(error, path: path)
        }
    }
}
