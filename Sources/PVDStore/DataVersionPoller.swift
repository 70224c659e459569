import Foundation
import GRDB
import Synchronization

/// Notices commits made by other processes: while at least one watch runs, a thread of its own
/// reads `PRAGMA data_version` on a connection of its own whenever the store's files change
/// (inotify, see `FileChangeWake`) and bumps the change signal when the value moves. One
/// poller per store, however many watchers.
///
/// Without a file change it still checks every `fallbackInterval` (seconds), in case a change
/// escaped inotify; where inotify cannot be set up it polls every `interval` (milliseconds)
/// instead, as it did before the wake-up existed.
final class DataVersionPoller: Sendable {
    private struct State {
        var watchers = 0
        var running: Running?
    }

    /// What stops a running poll thread.
    private final class Running: Sendable {
        let wake: FileChangeWake?
        let stopped = Atomic<Bool>(false)
        init(wake: FileChangeWake?) { self.wake = wake }
        func stop() {
            stopped.store(true, ordering: .releasing)
            wake?.stop()
        }
    }

    private let state = Mutex(State())
    private let path: String
    private let interval: Duration
    private let fallbackInterval: Duration
    private let signal: ChangeSignal

    init(path: String, interval: Duration, fallbackInterval: Duration, signal: ChangeSignal) {
        self.path = path
        self.interval = interval
        self.fallbackInterval = fallbackInterval
        self.signal = signal
    }

    /// Registers a watcher; the first one starts the poll thread.
    func acquire() {
        state.withLock { s in
            s.watchers += 1
            if s.running == nil {
                let running = Running(wake: FileChangeWake(databasePath: path))
                s.running = running
                let (path, interval, fallback, signal) = (self.path, self.interval, self.fallbackInterval, self.signal)
                // A thread, not a task: it blocks in ppoll(2) on the inotify descriptor, which must
                // not hold one of the few cooperative-pool threads.
                let thread = Thread { Self.poll(path: path, interval: interval, fallback: fallback, signal: signal, running: running) }
                // 15 characters at most: Linux refuses a longer thread name, and it stays unnamed.
                thread.name = "pvd.store.poll"
                thread.start()
            }
        }
    }

    /// Unregisters a watcher; the last one stops the poll thread.
    func release() {
        let running = state.withLock { s -> Running? in
            s.watchers -= 1
            guard s.watchers == 0 else { return nil }
            defer { s.running = nil }
            return s.running
        }
        running?.stop()
    }

    private static func poll(path: String, interval: Duration, fallback: Duration, signal: ChangeSignal, running: Running) {
        var config = Configuration()
        config.readonly = true
        var connection: DatabaseQueue?
        var last: Int64?
        /// Reads data_version; true when it moved (the first reading counts as a move, because a
        /// commit may have landed between a watcher's last read and this baseline).
        func check() -> Bool {
            // A failed open or read is retried on the next wake rather than ending the loop: a
            // watcher must not silently stop seeing other processes' writes.
            if connection == nil { connection = try? DatabaseQueue(path: path, configuration: config) }
            guard let connection,
                  let version = try? connection.inDatabase({ db in try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA data_version")) }) ?? nil,
                  version != last
            else { return false }
            // data_version changes whenever another connection commits; this one never writes,
            // so it sees every commit.
            last = version
            signal.notify()
            return true
        }
        let timeout = running.wake == nil ? interval : fallback
        // inotify reports the log's bytes being written, which can be a moment before the commit
        // is visible (its wal-index header is updated after, through shared memory, which
        // inotify does not see): when a look finds nothing, look again after these pauses.
        let pauses: [Duration] = [.microseconds(200), .milliseconds(1), .milliseconds(4), .milliseconds(16)]
        while !running.stopped.load(ordering: .acquiring) {
            _ = check()
            guard let wake = running.wake else {
                usleep(UInt32(clamping: interval.milliseconds * 1000))
                continue
            }
            switch wake.wait(timeout: timeout) {
            case .stopped: return
            case .timedOut: continue
            case .changed:
                if check() { continue }
                // Still listening while pausing: a write meanwhile (this commit's last frames, or
                // the next commit) is looked at when it lands, not after a blind sleep of up to
                // 16 ms, and starts the pauses over. Never sooner than the shortest pause after
                // the last look, though: another process's bulk transaction writes the log for
                // seconds before it commits, and would otherwise keep this thread spinning.
                var step = 0
                var looked = ContinuousClock.now
                while step < pauses.count {
                    switch wake.wait(timeout: pauses[step]) {
                    case .stopped: return
                    case .changed:
                        step = 0
                        let early = pauses[0] - (ContinuousClock.now - looked)
                        if early > .zero { usleep(UInt32(clamping: early.components.attoseconds / 1_000_000_000_000)) }
                    case .timedOut: step += 1
                    }
                    looked = ContinuousClock.now
                    if check() { break }
                }
            }
        }
    }
}

extension Duration {
    /// Whole milliseconds, at least 1.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
