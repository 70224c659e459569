import Foundation
import Logging
import PVDEtcd
import PVDStore

/// Settings from one source (the config file, the command line, the environment), each nil
/// where that source says nothing. Sources are layered with `overriding` and turned into a
/// `ServerConfig` with `resolve`.
public struct ServerSettings: Sendable, Equatable {
    public var root: String?
    public var store: String?
    public var node: String?
    public var listen: String?
    public var logLevel: String?
    public var allowedRoots: [String]?
    public var resyncInterval: String?
    public var pollInterval: String?
    public var orphanGrace: String?
    public var integrityInterval: String?

    public init(
        root: String? = nil, store: String? = nil, node: String? = nil, listen: String? = nil, logLevel: String? = nil,
        allowedRoots: [String]? = nil, resyncInterval: String? = nil, pollInterval: String? = nil, orphanGrace: String? = nil,
        integrityInterval: String? = nil
    ) {
        self.root = root
        self.store = store
        self.node = node
        self.listen = listen
        self.logLevel = logLevel
        self.allowedRoots = allowedRoots
        self.resyncInterval = resyncInterval
        self.pollInterval = pollInterval
        self.orphanGrace = orphanGrace
        self.integrityInterval = integrityInterval
    }

    /// The field names, as the config file spells them.
    public static let fieldNames: Set<String> = [
        "root", "store", "node", "listen", "logLevel", "allowedRoots", "resyncInterval", "pollInterval", "orphanGrace",
        "integrityInterval",
    ]

    /// These settings, with `lower`'s where these have none.
    public func overriding(_ lower: ServerSettings) -> ServerSettings {
        ServerSettings(
            root: root ?? lower.root, store: store ?? lower.store, node: node ?? lower.node, listen: listen ?? lower.listen,
            logLevel: logLevel ?? lower.logLevel, allowedRoots: allowedRoots ?? lower.allowedRoots,
            resyncInterval: resyncInterval ?? lower.resyncInterval, pollInterval: pollInterval ?? lower.pollInterval,
            orphanGrace: orphanGrace ?? lower.orphanGrace, integrityInterval: integrityInterval ?? lower.integrityInterval)
    }

    /// What the environment says: `PVD_ROOT`, `PVD_STORE`, `PVD_NODE`, `PVD_ALLOWED_ROOTS`
    /// (colon-separated), as every other pvd command reads them.
    public static func environment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> ServerSettings {
        func value(_ name: String) -> String? { env[name].flatMap { $0.isEmpty ? nil : $0 } }
        return ServerSettings(
            root: value("PVD_ROOT"), store: value("PVD_STORE"), node: value("PVD_NODE"),
            allowedRoots: value("PVD_ALLOWED_ROOTS").map { $0.split(separator: ":").map(String.init) })
    }

    /// Checks every value and fills in defaults. `source` names where the settings came from in
    /// errors ("config /etc/pvd/config.yaml", "flags").
    public func resolve(source: (String) -> String = { "setting \($0)" }) throws(ConfigError) -> ServerConfig {
        var c = ServerConfig()
        if let root {
            guard !root.isEmpty else { throw ConfigError(source("root"), "want a directory, got \"\"") }
            c.root = Self.absolute(root)
        }
        if let store {
            guard !store.isEmpty else { throw ConfigError(source("store"), "want a file path or an etcd:// URL, got \"\"") }
            if EtcdStoreURL.isEtcd(store) {
                do {
                    _ = try EtcdStoreURL(store)
                } catch {
                    throw ConfigError(source("store"), error.message)
                }
                c.store = store
            } else {
                c.store = Self.absolute(store)
            }
        }
        if let node {
            guard !node.isEmpty, node.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }) else {
                throw ConfigError(source("node"), "want a node name, got \"\(node)\"")
            }
            c.node = node
        }
        if let listen {
            guard let address = ListenAddress(listen) else {
                throw ConfigError(source("listen"), "want host:port such as 127.0.0.1:9108, got \"\(listen)\"")
            }
            c.listen = address
        }
        if let logLevel {
            guard let level = Logger.Level(rawValue: logLevel.lowercased()) else {
                let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
                throw ConfigError(source("logLevel"), "want one of \(names), got \"\(logLevel)\"")
            }
            c.logLevel = level
        }
        if let allowedRoots {
            for r in allowedRoots where r.isEmpty {
                throw ConfigError(source("allowedRoots"), "want directories, got \"\"")
            }
            c.allowedRoots = allowedRoots.map(Self.absolute)
        }
        func duration(_ text: String?, _ field: String, minimum: Duration) throws(ConfigError) -> Duration? {
            guard let text else { return nil }
            guard let d = ConfigDuration.parse(text), d >= minimum else {
                throw ConfigError(source(field), "want a duration of at least \(ConfigDuration.format(minimum)) such as 30s or 5m, got \"\(text)\"")
            }
            return d
        }
        if let d = try duration(resyncInterval, "resyncInterval", minimum: .seconds(1)) { c.resyncInterval = d }
        if let d = try duration(pollInterval, "pollInterval", minimum: .milliseconds(10)) { c.pollInterval = d }
        c.orphanGrace = try duration(orphanGrace, "orphanGrace", minimum: .zero)
        if let d = try duration(integrityInterval, "integrityInterval", minimum: .zero) { c.integrityInterval = d }
        return c
    }
}

extension ServerSettings {
    /// A path made absolute against the working directory, as the other commands take it.
    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        let cwd = FileManager.default.currentDirectoryPath
        return path == "." ? cwd : (cwd as NSString).appendingPathComponent(path)
    }
}

/// A bad setting: where it came from, the field, and what is wrong with it.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ place: String, _ problem: String) { message = "\(place): \(problem)" }
    public var description: String { message }
}

/// Durations as Go and Kubernetes write them: "500ms", "30s", "5m", "1h", "1m30s"; a bare number
/// is seconds.
public enum ConfigDuration {
    public static func parse(_ text: String) -> Duration? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let plain = Double(t) { return plain.isFinite && plain >= 0 && plain <= 1e7 ? .milliseconds(Int64(plain * 1000)) : nil }
        var total = 0.0, number = "", unit = ""
        func flush() -> Bool {
            guard let v = Double(number) else { return false }
            switch unit {
            case "ms": total += v / 1000
            case "s": total += v
            case "m": total += v * 60
            case "h": total += v * 3600
            default: return false
            }
            number = ""
            unit = ""
            return true
        }
        for ch in t {
            if ch.isNumber || ch == "." {
                if !unit.isEmpty { guard flush() else { return nil } }
                number.append(ch)
            } else if ch.isLetter {
                guard !number.isEmpty else { return nil }
                unit.append(ch)
            } else {
                return nil
            }
        }
        guard !t.isEmpty, flush(), total.isFinite, total <= 1e7 else { return nil }
        return .milliseconds(Int64((total * 1000).rounded()))
    }

    /// "2s", "500ms": the shortest of the two that is exact.
    public static func format(_ d: Duration) -> String {
        let ms = d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
        return ms % 1000 == 0 ? "\(ms / 1000)s" : "\(ms)ms"
    }
}
