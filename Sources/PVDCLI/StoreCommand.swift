import ArgumentParser

extension PVD {
    /// `pvd store …`: work on a store as a whole.
    struct Store: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Work on a store as a whole.",
            subcommands: [Copy.self])
    }
}
