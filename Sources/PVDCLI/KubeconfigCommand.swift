import ArgumentParser
import Foundation
import PVDAPI
import PVDEnvironment

extension PVD {
    /// `pvd kubeconfig --user NAME [--group G]…`: a kubeconfig for stock kubectl, with a client
    /// certificate that pvd's API CA (under `<root>/api`, made by `pvd serve` on first start, or
    /// here if missing) signs for the user and groups.
    struct Kubeconfig: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "kubeconfig",
            abstract: "Print a kubeconfig for kubectl: pvd's CA and a client certificate it signs for a user.")

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("The user name (the certificate's CN).", valueName: "name"))
        var user: String

        @Option(name: .customLong("group"), help: ArgumentHelp("A group the user is in (the certificate's O); repeat for several.", valueName: "group"))
        var groups: [String] = []

        @Option(help: ArgumentHelp("The API's URL (default https://127.0.0.1:6443).", valueName: "url"))
        var server: String = "https://127.0.0.1:\(APIServerConfig.defaultPort)"

        @Option(help: ArgumentHelp("Use this bearer token (from the --token-auth-file) instead of a client certificate.", valueName: "token"))
        var token: String?

        @Option(help: ArgumentHelp("How many days the client certificate is valid (default 365).", valueName: "days"))
        var days: Int = 365

        func validate() throws {
            if user.isEmpty { throw ValidationError("--user must not be empty") }
            if days < 1 { throw ValidationError("--days must be at least 1") }
            guard server.hasPrefix("https://") else { throw ValidationError("--server \(server): pvd's API is HTTPS only (kubectl sends credentials only over TLS)") }
        }

        func run() async throws {
            try await runReportingErrors {
                let root = try global.environment().root
                let files = APICertificates.Files(directory: root + "/api")
                let ca: APICertificates
                let caPEM: String
                do {
                    ca = try APICertificates.loadOrCreate(files, hosts: []).0
                    caPEM = String(decoding: FileManager.default.contents(atPath: files.caCertificate) ?? Data(), as: UTF8.self)
                } catch {
                    throw CLIError("\(error)")
                }
                let credential: PVDAPI.Kubeconfig.Credential
                if let token {
                    credential = .token(token)
                } else {
                    do {
                        let (cert, key) = try ca.clientCertificate(user: user, groups: groups, days: days)
                        credential = .certificate(pem: cert, keyPEM: key)
                    } catch {
                        throw CLIError("cannot sign a client certificate for \(user): \(error)")
                    }
                }
                printOut(PVDAPI.Kubeconfig(server: server, caPEM: caPEM, user: user, credential: credential).yaml)
            }
        }
    }
}
