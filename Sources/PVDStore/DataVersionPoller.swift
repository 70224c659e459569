import GRDB
import Synchronization

/// Notices commits made by other processes: while at least one watch runs, it reads
/// `PRAGMA data_version` on a connection of its own every `interval` and bumps the change signal
/// when the value moves. One poller per store, however many watchers, so an idle daemon pays for
/// one cheap query per interval rather than one per watcher.
final class DataVersionPoller: Sendable {
    private struct State {
        var watchers = 0
        var task: Task<Void, Never>?
    }

    private let state = Mutex(State())
    private let path: String
    private let interval: Duration
    private let signal: ChangeSignal

    init(path: String, interval: Duration, signal: ChangeSignal) {
        self.path = path
        self.interval = interval
        self.signal = signal
    }

    /// Registers a watcher; the first one starts the poll loop.
    func acquire() {
        state.withLock { s in
            s.watchers += 1
            if s.task == nil {
                let (path, interval, signal) = (self.path, self.interval, self.signal)
                s.task = Task { await Self.poll(path: path, interval: interval, signal: signal) }
            }
        }
    }

    /// Unregisters a watcher; the last one stops the poll loop.
    func release() {
        let task = state.withLock { s -> Task<Void, Never>? in
            s.watchers -= 1
            guard s.watchers == 0 else { return nil }
            defer { s.task = nil }
            return s.task
        }
        task?.cancel()
    }

    private static func poll(path: String, interval: Duration, signal: ChangeSignal) async {
        var config = Configuration()
        config.readonly = true
        var connection: DatabaseQueue?
        var last: Int64?
        while !Task.isCancelled {
            // A failed open or read is retried on the next tick rather than ending the loop: a
            // watcher must not silently stop seeing other processes' writes.
            if connection == nil { connection = try? DatabaseQueue(path: path, configuration: config) }
            if let connection,
               let version = try? connection.inDatabase({ db in
                   try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA data_version"))
               }) ?? nil {
                // data_version changes whenever another connection commits; this one never writes,
                // so it sees every commit. The first reading also notifies, because a commit may
                // have landed between a watcher's last read and this baseline.
                if version != last {
                    last = version
                    signal.notify()
                }
            }
            try? await Task.sleep(for: interval)
        }
    }
}
