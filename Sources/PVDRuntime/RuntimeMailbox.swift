/// How the runtime loop hears that something happened: a poke (a Pod, claim or volume
/// changed in the store), a container's start or its exit, posted by the tasks that watch it.
actor RuntimeMailbox {
    struct ContainerExit: Sendable {
        var uid: String
        var container: String
        var exitCode: Int32
    }

    private var poked = false
    private var exits: [ContainerExit] = []
    private var starts: [(uid: String, container: String)] = []

    func poke() { poked = true }
    func started(uid: String, container: String) { starts.append((uid, container)) }
    func exited(_ e: ContainerExit) { exits.append(e) }

    /// Waits until poked, an exit arrives, or `limit` passes (in 25 ms steps: a loop that
    /// sleeps needs no continuation bookkeeping, and 25 ms is far below runc's own start-up).
    func wait(upTo limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while !poked && exits.isEmpty && starts.isEmpty && ContinuousClock.now < deadline && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(25))
        }
    }

    /// What arrived since the last take (starts first: a run that started and ended in
    /// between is seen to do both); clears the poke.
    func take() -> (starts: [(uid: String, container: String)], exits: [ContainerExit]) {
        poked = false
        defer {
            exits = []
            starts = []
        }
        return (starts, exits)
    }
}
