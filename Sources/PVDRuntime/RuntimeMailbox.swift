/// How the runtime loop hears that something happened: a poke (a Pod, claim or volume
/// changed in the store) or a container's exit, posted by the task that waited for it.
actor RuntimeMailbox {
    struct ContainerExit: Sendable {
        var uid: String
        var container: String
        var exitCode: Int32
    }

    private var poked = false
    private var exits: [ContainerExit] = []

    func poke() { poked = true }
    func exited(_ e: ContainerExit) { exits.append(e) }

    /// Waits until poked, an exit arrives, or `limit` passes (in 25 ms steps: a loop that
    /// sleeps needs no continuation bookkeeping, and 25 ms is far below runc's own start-up).
    func wait(upTo limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while !poked && exits.isEmpty && ContinuousClock.now < deadline && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(25))
        }
    }

    /// What arrived since the last take; clears the poke.
    func take() -> [ContainerExit] {
        poked = false
        defer { exits = [] }
        return exits
    }
}
