import Synchronization

/// Something that happens once (the HTTP server is listening), that other services wait for.
final class StartSignal: Sendable {
    private struct State {
        var fired = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var next = 0
    }

    private let state = Mutex(State())

    func fire() {
        let waiters = state.withLock { s in
            s.fired = true
            defer { s.waiters = [:] }
            return s.waiters
        }
        for c in waiters.values { c.resume() }
    }

    /// Returns once `fire` has been called, or when the task is cancelled.
    func wait() async {
        let id = state.withLock { s in
            s.next += 1
            return s.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.fired || Task.isCancelled { return true }
                    s.waiters[id] = c
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            state.withLock { s in s.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
