import ArgumentParser

extension PVD {
    /// `pvd version`: prints the version.
    struct Version: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print pvd's version.")

        func run() async throws {
            printOut("pvd version \(PVDVersion.string)\n")
        }
    }
}
