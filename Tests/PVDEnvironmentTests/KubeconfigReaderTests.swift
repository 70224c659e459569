import Foundation
import PVDEnvironment
import Testing

/// The kubeconfig parts `pvd --kubeconfig` reads, from real files in a temporary directory.
struct KubeconfigReaderTests {
    static let caPEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    static let b64CA = Data(caPEM.utf8).base64EncodedString()
    static let keyPEM = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"

    /// A kubeconfig with one cluster and the given user lines, `current-context: ctx`.
    static func config(user: String, cluster: String? = nil) -> String {
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: c
          cluster:
        \(cluster ?? "    server: https://10.0.0.1:6443/\n    certificate-authority-data: \(b64CA)")
        users:
        - name: u
          user:
        \(user)
        contexts:
        - name: ctx
          context: {cluster: c, user: u}
        current-context: ctx

        """
    }

    func withFile<T>(_ text: String, _ body: (String, String) throws -> T) throws -> T {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kubeconfig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("config").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try body(path, dir.path)
    }

    @Test func tokenAndInlineCA() throws {
        let e = try withFile(Self.config(user: "    token: abc")) { path, _ in try KubeconfigReader.endpoint(path: path, context: nil) }
        #expect(e.server == "https://10.0.0.1:6443")
        #expect(e.caPEM == Self.caPEM)
        #expect(e.credential == .token("abc"))
        #expect(e.origin.hasSuffix("context ctx"))
    }

    @Test func clientCertificateFilesRelativeToTheKubeconfig() throws {
        let e = try withFile(Self.config(user: "    client-certificate: cert.pem\n    client-key: key.pem")) { path, dir in
            try Self.caPEM.write(toFile: dir + "/cert.pem", atomically: true, encoding: .utf8)
            try Self.keyPEM.write(toFile: dir + "/key.pem", atomically: true, encoding: .utf8)
            return try KubeconfigReader.endpoint(path: path, context: nil)
        }
        #expect(e.credential == .certificate(pem: Self.caPEM, keyPEM: Self.keyPEM))
    }

    @Test func tokenFile() throws {
        let e = try withFile(Self.config(user: "    tokenFile: t")) { path, dir in
            try "secret\n".write(toFile: dir + "/t", atomically: true, encoding: .utf8)
            return try KubeconfigReader.endpoint(path: path, context: nil)
        }
        #expect(e.credential == .token("secret"))
    }

    @Test(arguments: [
        // (user lines, cluster lines, context asked, the field the error names, words in it)
        ("    exec: {command: aws}", nil, nil, "users[u].user.exec", "does not support"),
        ("    client-certificate-data: \(b64CA)", nil, nil, "users[u].user.client-key-data", "needs its key"),
        ("    client-certificate-data: \(Data("C".utf8).base64EncodedString())", nil, nil, "users[u].user.client-certificate-data", "not base64 of PEM"),
        ("    client-certificate-data: '%%%'", nil, nil, "users[u].user.client-certificate-data", "not base64"),
        ("    token: x", "    certificate-authority-data: \(b64CA)", nil, "clusters[c].cluster.server", "Required value"),
        ("    token: x", "    server: https://h:1\n    proxy-url: http://p:3128", nil, "clusters[c].cluster.proxy-url", "does not support"),
        ("    token: x", nil, "other", "contexts", "no entry of that name"),
        ("    token: x", "    server: https://h:1\n    insecure-skip-tls-verify: true", nil, "clusters[c].cluster.insecure-skip-tls-verify", "does not support"),
        ("    client-certificate-data: '===='", nil, nil, "users[u].user.client-certificate-data", "not base64"),
        ("    client-certificate: missing.pem\n    client-key: k", nil, nil, "users[u].user.client-certificate", "cannot read"),
    ] as [(String, String?, String?, String, String)])
    func refusals(user: String, cluster: String?, context: String?, field: String, words: String) throws {
        let error = try withFile(Self.config(user: user, cluster: cluster)) { path, _ in
            #expect(throws: SettingError.self) { try KubeconfigReader.endpoint(path: path, context: context) }
            do { _ = try KubeconfigReader.endpoint(path: path, context: context) } catch { return "\(error)" }
            return ""
        }
        let text = error
        #expect(text.contains("field \(field)") && text.contains(words), "\(text)")
    }

    @Test func missingFileAndNoCurrentContext() throws {
        #expect(throws: SettingError.self) { try KubeconfigReader.endpoint(path: "/nonexistent/kubeconfig", context: nil) }
        let noContext = Self.config(user: "    token: x").replacingOccurrences(of: "current-context: ctx", with: "")
        let text = try withFile(noContext) { path, _ in
            do { _ = try KubeconfigReader.endpoint(path: path, context: nil); return "" } catch { return "\(error)" }
        }
        #expect(text.contains("current-context") && text.contains("--context"), "\(text)")
    }
}
