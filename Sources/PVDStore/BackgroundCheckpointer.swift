import Foundation
import GRDB
import Logging
import Synchronization

/// Copies the write-ahead log back into the database file on a connection and a thread of its
/// own, so the connection that writes never waits for the disk.
///
/// In WAL mode with `synchronous = NORMAL` a commit only appends to the log; the fsyncs come
/// with checkpoints. SQLite's automatic checkpoint runs on the committing connection, inside
/// the commit that crosses its threshold: during a bulk bind the writer sat in `fdatasync`
/// for about a sixth of the run while the CPUs idled. Here the writer only reports how many
/// objects it wrote; once enough have piled up, a PASSIVE checkpoint (which never blocks or
/// waits for a writer or reader) runs on this connection, one at a time.
///
/// The writer's own automatic checkpoint stays on with a high threshold as the backstop: a
/// PASSIVE checkpoint that races a busy writer never catches the log's end, so the log is only
/// rewound once the writer checkpoints the little that is left itself.
final class BackgroundCheckpointer: Sendable {
    /// Object writes between checkpoints: about a WAL page each (plus the change row).
    static let rowsPerCheckpoint = 8_000
    /// The writer's automatic checkpoint threshold, in pages (~400 MiB), once this one runs.
    static let writerBackstopPages = 100_000

    private struct State {
        var pending = 0
        var running = false
        var connection: DatabaseQueue?
        var warned = false
    }

    private let path: String
    private let logger: Logger
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "pvd.store.checkpoint", qos: .utility)

    init(path: String, logger: Logger) {
        self.path = path
        self.logger = logger
    }

    /// Counts `rows` committed writes; starts a checkpoint when enough are waiting and none runs.
    func wrote(_ rows: Int) {
        let start = state.withLock { s -> Bool in
            s.pending += rows
            guard !s.running, s.pending >= Self.rowsPerCheckpoint else { return false }
            s.pending = 0
            s.running = true
            return true
        }
        if start { queue.async { self.checkpoint() } }
    }

    private func checkpoint() {
        defer { state.withLock { $0.running = false } }
        do {
            // Opened on first use, outside the lock `wrote` takes after every commit. Only this
            // queue ever sets it, so there is no second opener to race. Never over a removed
            // file: opening would create an empty one in its place.
            let connection: DatabaseQueue
            if let c = state.withLock({ $0.connection }) {
                connection = c
            } else {
                guard FileManager.default.fileExists(atPath: path) else { return }
                var config = Configuration()
                // Never waits: a checkpoint that finds the file busy just tries again next time.
                config.busyMode = .immediateError
                config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
                connection = try DatabaseQueue(path: path, configuration: config)
                state.withLock { $0.connection = connection }
            }
            try connection.writeWithoutTransaction { db in
                _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")
            }
        } catch {
            // Tried again after the next batch of writes, on a fresh connection (a busy or
            // recovering file is passing); the writer's own checkpoint covers the meantime.
            // Said once, not at every retry.
            let first = state.withLock { s -> Bool in
                s.connection = nil
                defer { s.warned = true }
                return !s.warned
            }
            if first {
                logger.warning("background checkpoint failed, will retry", metadata: ["pvd.store": "\(path)", "pvd.error": "\(error)"])
            }
        }
    }
}
