import PVDAPI
import PVDEnvironment

extension ServerSettings {
    /// The API's settings from `layers`: `apiListen` ("off" turns the API off), the serving
    /// certificate and key (both or neither, each file checked at start), the token file and
    /// the authorization modes (checked here, so a bad one names its flag or field).
    static func resolveAPI(_ layers: [(ServerSettings, SettingLayer)], root: String) throws(SettingError) -> APIServerConfig? {
        func pick<T>(
            _ key: KeyPath<ServerSettings, String?>, _ field: String, _ check: (String, SettingOrigin) throws(SettingError) -> T
        ) throws(SettingError) -> T? {
            try SettingLayers.pick(layers, key, origin: { $0.origin(daemonField: field) }, check)
        }
        func text(_ key: KeyPath<ServerSettings, String?>, _ field: String) throws(SettingError) -> String? {
            try pick(key, field) { (t, _) throws(SettingError) in t }
        }
        var api = APIServerConfig(certificateDirectory: root + "/api")
        // "off" is read first: the address check below would refuse it.
        if try pick(\.apiListen, "apiListen", { (t, _) throws(SettingError) in t == "off" }) == true { return nil }
        if let address = try pick(\.apiListen, "apiListen", { (t, origin) throws(SettingError) -> ListenAddress in
            guard let address = ListenAddress(t) else { throw SettingError(origin, value: t, problem: "want host:port such as 127.0.0.1:6443, or off") }
            return address
        }) {
            api.host = address.host
            api.port = address.port
        }
        api.tlsCertFile = try text(\.tlsCertFile, "tlsCertFile")
        api.tlsPrivateKeyFile = try text(\.tlsPrivateKeyFile, "tlsPrivateKeyFile")
        if (api.tlsCertFile == nil) != (api.tlsPrivateKeyFile == nil) {
            let field = api.tlsCertFile != nil ? "tlsCertFile" : "tlsPrivateKeyFile"
            let value = api.tlsCertFile ?? api.tlsPrivateKeyFile ?? ""
            let layer = layers.first { $0.0.tlsCertFile != nil || $0.0.tlsPrivateKeyFile != nil }?.1 ?? .flags
            throw SettingError(
                layer.origin(daemonField: field), value: value,
                problem: "the serving certificate and its key go together (--tls-cert-file and --tls-private-key-file)")
        }
        api.tokenAuthFile = try text(\.tokenAuthFile, "tokenAuthFile")
        if let mode = try pick(\.authorizationMode, "authorizationMode", { (t, origin) throws(SettingError) -> String in
            do throws(AuthorizationModeError) { _ = try AuthorizerChain.parse(t) } catch {
                throw SettingError(origin, value: t, problem: "\(error.mode): \(error.problem)")
            }
            return t
        }) {
            api.authorizationMode = mode
        }
        return api
    }
}
