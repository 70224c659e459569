import Foundation
import PVDAPI
import PVDCLI
import PVDEnvironment

/// `pvd kubeconfig`'s work once its flags are parsed: the API's CA loaded (made if missing), a
/// client certificate signed for the user unless a token is given, the kubeconfig as YAML.
enum KubeconfigRun {
    static func yaml(_ c: PVD.Kubeconfig) throws -> String {
        let root = try c.global.environment().root
        let files = APICertificates.Files(directory: root + "/api")
        let ca: APICertificates
        let caPEM: String
        do {
            ca = try APICertificates.loadOrCreate(files, hosts: []).0
            caPEM = String(decoding: FileManager.default.contents(atPath: files.caCertificate) ?? Data(), as: UTF8.self)
        } catch {
            throw CLIError("\(error)")
        }
        let credential: Kubeconfig.Credential
        if let token = c.token {
            credential = .token(token)
        } else {
            do {
                let (cert, key) = try ca.clientCertificate(user: c.user, groups: c.groups, days: c.days)
                credential = .certificate(pem: cert, keyPEM: key)
            } catch {
                throw CLIError("cannot sign a client certificate for \(c.user): \(error)")
            }
        }
        let server = c.server ?? "https://127.0.0.1:\(APIServerConfig.defaultPort)"
        return Kubeconfig(server: server, caPEM: caPEM, user: c.user, credential: credential).yaml
    }
}
