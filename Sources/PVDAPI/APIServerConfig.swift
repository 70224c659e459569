/// How `pvd serve` serves the Kubernetes API, resolved from flags, the config file and defaults.
public struct APIServerConfig: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// Where pvd keeps the CA and serving certificate it makes on first start (`<root>/api`).
    public var certificateDirectory: String
    /// A serving certificate and key of the user's own (`--tls-cert-file`, `--tls-private-key-file`),
    /// used instead of the one pvd makes; pvd's CA still signs client certificates.
    public var tlsCertFile: String?
    public var tlsPrivateKeyFile: String?
    /// kube-apiserver's `--token-auth-file` CSV; nil takes no bearer tokens.
    public var tokenAuthFile: String?
    /// `--authorization-mode`: a comma list tried in order.
    public var authorizationMode: String

    /// Kubernetes' default: a node's identity may do what its node needs (`NodeRules`), then a
    /// user may do what an RBAC binding grants; the group `system:masters` is bound to `cluster-admin`.
    public static let defaultAuthorizationMode = "Node,RBAC"
    public static let defaultPort = 6443

    public init(
        host: String = "127.0.0.1", port: Int = APIServerConfig.defaultPort, certificateDirectory: String, tlsCertFile: String? = nil,
        tlsPrivateKeyFile: String? = nil, tokenAuthFile: String? = nil, authorizationMode: String = APIServerConfig.defaultAuthorizationMode
    ) {
        self.host = host
        self.port = port
        self.certificateDirectory = certificateDirectory
        self.tlsCertFile = tlsCertFile
        self.tlsPrivateKeyFile = tlsPrivateKeyFile
        self.tokenAuthFile = tokenAuthFile
        self.authorizationMode = authorizationMode
    }

    /// "127.0.0.1:6443", "[::1]:6443".
    public var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
