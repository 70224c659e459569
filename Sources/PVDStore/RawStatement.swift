import Foundation
import GRDB
import GRDBSQLite

/// A statement GRDB prepared and caches, driven through SQLite's C API directly.
///
/// The store's writes run three or four statements per object. Through GRDB's
/// `execute(arguments:)` each call builds an arguments array of `DatabaseValue`s and copies
/// every blob twice (into the array, then into SQLite); a fetched row copies the stored object
/// into a `Data` just so it can be compared. At a bulk bind's hundreds of thousands of writes
/// that was half of the writer's time. Here values are bound in place (a blob is handed to
/// SQLite without a copy for as long as the step runs) and columns are read where SQLite
/// keeps them.
///
/// Used only inside a GRDB transaction on the connection that prepared it, so the statement
/// is never shared between threads.
struct RawStatement {
    let handle: OpaquePointer
    let connection: OpaquePointer?

    init(_ statement: Statement, in db: Database) {
        handle = statement.sqliteStatement
        connection = db.sqliteConnection
    }

    /// SQLite's "copy this value now" destructor.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(handle, index, value)
    }

    func bind(_ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    func bind(_ index: Int32, _ value: String) {
        var value = value
        value.withUTF8 { b in
            guard let base = b.baseAddress, b.count > 0 else {
                // A null pointer would bind NULL; the empty namespace of a cluster-scoped object is "".
                _ = sqlite3_bind_text(handle, index, "", 0, Self.transient)
                return
            }
            _ = base.withMemoryRebound(to: CChar.self, capacity: b.count) {
                sqlite3_bind_text(handle, index, $0, Int32(b.count), Self.transient)
            }
        }
    }

    /// Runs the statement to completion with `blob` bound at `index` without copying it: the
    /// bytes are only borrowed while the statement runs.
    func execute(binding blob: Data, at index: Int32) throws {
        try blob.withUnsafeBytes { (b: UnsafeRawBufferPointer) in
            sqlite3_bind_blob(handle, index, b.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(b.count), nil)
            defer { sqlite3_bind_null(handle, index) }
            try execute()
        }
    }

    /// Runs a statement that returns no rows, then resets it for the next use.
    func execute() throws {
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else { throw failure(code) }
        sqlite3_reset(handle)
    }

    /// Steps to the first row and hands it to `body` (nil when there is none), then resets. The
    /// row's columns are valid only inside `body`.
    func withFirstRow<T>(_ body: (Row?) throws -> T) throws -> T {
        defer { sqlite3_reset(handle) }
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return try body(Row(handle: handle))
        case SQLITE_DONE: return try body(nil)
        default: throw failure(code)
        }
    }

    /// The current row of a stepped statement.
    struct Row {
        let handle: OpaquePointer

        func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

        func optionalInt64(_ column: Int32) -> Int64? {
            sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : sqlite3_column_int64(handle, column)
        }

        func string(_ column: Int32) -> String {
            guard let text = sqlite3_column_text(handle, column) else { return "" }
            let count = Int(sqlite3_column_bytes(handle, column))
            return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
        }

        /// The column's bytes where SQLite holds them: valid until the statement moves on.
        func bytes(_ column: Int32) -> UnsafeRawBufferPointer {
            let pointer = sqlite3_column_blob(handle, column)
            let count = Int(sqlite3_column_bytes(handle, column))
            guard let pointer, count > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
            return UnsafeRawBufferPointer(start: pointer, count: count)
        }
    }

    /// The error of a failed step, as GRDB reports one, so callers catch one kind of error.
    private func failure(_ code: Int32) -> DatabaseError {
        sqlite3_reset(handle)
        let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
        let sql = sqlite3_sql(handle).map { String(cString: $0) }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
    }
}
