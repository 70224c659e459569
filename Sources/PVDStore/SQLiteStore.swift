import Foundation
import GRDB
import Logging
import PVDModel
import Synchronization

/// The embedded `ObjectStore`: one SQLite file in WAL mode, opened through a GRDB `DatabaseQueue`.
///
/// Several processes (the daemon and CLI invocations) may open the same file at once: SQLite's file
/// locks serialise their writes, every write transaction begins `IMMEDIATE` so a compare-and-swap
/// never reads a snapshot it cannot then write, and a busy timeout makes a writer wait for another
/// process's transaction instead of failing at once. Watchers see writes of this process at once and
/// writes of other processes within a millisecond or so (inotify on the files wakes a
/// `PRAGMA data_version` check; see `DataVersionPoller`).
public final class SQLiteStore: ObjectStore {
    /// The file this store reads and writes, as given to `init`.
    public let path: String

    let pool: DatabaseQueue
    let signal = ChangeSignal()
    let historyLimit: Int64
    let poller: DataVersionPoller
    let checkpointer: BackgroundCheckpointer
    let logger: Logger
    /// The database and log files as opened, to notice them removed or replaced (`checkFiles`).
    let files: StoreFileIdentity
    /// Set once, by the first fault seen; from then on every commit is refused.
    let faultState = Mutex<StoreFault?>(nil)

    /// Opens (and, unless `createIfMissing` is false, creates) the store at `path`.
    ///
    /// - Parameters:
    ///   - busyTimeout: how long a write waits for another connection's transaction before failing
    ///     with `.unavailable` "database is locked".
    ///   - historyLimit: how many revisions of change history `watch` can replay; older ones are
    ///     compacted away as writes go on.
    ///   - pollInterval: while any watch runs and the files cannot be watched with inotify, how
    ///     often the store checks (one `PRAGMA data_version` query, shared by all watchers) whether
    ///     another process wrote to the file.
    ///   - fallbackPollInterval: while any watch runs and inotify wakes the check on every write
    ///     to the files, how often it checks anyway: only a safety net.
    ///   - cacheMiB: the page cache of the connection. Bulk work wants it big; a daemon that reads
    ///     through an informer's cache wants it small, since these pages count in its memory.
    /// - Throws: `.unavailable` when the file is missing (and may not be created), is empty, is not
    ///   a SQLite database, belongs to something else or to a newer pvd, or stays locked.
    public init(
        path: String, createIfMissing: Bool = true, busyTimeout: Duration = .seconds(5),
        historyLimit: Int64 = 100_000, pollInterval: Duration = .milliseconds(5),
        fallbackPollInterval: Duration = .seconds(2), cacheMiB: Int = 64,
        logger: Logger = Logger(label: "pvd.store")
    ) throws(StoreError) {
        self.path = path
        self.historyLimit = max(1, historyLimit)
        self.poller = DataVersionPoller(path: path, interval: pollInterval, fallbackInterval: fallbackPollInterval, signal: signal)
        self.logger = logger
        self.checkpointer = BackgroundCheckpointer(path: path, logger: logger)
        if !createIfMissing && !FileManager.default.fileExists(atPath: path) {
            throw StoreError(.unavailable, "store \(path): no such file")
        }
        try Self.refuseEmptyFile(path)
        var config = Configuration()
        config.busyMode = .timeout(busyTimeout.timeInterval)
        config.prepareDatabase { db in
            // WAL with synchronous=NORMAL survives a crash of any process; only a power loss can
            // lose the last commits. FULL would fsync on every commit and cap bulk binds far lower.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // A cache that holds a large cluster's working set (64 MiB). Checkpoints run on a
            // connection of their own (BackgroundCheckpointer); this one's automatic checkpoint
            // is only the backstop that rewinds the log, at ~400 MiB of it: each one stalls the
            // writer on two fsyncs, and at ~100 MiB they cost a 150k bind several seconds. Once
            // rewound, a log left bigger than 64 MiB is cut back to that.
            // No mmap: mapped pages of the file count in the process's resident memory (a bulk
            // bind of a big store would carry the whole mapping), and the pages a write needs
            // come from the cache or the OS page cache just as well.
            try db.execute(sql: "PRAGMA cache_size = -\(max(1, cacheMiB) * 1024)")
            try db.execute(sql: "PRAGMA mmap_size = 0")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(BackgroundCheckpointer.writerBackstopPages)")
            try db.execute(sql: "PRAGMA journal_size_limit = \(64 << 20)")
            // Debian builds SQLite with secure_delete on: every deleted or rewritten row is zeroed
            // in place and freed pages are written out again just to hold zeros. The store holds
            // no secrets (its history already keeps old versions), so only zero what costs no
            // extra I/O. Durability is unaffected.
            try db.execute(sql: "PRAGMA secure_delete = FAST")
            // WAL is a property of the file: a no-op once set, so opening an existing store writes
            // nothing. (GRDB's DatabasePool would create and drop a table on every open to make
            // the -wal file appear, changing the file even for a read-only command.)
            let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            guard mode == "wal" else { throw StoreError(.unavailable, "store \(path): cannot use WAL mode (journal_mode is \(mode ?? "unknown"))") }
        }
        do {
            pool = try DatabaseQueue(path: path, configuration: config)
        } catch {
            throw Self.storeError(error, path: path)
        }
        do {
            // A store already at this schema is only read here, so a command that only reads
            // (`pvd get`) never waits for, or fails on, another process's write lock. Only a
            // file without our schema yet goes on to the IMMEDIATE transaction that makes it.
            let current = try pool.read { db in try Self.schemaIsCurrent(db, path: path) }
            if !current {
                try pool.writeWithoutTransaction { db in
                    try db.inTransaction(.immediate) {
                        try Self.prepareSchema(db, path: path)
                        return .commit
                    }
                }
            }
        } catch {
            throw Self.storeError(error, path: path)
        }
        // After the first read, which makes SQLite open (or create) the log.
        files = try StoreFileIdentity(path: path)
        logger.debug("store opened", metadata: ["pvd.store": "\(path)"])
    }

    // MARK: - ObjectStore

    public func create<R: Resource>(_ object: R) async throws(StoreError) -> R {
        try typed(try await commit([.create(AnyResource(object))]).first ?? nil, as: R.self, object.displayName)
    }

    public func get<R: Resource>(_ type: R.Type, namespace: String?, name: String) async throws(StoreError) -> R {
        let kind = R.kind
        let ns = StoredObjectRules.storedNamespace(kind, namespace)
        let path = self.path
        do {
            return try await pool.snapshotRead { db in
                let statement = try db.cachedStatement(sql: "SELECT data FROM objects WHERE kind = ? AND namespace = ? AND name = ?")
                guard let data = try Data.fetchOne(statement, arguments: [kind.rawValue, ns, name]) else {
                    throw StoreError(.notFound, "\(StoredObjectRules.displayName(kind, ns, name)): not found")
                }
                return try Self.decode(R.self, data, path: path, StoredObjectRules.displayName(kind, ns, name))
            }
        } catch {
            throw Self.storeError(error, path: path)
        }
    }

    public func list<R: Resource>(_ type: R.Type, namespace: String?, selector: LabelSelector?) async throws(StoreError) -> ObjectList<R> {
        let path = self.path
        let raw = try await rows(R.kind, namespace: namespace, after: nil, limit: nil)
        // Decoding is most of a big list's cost, and needs no database: it runs after the read
        // transaction ends, on several tasks for big lists.
        var items = try await Self.decodeAll(R.self, raw.rows, path: path)
        if let selector { items.removeAll { !selector.matches($0.metadata.labels) } }
        return ObjectList(items: items, revision: raw.revision)
    }

    /// Lists of at least this many objects are decoded on several threads (`Concurrently`).
    static let parallelDecodingThreshold = 512

    static func decodeAll<R: Resource>(_ type: R.Type, _ rows: [Data], path: String) async throws(StoreError) -> [R] {
        // Below the threshold this is one range, decoded on the calling thread.
        let parts = Concurrently.map(Concurrently.ranges(rows.count, minimum: parallelDecodingThreshold / 2)) { range in
            Result { () throws -> [R] in
                var out: [R] = []
                out.reserveCapacity(range.count)
                for data in rows[range] { out.append(try decode(R.self, data, path: path, R.kind.rawValue)) }
                return out
            }
        }
        do {
            return try parts.flatMap { try $0.get() }
        } catch {
            throw storeError(error, path: path)
        }
    }

    public func update<R: Resource>(_ object: R) async throws(StoreError) -> R {
        try typed(try await commit([.update(AnyResource(object))]).first ?? nil, as: R.self, object.displayName)
    }

    public func delete<R: Resource>(_ type: R.Type, namespace: String?, name: String, uid: String?) async throws(StoreError) -> R? {
        let results = try await commit([.delete(kind: R.kind, namespace: namespace, name: name, uid: uid)])
        guard let result = results.first ?? nil else { return nil }
        return try typed(result, as: R.self, result.displayName)
    }

    public func commit(_ writes: [StoreWrite]) async throws(StoreError) -> [AnyResource?] {
        if writes.isEmpty { return [] }
        let path = self.path
        // Before every commit: one written into a log or file nobody else can see is lost.
        if let fault = checkFiles() {
            throw StoreError(.unavailable, "\(fault.message); writes stopped")
        }
        let historyLimit = self.historyLimit
        let now = Time.now()
        let prepared = try await Self.prepare(writes, now: now)
        let results: [AnyResource?]
        do {
            results = try await pool.writeWithoutTransaction { db in
                // IMMEDIATE takes the write lock before the first read, so the stored resourceVersion a
                // CAS compares against cannot change before this transaction commits.
                try db.inPreparedTransaction(immediate: true) {
                    try Self.apply(prepared, db: db, historyLimit: historyLimit, now: now)
                }
            }
        } catch {
            throw Self.storeError(error, path: path)
        }
        // After the commit, never before: a woken watcher must be able to read what woke it.
        signal.notify()
        checkpointer.wrote(writes.count)
        return results
    }

    /// Copies the whole write-ahead log into the database file and empties the log. After a
    /// bulk load, so the work the load left behind is done before whatever comes next (and
    /// before a file copy of the store).
    ///
    /// SQLite does not wait for a checkpoint another connection is running (the background
    /// one, or another process's): it answers "busy" at once. That is retried here for up to
    /// `timeout`, then reported as `.unavailable`.
    public func checkpoint(timeout: Duration = .seconds(30)) async throws(StoreError) {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let busy: Bool
            do {
                busy = try await pool.writeWithoutTransaction { db in
                    // busy, frames in the log, frames copied
                    let row = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                    return (row?[0] as Int?) != 0
                }
            } catch let e as DatabaseError where e.resultCode == .SQLITE_BUSY || e.resultCode == .SQLITE_LOCKED {
                busy = true
            } catch {
                throw Self.storeError(error, path: path)
            }
            if !busy { return }
            if clock.now >= deadline {
                throw StoreError(.unavailable, "store \(path): checkpoint: the log is still in use after \(timeout)")
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    public func currentRevision() async throws(StoreError) -> Int64 {
        do {
            return try await pool.snapshotRead { db in try Int64.fetchOne(db.cachedStatement(sql: "SELECT revision FROM meta")) ?? 0 }
        } catch {
            throw Self.storeError(error, path: path)
        }
    }

    // MARK: - Helpers

    static func decode<R: Resource>(_ type: R.Type, _ data: Data, path: String, _ name: @autoclosure () -> String) throws -> R {
        do {
            return try JSONCoding.shared.decode(R.self, from: data)
        } catch {
            throw StoreError(.unavailable, "store \(path): \(name()): stored object cannot be decoded: \(error)")
        }
    }

    private func typed<R: Resource>(_ result: AnyResource?, as: R.Type, _ name: String) throws(StoreError) -> R {
        guard let object = result?.as(R.self) else {
            throw StoreError(.invalid, "\(name): store returned no \(R.kind.rawValue)")
        }
        return object
    }
}

extension Duration {
    /// Seconds as a `TimeInterval`, as GRDB's busy mode takes them.
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
