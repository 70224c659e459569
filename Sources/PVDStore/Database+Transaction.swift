import GRDB

extension Database {
    /// Runs `body` in one SQLite transaction (`BEGIN DEFERRED` for a read, `IMMEDIATE` for a
    /// write) whose BEGIN and COMMIT are statements prepared once per connection. GRDB's
    /// `read` and `inTransaction` parse both anew on every call, with its statement authorizer:
    /// for a one-object read or write, more work than the read or the write itself.
    ///
    /// Any failure, the commit's included, rolls the transaction back and is rethrown, so no
    /// transaction is ever left open on the connection.
    func inPreparedTransaction<T>(immediate: Bool, _ body: () throws -> T) throws -> T {
        try cachedStatement(sql: immediate ? "BEGIN IMMEDIATE TRANSACTION" : "BEGIN DEFERRED TRANSACTION").execute()
        do {
            let value = try body()
            try cachedStatement(sql: "COMMIT TRANSACTION").execute()
            return value
        } catch {
            // A read that finds nothing ends here too (a GET of a name not taken): the ROLLBACK
            // is prepared once as well. GRDB's own is the fallback; SQLite may have rolled back
            // already (a full disk, an I/O error).
            if isInsideTransaction {
                do { try cachedStatement(sql: "ROLLBACK TRANSACTION").execute() } catch { try? rollback() }
            }
            throw error
        }
    }
}

extension DatabaseQueue {
    /// A read in one transaction, so that its statements see one state of the store.
    func snapshotRead<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await unsafeRead { db in try db.inPreparedTransaction(immediate: false) { try body(db) } }
    }
}
