import ArgumentParser
import Foundation
import PVDEnvironment
import PVDStore

/// The options of a command that can drive a pvd server through its Kubernetes API instead of
/// opening a store (get, describe, apply, patch, delete, wait): `--server URL` and/or
/// `--kubeconfig FILE` (its current context, or `--context`), as kubectl takes them, or
/// `PVD_SERVER` / `PVD_KUBECONFIG`. Commands that work on this node's files (serve, reconcile,
/// logs, store, image) do not take them.
struct RemoteOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: ArgumentHelp("Drive the pvd (or Kubernetes) API at this URL instead of a store (env PVD_SERVER).", valueName: "https://host:port"))
    var server: String?

    @Option(name: .long, help: ArgumentHelp("Drive the API server this kubeconfig's context names, with its credentials (env PVD_KUBECONFIG).", valueName: "file"))
    var kubeconfig: String?

    @Option(name: .long, help: ArgumentHelp("The kubeconfig context to use (default: its current-context).", valueName: "name"))
    var context: String?

    @Option(name: .long, help: ArgumentHelp("A bearer token for the API server, over the kubeconfig's credentials.", valueName: "token"))
    var token: String?

    /// `--server` or `PVD_SERVER`, and `--kubeconfig` or `PVD_KUBECONFIG`: the flag wins.
    private func named(_ environment: [String: String]) -> (server: String?, kubeconfig: String?) {
        let env = { (name: String) in environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        return (server ?? env("PVD_SERVER"), kubeconfig ?? env("PVD_KUBECONFIG"))
    }

    /// Whether the options name a server at all; nothing is read or checked (see `endpoint`).
    func namesServer(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        let (server, kubeconfig) = named(environment)
        return server != nil || kubeconfig != nil
    }

    /// The server these options name, nil when they name none (the command opens the store).
    /// Flags win over the variables; `--server` overrides the kubeconfig's server, as in kubectl.
    func endpoint(environment: [String: String] = ProcessInfo.processInfo.environment) throws(CLIError) -> APIEndpoint? {
        let (server, kubeconfig) = named(environment)
        guard server != nil || kubeconfig != nil else {
            if context != nil || token != nil {
                throw CLIError("--context and --token need a server: pass --server URL or --kubeconfig FILE")
            }
            return nil
        }
        let serverOrigin = self.server != nil ? "--server" : "PVD_SERVER"
        var endpoint: APIEndpoint
        if let kubeconfig {
            do { endpoint = try KubeconfigReader.endpoint(path: kubeconfig, context: context) } catch { throw CLIError(error.description) }
        } else {
            if context != nil { throw CLIError("--context names a kubeconfig context: pass --kubeconfig FILE") }
            endpoint = APIEndpoint(server: server ?? "", origin: serverOrigin)
        }
        if let server {
            // Through the initializer, which normalizes the URL as for a kubeconfig's.
            endpoint = APIEndpoint(server: server, caPEM: endpoint.caPEM, credential: endpoint.credential, origin: endpoint.origin)
        }
        if let token { endpoint.credential = .token(token) }
        let origin = self.server != nil || kubeconfig == nil ? serverOrigin : endpoint.origin
        guard let url = URL(string: endpoint.server), let scheme = url.scheme, ["https", "http"].contains(scheme), url.host != nil, url.path.isEmpty || url.path == "/" else {
            throw CLIError("\(origin): server \"\(endpoint.server)\": want https://host:port")
        }
        // A password in the URL would be printed with every error that names the server.
        if url.user != nil || url.password != nil {
            throw CLIError("\(origin): the server URL must not carry a user or password: use a token or a client certificate")
        }
        if scheme == "http", endpoint.credential != .none {
            throw CLIError("\(origin): server \(endpoint.server): credentials are sent only over https")
        }
        return endpoint
    }
}

/// A command that opens the store its global options name, or drives the API server its remote
/// options name.
protocol OpensStoreOrServer: NeedsLinkedParts {
    var global: GlobalOptions { get }
    var remote: RemoteOptions { get }
}

extension OpensStoreOrServer {
    /// The API client when the command names a server, else what the store needs. Only whether
    /// one is named: the kubeconfig is read once, by the binary that runs the command, which
    /// also reports what is wrong with it.
    var neededParts: Set<LinkedParts.Part> {
        remote.namesServer() ? [.apiClient] : global.neededParts
    }

    /// The server's API as a store when the remote options name one, else the store.
    func openStoreOrServer(create: Bool) async throws -> any ObjectStore {
        guard let endpoint = try remote.endpoint() else { return try await global.openStore(create: create) }
        guard let open = LinkedParts.current.apiClient else {
            throw CLIError("\(endpoint.server): this binary has no API client (pvd-server has it)")
        }
        do {
            return try open(endpoint)
        } catch {
            throw CLIError("\(error)")
        }
    }
}
