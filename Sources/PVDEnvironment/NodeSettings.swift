/// One source's word on the node's environment — the command line, a config file or the
/// process's variables — nil where it says nothing. `NodeEnvironment.resolve` layers them.
public struct NodeSettings: Sendable, Equatable {
    public var root: String?
    public var store: String?
    public var node: String?
    public var allowedRoots: [String]?
    public var busyTimeout: String?

    public init(root: String? = nil, store: String? = nil, node: String? = nil, allowedRoots: [String]? = nil, busyTimeout: String? = nil) {
        self.root = root
        self.store = store
        self.node = node
        self.allowedRoots = allowedRoots
        self.busyTimeout = busyTimeout
    }

    /// What `PVD_ROOT`, `PVD_STORE`, `PVD_NODE`, `PVD_ALLOWED_ROOTS` (colon-separated) and
    /// `PVD_BUSY_TIMEOUT` say. A variable set to "" says nothing, as in `PVD_NODE= pvd …`.
    public static func environment(_ env: [String: String]) -> NodeSettings {
        func value(_ field: NodeField) -> String? { env[field.variable].flatMap { $0.isEmpty ? nil : $0 } }
        return NodeSettings(
            root: value(.root), store: value(.store), node: value(.node),
            allowedRoots: value(.allowedRoots).map { $0.split(separator: ":").map(String.init) },
            busyTimeout: value(.busyTimeout))
    }
}

/// A setting of the node's environment, and how each kind of source spells it.
public enum NodeField: String, Sendable, CaseIterable {
    case root, store, node, allowedRoots, busyTimeout

    /// The environment variable.
    public var variable: String {
        switch self {
        case .root: "PVD_ROOT"
        case .store: "PVD_STORE"
        case .node: "PVD_NODE"
        case .allowedRoots: "PVD_ALLOWED_ROOTS"
        case .busyTimeout: "PVD_BUSY_TIMEOUT"
        }
    }

    /// The command-line option. `pvd serve` has `--allowed-roots`; no command has a
    /// `--busy-timeout` yet (the variable and the config field set it), so that name only
    /// appears if a caller passes a busy timeout as a flag.
    public var flag: String {
        switch self {
        case .root: "--root"
        case .store: "--store"
        case .node: "--node"
        case .allowedRoots: "--allowed-roots"
        case .busyTimeout: "--busy-timeout"
        }
    }
}

/// Which kind of source a `NodeSettings` came from, to name a bad value's origin.
public enum SettingLayer: Sendable, Equatable {
    case flags
    case file(path: String)
    case environment

    public func origin(_ field: NodeField) -> SettingOrigin {
        switch self {
        case .flags: .flag(field.flag)
        case .file(let path): .file(path: path, field: field.rawValue)
        case .environment: .variable(field.variable)
        }
    }
}
