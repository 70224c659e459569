import PVDStore
extension NodeEnvironment {
    /// The environment from sources in order of precedence (first wins: flags, then a config
    /// file, then the variables), defaults where none speaks. Every layer's value is checked
    /// where it was found, so an error names that flag, field or variable; none falls back
    /// silently, and none is hidden by a layer above it.
    /// `hostname` is asked only when no source names the node.
    public static func resolve(
        _ layers: [(NodeSettings, SettingLayer)], workingDirectory: String? = nil,
        hostname: () -> String = Hostname.current
    ) throws(SettingError) -> NodeEnvironment {
        func pick<V, T>(
            _ key: KeyPath<NodeSettings, V?>, _ field: NodeField, _ check: (V, SettingOrigin) throws(SettingError) -> T
        ) throws(SettingError) -> T? {
            try SettingLayers.pick(layers, key, origin: { $0.origin(field) }, check)
        }
        let cwd = workingDirectory ?? WorkingDirectory.current()
        let root = try pick(\.root, .root) { (text, origin) throws(SettingError) in
            guard !text.isEmpty else { throw SettingError(origin, value: text, problem: "want a directory") }
            return FilePaths.absolute(text, in: cwd)
        } ?? defaultRoot
        let store = try pick(\.store, .store) { (text, origin) throws(SettingError) in
            guard !text.isEmpty else { throw SettingError(origin, value: text, problem: "want a file path or an etcd:// URL") }
            if EtcdStoreURL.isEtcd(text) {
                do {
                    _ = try EtcdStoreURL(text)
                } catch {
                    throw SettingError(origin, value: text, problem: "\(error)")
                }
                return text
            }
            if text.contains("://") {
                throw SettingError(origin, value: text, problem: "want a file path or an etcd:// (etcds://) URL")
            }
            return FilePaths.absolute(text, in: cwd)
        }
        let node = try pick(\.node, .node) { (text, origin) throws(SettingError) in
            guard isNodeName(text) else { throw SettingError(origin, value: text, problem: "want a node name (letters, digits, '-' and '.')") }
            return text
        } ?? hostname()
        let allowed: [String] = try pick(\.allowedRoots, .allowedRoots) { (list: [String], origin) throws(SettingError) -> [String] in
            if list.contains("") { throw SettingError(origin, value: list.joined(separator: ":"), problem: "want directories, got an empty one") }
            return list.map { FilePaths.absolute($0, in: cwd) }
        } ?? []
        let busy = try pick(\.busyTimeout, .busyTimeout) { (text, origin) throws(SettingError) in
            try GoDuration.parse(text, from: origin)
        } ?? defaultBusyTimeout
        return NodeEnvironment(root: root, store: store, node: node, allowedRoots: allowed, busyTimeout: busy)
    }

    /// What a command that has only flags and variables sees: flags over `PVD_*` over defaults.
    public static func resolve(flags: NodeSettings, environment: [String: String]) throws(SettingError) -> NodeEnvironment {
        try resolve([(flags, .flags), (.environment(environment), .environment)])
    }

    static func isNodeName(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
    }
}
