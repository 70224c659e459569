import PVDAPI
import PVDEnvironment
import PVDServer
import Testing

/// The API's settings: on by default under the root, `off`, a file's keys, flags over the file,
/// and bad values named by where they came from.
struct ServerSettingsAPITests {
    @Test func theAPIIsOnByDefaultAndCanBeTurnedOff() throws {
        let c = try ServerSettings.resolve([(ServerSettings(environment: NodeSettings(root: "/srv/pvd")), .flags)])
        #expect(c.api == APIServerConfig(host: "127.0.0.1", port: 6443, certificateDirectory: "/srv/pvd/api", authorizationMode: "Node,RBAC"))
        let off = try ServerSettings.resolve([(ServerSettings(apiListen: "off"), .flags)])
        #expect(off.api == nil)
    }

    @Test func fileKeysAndFlagsLayer() throws {
        let file = try ServerSettings.parse("""
            apiListen: 0.0.0.0:7443
            tokenAuthFile: /etc/pvd/tokens.csv
            tlsCertFile: /etc/pvd/s.crt
            tlsPrivateKeyFile: /etc/pvd/s.key
            authorizationMode: AlwaysDeny
            """, place: "config c.yaml")
        let c = try ServerSettings.resolve([(ServerSettings(authorizationMode: "AlwaysAllow"), .flags), (file, .file(path: "c.yaml"))])
        #expect(c.api?.host == "0.0.0.0" && c.api?.port == 7443)
        #expect(c.api?.tokenAuthFile == "/etc/pvd/tokens.csv")
        #expect(c.api?.tlsCertFile == "/etc/pvd/s.crt" && c.api?.tlsPrivateKeyFile == "/etc/pvd/s.key")
        #expect(c.api?.authorizationMode == "AlwaysAllow", "the flag wins over the file")
    }

    @Test(arguments: [
        (ServerSettings(apiListen: "6443"), #"--api-listen "6443": want host:port such as 127.0.0.1:6443, or off"#),
        (ServerSettings(authorizationMode: "RBAC,Kubelet"), #"--authorization-mode "RBAC,Kubelet": Kubelet: unknown (want AlwaysAllow, AlwaysDeny, Node or RBAC"#),
        (ServerSettings(tlsCertFile: "/x.crt"), #"--tls-cert-file "/x.crt": the serving certificate and its key go together"#),
    ])
    func badValuesAreNamed(settings: ServerSettings, message: String) {
        do {
            _ = try ServerSettings.resolve([(settings, .flags)])
            Issue.record("accepted \(settings)")
        } catch {
            #expect(error.description.hasPrefix(message), "\(error)")
        }
    }
}
