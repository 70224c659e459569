import Foundation
import PVDModel

/// Reads the parts of a kubeconfig that name one API server and one user: the context (the
/// file's `current-context` unless one is asked for), its cluster's `server` and CA, and its
/// user's token or client certificate, inline (`*-data`, base64) or as files (relative to the
/// kubeconfig, as kubectl resolves them). What pvd cannot honour (exec plugins, auth providers,
/// proxies, skipping TLS verification) is an error naming the field, never ignored into an
/// anonymous or unverified request. The context's `namespace` is not read: commands default to
/// `default` as on the node, and `-n` names another.
public enum KubeconfigReader {
    public static func endpoint(path: String, context wanted: String?) throws(SettingError) -> APIEndpoint {
        func fail(_ field: String, _ value: String, _ problem: String) -> SettingError {
            SettingError(.file(path: path, field: field), value: value, problem: problem)
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw SettingError(.flag("--kubeconfig"), value: path, problem: "no such file")
        }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw SettingError(.flag("--kubeconfig"), value: path, problem: "cannot read the file: \((error as NSError).localizedDescription)")
        }
        let config: JSONValue
        do {
            let docs = try YAMLConversion.documents(text)
            guard docs.count == 1, case .object = docs[0] else { throw fail("(document)", "", "a kubeconfig is one YAML mapping") }
            config = docs[0]
        } catch let e as SettingError {
            throw e
        } catch {
            throw fail("(document)", "", "not YAML: \(error)")
        }
        guard let contextName = wanted ?? config["current-context"]?.stringValue, !contextName.isEmpty else {
            throw fail("current-context", "", "no current context (pass --context)")
        }
        func named(_ list: String, _ name: String) throws(SettingError) -> JSONValue {
            guard case .array(let items)? = config[list],
                let item = items.first(where: { $0["name"]?.stringValue == name })
            else { throw fail(list, name, "no entry of that name") }
            return item
        }
        let context = try named("contexts", contextName)["context"]
        guard let clusterName = context?["cluster"]?.stringValue else { throw fail("contexts[\(contextName)].context.cluster", "", "Required value") }
        let cluster = try named("clusters", clusterName)["cluster"]
        let clusterField = "clusters[\(clusterName)].cluster"
        guard let server = cluster?["server"]?.stringValue, !server.isEmpty else { throw fail("\(clusterField).server", "", "Required value") }
        for unsupported in ["proxy-url", "tls-server-name", "insecure-skip-tls-verify"] where cluster?[unsupported] != nil {
            throw fail("\(clusterField).\(unsupported)", cluster?[unsupported]?.stringValue ?? "", "pvd does not support this field")
        }
        let dir = (path as NSString).deletingLastPathComponent
        /// A file the kubeconfig names, relative to the kubeconfig's directory as kubectl reads it.
        func resolved(_ file: String) -> String { file.hasPrefix("/") || dir.isEmpty ? file : dir + "/" + file }
        func pem(_ object: JSONValue?, _ base: String, field: String) throws(SettingError) -> String? {
            if let data = object?["\(base)-data"]?.stringValue {
                // Only line breaks are skipped: other characters make it not base64. The value
                // is not echoed, as it may be a private key.
                let text = data.filter { !$0.isWhitespace }
                guard let bytes = Data(base64Encoded: text), let s = String(data: bytes, encoding: .utf8), s.contains("-----BEGIN ") else {
                    throw fail("\(field).\(base)-data", "…", "not base64 of PEM text")
                }
                return s
            }
            guard let file = object?[base]?.stringValue else { return nil }
            let s: String
            do { s = try String(contentsOfFile: resolved(file), encoding: .utf8) } catch {
                throw fail("\(field).\(base)", file, "cannot read the file: \((error as NSError).localizedDescription)")
            }
            guard s.contains("-----BEGIN ") else { throw fail("\(field).\(base)", file, "the file is not PEM") }
            return s
        }
        let caPEM = try pem(cluster, "certificate-authority", field: clusterField)
        var credential = APIEndpoint.Credential.none
        if let userName = context?["user"]?.stringValue, !userName.isEmpty {
            let user = try named("users", userName)["user"]
            let userField = "users[\(userName)].user"
            for unsupported in ["exec", "auth-provider", "username", "password"] where user?[unsupported] != nil {
                throw fail("\(userField).\(unsupported)", "", "pvd does not support this way of authenticating (use a token or a client certificate)")
            }
            if let token = user?["token"]?.stringValue, !token.isEmpty {
                credential = .token(token)
            } else if let file = user?["tokenFile"]?.stringValue {
                do {
                    credential = .token(try String(contentsOfFile: resolved(file), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
                } catch {
                    throw fail("\(userField).tokenFile", file, "cannot read the file: \((error as NSError).localizedDescription)")
                }
            } else if let cert = try pem(user, "client-certificate", field: userField) {
                guard let key = try pem(user, "client-key", field: userField) else {
                    throw fail("\(userField).client-key-data", "", "Required value: a client certificate needs its key")
                }
                credential = .certificate(pem: cert, keyPEM: key)
            }
        }
        return APIEndpoint(server: server, caPEM: caPEM, credential: credential, origin: "kubeconfig \(path) context \(contextName)")
    }
}
