/// Where this node keeps its files and who it is: what every `pvd` command and `pvd serve`
/// read from the same flags, config fields and `PVD_*` variables, resolved once, in one way.
/// Build it with `resolve(_:)`; open the store and make the drivers through it.
public struct NodeEnvironment: Sendable, Equatable {
    /// The root when nothing names one.
    public static let defaultRoot = "/var/lib/pvd"
    /// The config file `pvd serve` reads when `--config` is not given; a missing one is fine.
    public static let defaultConfigFile = "/etc/pvd/config.yaml"
    /// How long a write waits for another process's write lock when nothing says.
    public static let defaultBusyTimeout: Duration = .seconds(5)

    /// Where pvd keeps what it makes by default: hostpath/, images/, mounts/, pods/, state.db.
    public var root: String
    /// The store's location: a SQLite file path (absolute), or another backend's URL as given.
    public var store: String
    /// This node's name, as its Node object and PVs' node affinity carry it.
    public var node: String
    /// Further directories a hostPath class's basePath may be in, besides the root.
    public var allowedRoots: [String]
    /// How long a write waits for another process's write lock before failing.
    public var busyTimeout: Duration

    public init(
        root: String = NodeEnvironment.defaultRoot, store: String? = nil, node: String, allowedRoots: [String] = [],
        busyTimeout: Duration = NodeEnvironment.defaultBusyTimeout
    ) {
        self.root = root
        self.store = store ?? Self.defaultStore(root: root)
        self.node = node
        self.allowedRoots = allowedRoots
        self.busyTimeout = busyTimeout
    }

    /// `<root>/state.db`.
    public static func defaultStore(root: String) -> String {
        root.hasSuffix("/") ? root + "state.db" : root + "/state.db"
    }
}
