import Logging
import PVDAPI
import PVDEnvironment

/// Everything `pvd serve` is configured with, resolved: defaults filled in, every value checked.
public struct ServerConfig: Sendable, Equatable {
    /// The config file read when `--config` is not given; a missing one is fine.
    public static let defaultPath = NodeEnvironment.defaultConfigFile

    /// Root, store, node name, allowed roots and busy timeout, as every pvd command has them.
    public var environment: NodeEnvironment
    /// Where the HTTP endpoint listens.
    public var listen = ListenAddress(host: "127.0.0.1", port: 9108)
    public var logLevel: Logger.Level = .info
    /// How often every object is looked at again even if nothing changed.
    public var resyncInterval: Duration = .seconds(300)
    /// How often the store is checked for other processes' writes when no file change woke it:
    /// a safety net under the inotify wake-up.
    public var pollInterval: Duration = .seconds(2)
    /// How long an unclaimed leftover may stay before recovery removes it (the reconciler's
    /// `--orphan-grace`); nil keeps the reconciler's default.
    public var orphanGrace: Duration?
    /// How often the daemon runs `PRAGMA integrity_check` over the whole store; zero never.
    /// (A `quick_check` runs once at start regardless.)
    public var integrityInterval: Duration = .seconds(3600)
    /// How often the daemon checks that the store's files are still the ones it opened.
    public var fileCheckInterval: Duration = .seconds(1)
    /// How often this node's Ready heartbeat is renewed (Kubernetes' node status update frequency).
    public var heartbeatInterval: Duration = .seconds(10)
    /// How old a heartbeat may be before the leader marks its node not Ready.
    public var nodeGrace: Duration = .seconds(40)
    /// The leader's lease on an etcd store: a dead leader's successor takes over within about this long.
    public var leaderLease: Duration = .seconds(10)
    /// The Kubernetes API (`--api-listen`, default 127.0.0.1:6443); nil when turned off.
    public var api: APIServerConfig?
    /// Whether this node runs its Pods' containers (`runc`) or keeps Pods as consumer records (`none`).
    public var runtime: PodRuntimeChoice = .none

    public init(environment: NodeEnvironment) {
        self.environment = environment
        api = APIServerConfig(certificateDirectory: environment.root + "/api")
    }
}

/// A host and port to listen on, "127.0.0.1:9108" or "[::1]:9108".
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses "host:port"; nil for anything else.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        self.init(host: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// The pod runtime a node uses: `none` (the default until a node has runc: Pods are consumer
/// records, their volumes published) or `runc`.
public enum PodRuntimeChoice: String, Sendable, Equatable {
    case none
    case runc
}
