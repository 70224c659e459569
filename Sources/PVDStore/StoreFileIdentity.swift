#if canImport(Glibc)
import Glibc
#endif

/// The files a store connection has open, as device and inode, taken right after it opened
/// them, so that a file removed or replaced under the running process can be told from the
/// one it still writes to.
///
/// Why inodes: the process's own connection never sees an error when its files are unlinked
/// (its descriptors still work; only other processes fail, with "disk I/O error"), so the error
/// cannot be the signal. And while a connection is open SQLite itself never removes or
/// recreates the `-wal` file (only the last connection to close does, once it holds the
/// database's exclusive lock), so as long as the store is open the inode at `<db>-wal` never
/// changes by SQLite's doing: any change there, or at the database's own path, is someone
/// else's. Two `stat` calls are cheap enough to make before every commit.
struct StoreFileIdentity: Sendable, Equatable {
    struct Inode: Sendable, Equatable {
        var device: UInt64
        var inode: UInt64
    }

    let path: String
    let database: Inode
    /// Nil when there was no log file to see at open (a connection that never read): then only
    /// the database is watched.
    let log: Inode?

    var logPath: String { path + "-wal" }

    /// Reads both identities now; throws when the database itself cannot be `stat`ed.
    init(path: String) throws(StoreError) {
        self.path = path
        switch Self.inode(path) {
        case .success(let i): database = i
        case .failure(let e): throw StoreError(.unavailable, "store \(path): stat: \(e.message) (errno \(e.errno))")
        }
        log = try? Self.inode(path + "-wal").get()
    }

    /// What is wrong with the files now, or nil when they are still the ones opened.
    func check() -> StoreFault? {
        switch Self.inode(path) {
        case .failure(let e) where e.errno == ENOENT:
            return StoreFault(.databaseReplaced, "store \(path): the database file was removed while pvd had it open")
        case .failure(let e):
            return StoreFault(.databaseReplaced, "store \(path): stat: \(e.message) (errno \(e.errno))")
        case .success(let now) where now != database:
            return StoreFault(
                .databaseReplaced,
                "store \(path): the database file was replaced while pvd had it open (inode \(database.inode), now \(now.inode))")
        case .success:
            break
        }
        guard let log else { return nil }
        switch Self.inode(logPath) {
        case .failure(let e) where e.errno == ENOENT:
            return StoreFault(.walRemoved, "store \(path): its write-ahead log \(logPath) was removed while pvd had it open")
        case .failure(let e):
            return StoreFault(.walRemoved, "store \(path): stat \(logPath): \(e.message) (errno \(e.errno))")
        case .success(let now) where now != log:
            return StoreFault(
                .walRemoved,
                "store \(path): its write-ahead log \(logPath) was replaced while pvd had it open (inode \(log.inode), now \(now.inode))")
        case .success:
            return nil
        }
    }

    /// A failed `stat`: errno and its text.
    struct StatError: Error {
        var errno: Int32
        var message: String { String(cString: strerror(errno)) }
    }

    static func inode(_ path: String) -> Result<Inode, StatError> {
        var st = stat()
        guard stat(path, &st) == 0 else { return .failure(StatError(errno: errno)) }
        return .success(Inode(device: UInt64(st.st_dev), inode: UInt64(st.st_ino)))
    }
}
