import Logging
import PVDEnvironment

/// Settings of `pvd serve` from one source (the config file, the command line, the
/// environment), each nil where that source says nothing. `resolve` layers sources in order of
/// precedence into a `ServerConfig`, naming the source of any bad value.
public struct ServerSettings: Sendable, Equatable {
    /// Root, store, node, allowed roots and busy timeout: what every pvd command reads the same way.
    public var environment: NodeSettings
    public var listen: String?
    public var logLevel: String?
    public var resyncInterval: String?
    public var pollInterval: String?
    public var orphanGrace: String?
    public var integrityInterval: String?
    public var heartbeatInterval: String?
    public var nodeGrace: String?
    public var leaderLease: String?
    /// The Kubernetes API's address, or "off".
    public var apiListen: String?
    public var tlsCertFile: String?
    public var tlsPrivateKeyFile: String?
    public var tokenAuthFile: String?
    public var authorizationMode: String?
    /// `none` or `runc`.
    public var runtime: String?

    public init(
        environment: NodeSettings = NodeSettings(), listen: String? = nil, logLevel: String? = nil,
        resyncInterval: String? = nil, pollInterval: String? = nil, orphanGrace: String? = nil, integrityInterval: String? = nil,
        heartbeatInterval: String? = nil, nodeGrace: String? = nil, leaderLease: String? = nil, apiListen: String? = nil,
        tlsCertFile: String? = nil, tlsPrivateKeyFile: String? = nil, tokenAuthFile: String? = nil, authorizationMode: String? = nil,
        runtime: String? = nil
    ) {
        self.apiListen = apiListen
        self.tlsCertFile = tlsCertFile
        self.tlsPrivateKeyFile = tlsPrivateKeyFile
        self.tokenAuthFile = tokenAuthFile
        self.authorizationMode = authorizationMode
        self.environment = environment
        self.listen = listen
        self.logLevel = logLevel
        self.resyncInterval = resyncInterval
        self.pollInterval = pollInterval
        self.orphanGrace = orphanGrace
        self.integrityInterval = integrityInterval
        self.heartbeatInterval = heartbeatInterval
        self.nodeGrace = nodeGrace
        self.leaderLease = leaderLease
        self.runtime = runtime
    }

    /// The daemon's own fields, as the config file spells them.
    static let daemonFieldNames = [
        "listen", "logLevel", "resyncInterval", "pollInterval", "orphanGrace", "integrityInterval", "heartbeatInterval", "nodeGrace",
        "leaderLease", "apiListen", "tlsCertFile", "tlsPrivateKeyFile", "tokenAuthFile", "authorizationMode", "runtime",
    ]

    /// Every field name, as the config file spells them.
    public static let fieldNames = Set(NodeField.allCases.map(\.rawValue) + daemonFieldNames)

    /// What the environment says: the `PVD_*` variables every other pvd command reads.
    public static func environment(_ env: [String: String]) -> ServerSettings {
        ServerSettings(environment: .environment(env))
    }

    /// The config from `layers`, first one winning per field (flags, then the file, then the
    /// environment), defaults where none speaks. A bad value in any layer is an error naming
    /// the flag, field or variable it came from; none falls back to a default.
    public static func resolve(
        _ layers: [(ServerSettings, SettingLayer)], hostname: () -> String = Hostname.current
    ) throws(SettingError) -> ServerConfig {
        var c = ServerConfig(environment: try NodeEnvironment.resolve(layers.map { ($0.0.environment, $0.1) }, hostname: hostname))
        func pick<T>(
            _ key: KeyPath<ServerSettings, String?>, _ field: String, _ check: (String, SettingOrigin) throws(SettingError) -> T
        ) throws(SettingError) -> T? {
            try SettingLayers.pick(layers, key, origin: { $0.origin(daemonField: field) }, check)
        }
        if let address = try pick(\.listen, "listen", { (text, origin) throws(SettingError) in
            guard let address = ListenAddress(text) else { throw SettingError(origin, value: text, problem: "want host:port such as 127.0.0.1:9108") }
            return address
        }) {
            c.listen = address
        }
        if let level = try pick(\.logLevel, "logLevel", { (text, origin) throws(SettingError) in
            guard let level = Logger.Level(rawValue: text.lowercased()) else {
                let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
                throw SettingError(origin, value: text, problem: "want one of \(names)")
            }
            return level
        }) {
            c.logLevel = level
        }
        func duration(_ key: KeyPath<ServerSettings, String?>, _ field: String, minimum: Duration) throws(SettingError) -> Duration? {
            try pick(key, field) { (text, origin) throws(SettingError) in try GoDuration.parse(text, from: origin, minimum: minimum) }
        }
        if let d = try duration(\.resyncInterval, "resyncInterval", minimum: .seconds(1)) { c.resyncInterval = d }
        if let d = try duration(\.pollInterval, "pollInterval", minimum: .milliseconds(10)) { c.pollInterval = d }
        c.orphanGrace = try duration(\.orphanGrace, "orphanGrace", minimum: .zero)
        if let d = try duration(\.integrityInterval, "integrityInterval", minimum: .zero) { c.integrityInterval = d }
        if let d = try duration(\.heartbeatInterval, "heartbeatInterval", minimum: .seconds(1)) { c.heartbeatInterval = d }
        if let d = try duration(\.nodeGrace, "nodeGrace", minimum: .seconds(2)) { c.nodeGrace = d }
        if let d = try duration(\.leaderLease, "leaderLease", minimum: .seconds(2)) { c.leaderLease = d }
        c.api = try resolveAPI(layers, root: c.environment.root)
        if let r = try pick(\.runtime, "runtime", { (text, origin) throws(SettingError) in
            guard let r = PodRuntimeChoice(rawValue: text) else {
                throw SettingError(origin, value: text, problem: "want none (Pods are consumer records) or runc (Pods run through runc)")
            }
            return r
        }) {
            c.runtime = r
        }
        // A grace no longer than the heartbeat would call every node not Ready between beats.
        if c.nodeGrace <= c.heartbeatInterval {
            throw SettingError(
                layers.first { $0.0.nodeGrace != nil }.map { $0.1.origin(daemonField: "nodeGrace") } ?? .flag("--node-grace"),
                value: "\(c.nodeGrace)", problem: "must be longer than the heartbeat interval (\(c.heartbeatInterval))")
        }
        return c
    }
}

extension SettingLayer {
    /// Where a daemon-only field came from: `--poll-interval`, or the file's `pollInterval`.
    /// (No variable sets these; the environment layer never holds one.)
    func origin(daemonField field: String) -> SettingOrigin {
        switch self {
        case .flags, .environment: .flag("--" + Self.kebab(field))
        case .file(let path): .file(path: path, field: field)
        }
    }

    /// "resyncInterval" → "resync-interval".
    static func kebab(_ field: String) -> String {
        var out = ""
        for ch in field {
            if ch.isUppercase { out += "-" + ch.lowercased() } else { out.append(ch) }
        }
        return out
    }
}

/// A config file pvd cannot read: the file (and field), and what is wrong with its shape.
/// A readable value that is wrong is a `SettingError`.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ place: String, _ problem: String) { message = "\(place): \(problem)" }
    public var description: String { message }
}
