import Foundation

/// Why a store stopped taking writes: its files were taken away from under it, or a check
/// found it damaged. Once a store has a fault it keeps it; the process must be restarted on a
/// store that is whole again.
public struct StoreFault: Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable, CaseIterable {
        /// The `-wal` file this process writes to is no longer the one at its path (removed or
        /// replaced): what it commits there, and what it committed since the last checkpoint,
        /// nobody else can see.
        case walRemoved = "wal_removed"
        /// The database path now names another file, or none: this process writes to a file
        /// that is no longer the store.
        case databaseReplaced = "database_replaced"
        /// `PRAGMA integrity_check` or `quick_check` found damage.
        case corrupt
    }
    public var reason: Reason
    /// Says what happened, naming the file.
    public var message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { message }
}

extension StoreFault {
    /// The fault for a check that found `problems` in the store at `path`: the count and the
    /// first few, as SQLite words them.
    public static func corrupt(path: String, check: SQLiteStore.IntegrityCheck, problems: [String]) -> StoreFault {
        let shown = problems.prefix(3).map { $0.replacingOccurrences(of: "\n", with: " ") }.joined(separator: "; ")
        let more = problems.count > 3 ? " (and \(problems.count - 3) more)" : ""
        return StoreFault(
            .corrupt,
            "store \(path) is corrupt: \(check.rawValue) found \(problems.count) problem\(problems.count == 1 ? "" : "s"): \(shown)\(more)")
    }

    /// What the fault means for the data, and what to do: said when the daemon stops.
    public var consequence: String {
        switch reason {
        case .walRemoved:
            "Commits not yet copied from that log into the database file were only in the log and are lost. Restore the store (or re-apply what is missing); on the next start recovery reports volumes on this node whose PersistentVolume is gone, and removes none of them."
        case .databaseReplaced:
            "What pvd wrote since went to the old file, not to the one now at the path. On the next start recovery reports volumes on this node whose PersistentVolume is not in the store, and removes none of them."
        case .corrupt:
            "Restore the store from a backup; `pvd store check` lists every problem."
        }
    }
}
