import Synchronization

/// Wakes this process's watchers when a commit of this process lands: a counter that `notify`
/// bumps, and the continuations of tasks waiting for it to move. Leader terms of both backends
/// use one too, notified once when the term ends (hence `package`).
package final class ChangeSignal: Sendable {
    private struct State {
        var tick: UInt64 = 0
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    package init() {}

    /// The number of notifications so far; read it before looking at the store, wait on it after.
    package var tick: UInt64 { state.withLock { $0.tick } }

    package func notify() {
        let waiters = state.withLock { s in
            s.tick &+= 1
            let w = s.waiters
            s.waiters = [:]
            return w
        }
        for c in waiters.values { c.resume() }
    }

    /// Returns when `tick` has moved past `seen`, or when the task is cancelled.
    package func wait(since seen: UInt64) async {
        let id = state.withLock { s in
            s.nextID += 1
            return s.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                // Checked under the lock that cancellation also takes, so a cancel that runs before
                // the waiter is registered is seen here, and one that runs after finds the waiter.
                let now = state.withLock { s -> Bool in
                    if s.tick != seen || Task.isCancelled { return true }
                    s.waiters[id] = c
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            let c = state.withLock { s in s.waiters.removeValue(forKey: id) }
            c?.resume()
        }
    }
}
