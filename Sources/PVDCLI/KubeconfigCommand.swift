import ArgumentParser

extension PVD {
    /// `pvd kubeconfig --user NAME [--group G]…`: a kubeconfig for stock kubectl, with a client
    /// certificate that pvd's API CA (under `<root>/api`, made by `pvd serve` on first start, or
    /// here if missing) signs for the user and groups. The flags are declared here, for `pvd`'s
    /// help; the signing is `pvd-server`'s (`LinkedParts.kubeconfig`).
    public struct Kubeconfig: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "kubeconfig",
            abstract: "Print a kubeconfig for kubectl: pvd's CA and a client certificate it signs for a user.")

        @OptionGroup public var global: GlobalOptions

        @Option(help: ArgumentHelp("The user name (the certificate's CN).", valueName: "name"))
        public var user: String

        @Option(name: .customLong("group"), help: ArgumentHelp("A group the user is in (the certificate's O); repeat for several.", valueName: "group"))
        public var groups: [String] = []

        @Option(help: ArgumentHelp("The API's URL (default https://127.0.0.1:6443, where pvd serve's API listens by default).", valueName: "url"))
        public var server: String?

        @Option(help: ArgumentHelp("Use this bearer token (from the --token-auth-file) instead of a client certificate.", valueName: "token"))
        public var token: String?

        @Option(help: ArgumentHelp("How many days the client certificate is valid (default 365).", valueName: "days"))
        public var days: Int = 365

        public func validate() throws {
            if user.isEmpty { throw ValidationError("--user must not be empty") }
            if days < 1 { throw ValidationError("--days must be at least 1") }
            if let server, !server.hasPrefix("https://") {
                throw ValidationError("--server \(server): pvd's API is HTTPS only (kubectl sends credentials only over TLS)")
            }
        }

        public init() {}

        public func run() async throws {
            try await runReportingErrors {
                guard let kubeconfig = LinkedParts.current.kubeconfig else {
                    throw CLIError("pvd kubeconfig: this binary cannot sign certificates (pvd-server can)")
                }
                printOut(try await kubeconfig(self))
            }
        }
    }
}
