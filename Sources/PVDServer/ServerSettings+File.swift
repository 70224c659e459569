import Foundation
import PVDEnvironment
import Yams

extension ServerSettings {
    /// Reads a config file. A missing file is an error only when `required` (named with
    /// `--config`); a missing default file gives empty settings.
    public static func load(file path: String, required: Bool) throws(ConfigError) -> ServerSettings {
        let place = "config \(path)"
        guard FileManager.default.fileExists(atPath: path) else {
            if required { throw ConfigError(place, "no such file") }
            return ServerSettings()
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigError(place, "cannot be read") }
        return try parse(String(decoding: data, as: UTF8.self), place: place)
    }

    /// Parses the YAML of a config file: a mapping of the fields in `fieldNames`.
    public static func parse(_ yaml: String, place: String) throws(ConfigError) -> ServerSettings {
        let loaded: Any?
        do {
            loaded = try Yams.load(yaml: yaml)
        } catch {
            throw ConfigError(place, "not valid YAML: \(error)")
        }
        guard let loaded else { return ServerSettings() }
        guard let map = loaded as? [String: Any] else { throw ConfigError(place, "want a mapping of settings at the top level") }
        for key in map.keys.sorted() where !fieldNames.contains(key) {
            throw ConfigError("\(place): field \(key)", "unknown setting (known: \(fieldNames.sorted().joined(separator: ", ")))")
        }
        func scalar(_ field: String) throws(ConfigError) -> String? {
            guard let v = map[field], !(v is NSNull) else { return nil }
            switch v {
            case let s as String: return s
            case let i as Int: return String(i)
            case let d as Double: return String(d)
            default: throw ConfigError("\(place): field \(field)", "want a single value, got \(v)")
            }
        }
        var s = ServerSettings()
        s.environment.root = try scalar("root")
        s.environment.store = try scalar("store")
        s.environment.node = try scalar("node")
        s.environment.busyTimeout = try scalar("busyTimeout")
        s.listen = try scalar("listen")
        s.logLevel = try scalar("logLevel")
        s.resyncInterval = try scalar("resyncInterval")
        s.pollInterval = try scalar("pollInterval")
        s.orphanGrace = try scalar("orphanGrace")
        s.integrityInterval = try scalar("integrityInterval")
        s.heartbeatInterval = try scalar("heartbeatInterval")
        s.nodeGrace = try scalar("nodeGrace")
        s.leaderLease = try scalar("leaderLease")
        s.apiListen = try scalar("apiListen")
        s.tlsCertFile = try scalar("tlsCertFile")
        s.tlsPrivateKeyFile = try scalar("tlsPrivateKeyFile")
        s.tokenAuthFile = try scalar("tokenAuthFile")
        s.authorizationMode = try scalar("authorizationMode")
        s.runtime = try scalar("runtime")
        if let v = map["allowedRoots"], !(v is NSNull) {
            guard let list = v as? [Any], list.allSatisfy({ $0 is String }) else {
                throw ConfigError("\(place): field allowedRoots", "want a list of directories")
            }
            s.environment.allowedRoots = list.compactMap { $0 as? String }
        }
        return s
    }
}
