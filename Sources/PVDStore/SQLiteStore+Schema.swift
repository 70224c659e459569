import GRDB
#if canImport(Glibc)
import Glibc
#endif

extension SQLiteStore {
    /// The schema version this code writes, kept in SQLite's `user_version`.
    static let schemaVersion = 1

    /// Whether the file already holds this code's schema; throws for a newer one. Reads only.
    static func schemaIsCurrent(_ db: Database, path: String) throws -> Bool {
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        if version > schemaVersion {
            throw StoreError(.unavailable, "store \(path): schema version \(version) is newer than this pvd understands (\(schemaVersion))")
        }
        return version == schemaVersion
    }

    /// Creates the tables of a new, empty file, or checks that an existing file is a pvd store this
    /// code understands. Runs inside an IMMEDIATE transaction so two processes creating the same
    /// file at once cannot both create the schema.
    static func prepareSchema(_ db: Database, path: String) throws {
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        if version == schemaVersion { return }
        if version > schemaVersion {
            throw StoreError(.unavailable, "store \(path): schema version \(version) is newer than this pvd understands (\(schemaVersion))")
        }
        // Version 0 is either a new empty file or some other application's database; only the first
        // may get our tables.
        let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
        if tables > 0 {
            throw StoreError(.unavailable, "store \(path): not a pvd store (it already holds other tables)")
        }
        // Timestamps and the revision live in columns as well as in the JSON so that writes can
        // apply Kubernetes' rules without decoding the stored object.
        try db.execute(sql: """
            CREATE TABLE objects (
                kind TEXT NOT NULL,
                namespace TEXT NOT NULL,
                name TEXT NOT NULL,
                uid TEXT NOT NULL,
                rv INTEGER NOT NULL,
                generation INTEGER NOT NULL,
                created INTEGER NOT NULL,
                deleting INTEGER,
                data BLOB NOT NULL,
                PRIMARY KEY (kind, namespace, name)
            );
            CREATE TABLE meta (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                revision INTEGER NOT NULL,
                compacted INTEGER NOT NULL
            );
            INSERT INTO meta (id, revision, compacted) VALUES (1, 0, 0);
            CREATE TABLE changes (
                revision INTEGER PRIMARY KEY,
                kind TEXT NOT NULL,
                namespace TEXT NOT NULL,
                name TEXT NOT NULL,
                type TEXT NOT NULL,
                data BLOB NOT NULL
            );
            PRAGMA user_version = \(schemaVersion);
            """)
    }

    /// Refuses an existing file of zero bytes. SQLite would take it for a new database and pvd
    /// would make a fresh, empty store of it, silently: a truncated store would then look like
    /// a cluster without volumes (and recovery would take every volume on the node for a
    /// leftover). A store pvd made is never empty: switching a new file to WAL writes its first
    /// page before anything else.
    static func refuseEmptyFile(_ path: String) throws(StoreError) {
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size == 0 else { return }
        throw StoreError(
            .unavailable, "store \(path): the file is empty (0 bytes), not a pvd store; pvd does not start a new store over it (remove the file to start afresh)")
    }

    /// Turns whatever a GRDB call threw into a `StoreError`: store errors pass through, SQLite
    /// errors become `.unavailable` naming the file.
    static func storeError(_ error: any Error, path: String) -> StoreError {
        if let e = error as? StoreError { return e }
        if let e = error as? DatabaseError {
            switch e.resultCode {
            case .SQLITE_NOTADB:
                return StoreError(.unavailable, "store \(path): file is not a database")
            case .SQLITE_CORRUPT:
                return StoreError(.unavailable, "store \(path): file is corrupt (\(e.message ?? "database disk image is malformed")); restore it from a backup")
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return StoreError(.unavailable, "store \(path): database is locked")
            default:
                return StoreError(.unavailable, "store \(path): \(e.message ?? "\(e.resultCode)")")
            }
        }
        if error is CancellationError {
            return StoreError(.unavailable, "store \(path): cancelled")
        }
        return StoreError(.unavailable, "store \(path): \(error)")
    }
}
