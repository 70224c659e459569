import Foundation

/// A kubeconfig for one user of pvd's API: the server, pvd's CA (so kubectl verifies the
/// server), and the user's credentials, a client certificate pvd's CA signed or a bearer token.
public struct Kubeconfig: Sendable, Equatable {
    public enum Credential: Sendable, Equatable {
        case certificate(pem: String, keyPEM: String)
        case token(String)
    }

    public var server: String
    public var caPEM: String
    public var user: String
    public var credential: Credential

    public init(server: String, caPEM: String, user: String, credential: Credential) {
        self.server = server
        self.caPEM = caPEM
        self.user = user
        self.credential = credential
    }

    /// The YAML kubectl reads (`--kubeconfig`, `KUBECONFIG`); one cluster `pvd`, one context.
    public var yaml: String {
        func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }
        let userLines: String = switch credential {
        case .certificate(let pem, let keyPEM): "    client-certificate-data: \(b64(pem))\n    client-key-data: \(b64(keyPEM))\n"
        case .token(let token): "    token: \(token)\n"
        }
        let context = "\(user)@pvd"
        return """
            apiVersion: v1
            kind: Config
            clusters:
            - name: pvd
              cluster:
                server: \(server)
                certificate-authority-data: \(b64(caPEM))
            users:
            - name: \(user)
              user:
            \(userLines)contexts:
            - name: \(context)
              context:
                cluster: pvd
                user: \(user)
            current-context: \(context)

            """
    }
}
