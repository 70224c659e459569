import Foundation
import GRDB
import Logging
import PVDModel

extension SQLiteStore {
    /// Rows read from `changes` per transaction: enough to catch up fast, few enough that one page
    /// does not hold a reader snapshot (and so the WAL) for long.
    static let watchPageSize = 512

    public func watch(_ kinds: Set<ResourceKind>, after revision: Int64) -> AsyncThrowingStream<WatchEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: WatchEvent.self, throwing: (any Error).self)
        let pool = self.pool
        let signal = self.signal
        let path = self.path
        let poller = self.poller
        let logger = self.logger
        // The one task a watch owns; onTermination cancels it when the consumer stops iterating or
        // its task is cancelled, and it ends at its next suspension point.
        let task = Task {
            do {
                try await Self.runWatch(
                    kinds: kinds, after: revision, pool: pool, signal: signal, poller: poller, path: path,
                    continuation: continuation)
                continuation.finish()
            } catch {
                let e = Self.storeError(error, path: path)
                if !Task.isCancelled {
                    logger.debug("watch ended", metadata: ["pvd.store": "\(path)", "pvd.error": "\(e)"])
                }
                continuation.finish(throwing: e)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private static func runWatch(
        kinds: Set<ResourceKind>, after revision: Int64, pool: DatabaseQueue, signal: ChangeSignal,
        poller: DataVersionPoller, path: String, continuation: AsyncThrowingStream<WatchEvent, any Error>.Continuation
    ) async throws {
        poller.acquire()
        defer { poller.release() }
        var last = max(0, revision)
        let kindNames = Set(kinds.map(\.rawValue))
        while !Task.isCancelled {
            // Read the tick before the store, so a commit that lands after the read still wakes us.
            let seen = signal.tick
            let from = last
            let page = try await pool.snapshotRead { db in try Self.readChanges(db, after: from, kinds: kindNames, path: path) }
            for event in page.events { continuation.yield(event) }
            last = page.through
            if page.more { continue }
            // Woken by a commit of this process at once, or by the poller for other processes.
            await signal.wait(since: seen)
        }
    }

    private struct ChangePage: Sendable {
        var events: [WatchEvent]
        /// Every revision up to here has been looked at, matching or not.
        var through: Int64
        var more: Bool
    }

    private static func readChanges(_ db: Database, after last: Int64, kinds: Set<String>, path: String) throws -> ChangePage {
        guard let meta = try Row.fetchOne(db.cachedStatement(sql: "SELECT revision, compacted FROM meta")) else {
            throw StoreError(.unavailable, "store \(path): meta row missing")
        }
        let current: Int64 = meta[0]
        let compacted: Int64 = meta[1]
        // Checked on every page, not only the first: a watcher that falls behind compaction must fail
        // rather than skip what was removed under it.
        if last < compacted {
            throw StoreError(.compacted, "store \(path): revision \(last) has been compacted; the oldest revision held is \(compacted + 1)")
        }
        let statement = try db.cachedStatement(sql: """
            SELECT revision, kind, type, data FROM changes WHERE revision > ? AND revision <= ? ORDER BY revision LIMIT ?
            """)
        var events: [WatchEvent] = []
        var through = last
        var count = 0
        let rows = try Row.fetchCursor(statement, arguments: [last, current, watchPageSize])
        while let row = try rows.next() {
            count += 1
            let rev: Int64 = row[0]
            through = rev
            let kindName: String = row[1]
            guard kinds.contains(kindName), let kind = ResourceKind(rawValue: kindName) else { continue }
            let typeName: String = row[2]
            guard let type = WatchEvent.EventType(rawValue: typeName) else {
                throw StoreError(.unavailable, "store \(path): revision \(rev) has unknown change type \(typeName)")
            }
            let data: Data = row[3]
            let object: AnyResource
            do {
                object = try AnyResource.decode(kind: kind, from: data)
            } catch {
                throw StoreError(.unavailable, "store \(path): revision \(rev) cannot be decoded: \(error)")
            }
            events.append(WatchEvent(type: type, object: object, revision: rev))
        }
        let more = count == watchPageSize
        // A short page means everything up to the snapshot's revision was seen, even revisions of
        // other kinds, so the next read starts past them instead of scanning them again.
        return ChangePage(events: events, through: more ? through : max(through, current), more: more)
    }
}
