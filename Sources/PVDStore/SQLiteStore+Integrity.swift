import Foundation
import GRDB

extension SQLiteStore {
    /// SQLite's two consistency checks.
    public enum IntegrityCheck: String, Sendable {
        /// `PRAGMA quick_check`: every page and b-tree, not whether indexes match their tables.
        case quick = "quick_check"
        /// `PRAGMA integrity_check`: all of `quick_check`, plus indexes and constraints.
        case full = "integrity_check"
    }

    /// Runs `check` over the store at `path` on a read-only connection of its own (so it never
    /// holds up a writer) and returns the problems SQLite reports, at most `limit`; empty when
    /// the store is sound. A store too damaged to be read at all is one problem, SQLite's error.
    public static func integrityProblems(path: String, _ check: IntegrityCheck, limit: Int = 100) throws(StoreError) -> [String] {
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(5)
        do {
            let connection = try DatabaseQueue(path: path, configuration: config)
            let rows = try connection.read { db in try String.fetchAll(db, sql: "PRAGMA \(check.rawValue)(\(max(1, limit)))") }
            return rows == ["ok"] ? [] : rows
        } catch let e as DatabaseError where e.resultCode == .SQLITE_CORRUPT || e.resultCode == .SQLITE_NOTADB {
            return ["\(e.message ?? "database disk image is malformed")"]
        } catch {
            throw storeError(error, path: path)
        }
    }

    /// `integrityProblems` of this store, on a thread of its own: a full check of a big store
    /// reads every page and must not hold a cooperative thread meanwhile.
    public func integrityProblems(_ check: IntegrityCheck, limit: Int = 100) async throws(StoreError) -> [String] {
        let path = self.path
        let result: Result<[String], StoreError> = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .utility).async {
                do throws(StoreError) {
                    continuation.resume(returning: .success(try Self.integrityProblems(path: path, check, limit: limit)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}
