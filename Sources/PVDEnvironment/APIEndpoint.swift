/// A Kubernetes API server the CLI drives instead of opening a store (`pvd get --server URL`,
/// `--kubeconfig FILE`): where it is, which CA vouches for it, and who the client is. Plain data,
/// so `pvd` can read it before handing the command to `pvd-server`, which has the HTTP client.
public struct APIEndpoint: Sendable, Hashable {
    /// How the client proves who it is.
    public enum Credential: Sendable, Hashable {
        /// No credential: the server sees an anonymous request (pvd's API refuses it with 401).
        case none
        /// `Authorization: Bearer <token>`.
        case token(String)
        /// A client certificate and its key, PEM.
        case certificate(pem: String, keyPEM: String)
    }

    /// `https://host:port`, without a trailing slash.
    public var server: String
    /// The CA that signed the server's certificate, PEM; nil trusts the system's roots.
    public var caPEM: String?
    public var credential: Credential
    /// Where the settings came from, for error messages: "kubeconfig ~/.kube/pvd.yaml context admin@pvd".
    public var origin: String

    public init(server: String, caPEM: String? = nil, credential: Credential = .none, origin: String) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.caPEM = caPEM
        self.credential = credential
        self.origin = origin
    }
}
