import Synchronization

/// A count of store revisions, added to from any task: how far a pass's own commits moved the
/// store, so that any further move is someone else's writing.
final class RevisionCount: Sendable {
    private let count = Mutex<Int64>(0)

    func add(_ n: Int64) { count.withLock { $0 += n } }

    var value: Int64 { count.withLock { $0 } }
}
