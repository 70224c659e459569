import ArgumentParser
import PVDModel

extension PVD {
    /// `pvd version`: prints the version.
    struct Version: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "version", abstract: "Print pvd's version.")

        // Accepted so `pvd --root X version` works like every other command.
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            printOut("pvd version \(PVDVersion.string)\n")
        }
    }
}
