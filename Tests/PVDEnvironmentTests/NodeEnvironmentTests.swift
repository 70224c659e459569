import PVDEnvironment
import Testing

struct NodeEnvironmentTests {
    static func resolve(_ flags: NodeSettings, _ env: [String: String]) throws(SettingError) -> NodeEnvironment {
        try NodeEnvironment.resolve(
            [(flags, .flags), (.environment(env), .environment)], workingDirectory: "/work", hostname: { "host-1" })
    }

    /// Flag over variable over default, field by field.
    @Test(arguments: [
        // Nothing said: the defaults, and the hostname.
        (NodeSettings(), [String: String](), "/var/lib/pvd", "/var/lib/pvd/state.db", "host-1", Duration.seconds(5)),
        // Variables alone.
        (NodeSettings(), ["PVD_ROOT": "/r", "PVD_NODE": "n-1", "PVD_BUSY_TIMEOUT": "500ms"], "/r", "/r/state.db", "n-1", .milliseconds(500)),
        // The store follows the root unless named.
        (NodeSettings(root: "/flag"), ["PVD_ROOT": "/env"], "/flag", "/flag/state.db", "host-1", .seconds(5)),
        (NodeSettings(), ["PVD_ROOT": "/env", "PVD_STORE": "/elsewhere/s.db"], "/env", "/elsewhere/s.db", "host-1", .seconds(5)),
        // Flags win over variables.
        (NodeSettings(store: "/f.db", node: "flag-node", busyTimeout: "2s"), ["PVD_STORE": "/e.db", "PVD_NODE": "env-node", "PVD_BUSY_TIMEOUT": "1s"],
         "/var/lib/pvd", "/f.db", "flag-node", .seconds(2)),
        // Relative paths are made absolute once; an empty variable is as if unset.
        (NodeSettings(root: "data"), ["PVD_NODE": "", "PVD_BUSY_TIMEOUT": "0.2"], "/work/data", "/work/data/state.db", "host-1", .milliseconds(200)),
        // Another backend's URL is kept as given.
        (NodeSettings(store: "etcd://a:2379,b:2379"), [:], "/var/lib/pvd", "etcd://a:2379,b:2379", "host-1", .seconds(5)),
    ])
    func flagsWinOverVariablesWhichWinOverDefaults(
        flags: NodeSettings, env: [String: String], root: String, store: String, node: String, busy: Duration
    ) throws {
        let e = try Self.resolve(flags, env)
        #expect(e.root == root)
        #expect(e.store == store)
        #expect(e.node == node)
        #expect(e.busyTimeout == busy)
    }

    @Test func allowedRootsAreColonSeparatedAndAbsolute() throws {
        #expect(try Self.resolve(NodeSettings(), ["PVD_ALLOWED_ROOTS": "/a:b"]).allowedRoots == ["/a", "/work/b"])
        #expect(try Self.resolve(NodeSettings(allowedRoots: ["/x"]), ["PVD_ALLOWED_ROOTS": "/a"]).allowedRoots == ["/x"])
        #expect(try Self.resolve(NodeSettings(), [:]).allowedRoots == [])
    }

    @Test func theHostnameIsAskedOnlyWhenNothingNamesTheNode() throws {
        let e = try NodeEnvironment.resolve([(NodeSettings(node: "given"), .flags)], hostname: {
            Issue.record("hostname asked for")
            return "x"
        })
        #expect(e.node == "given")
        #expect(!Hostname.current().isEmpty && !Hostname.current().contains("."))
    }

    /// A value that cannot be read names its flag or variable; nothing falls back to a default.
    @Test(arguments: [
        (NodeSettings(), ["PVD_BUSY_TIMEOUT": "5x"], #"PVD_BUSY_TIMEOUT="5x": not a duration (use 500ms, 2s, 1m)"#),
        (NodeSettings(), ["PVD_BUSY_TIMEOUT": "-1s"], #"PVD_BUSY_TIMEOUT="-1s": a duration may not be negative"#),
        (NodeSettings(busyTimeout: "5x"), ["PVD_BUSY_TIMEOUT": "1s"], #"--busy-timeout "5x": not a duration (use 500ms, 2s, 1m)"#),
        (NodeSettings(busyTimeout: "1s"), ["PVD_BUSY_TIMEOUT": "1x"], #"PVD_BUSY_TIMEOUT="1x": not a duration"#),
        (NodeSettings(), ["PVD_NODE": "a b"], #"PVD_NODE="a b": want a node name"#),
        (NodeSettings(node: "a/b"), [:], #"--node "a/b": want a node name"#),
        (NodeSettings(root: ""), [:], #"--root "": want a directory"#),
        (NodeSettings(store: ""), [:], #"--store "": want a file path"#),
        (NodeSettings(allowedRoots: ["/a", ""]), [:], #"--allowed-roots "/a:": want directories"#),
    ])
    func aBadValueNamesItsSource(flags: NodeSettings, env: [String: String], message: String) {
        let error = #expect(throws: SettingError.self) { try Self.resolve(flags, env) }
        #expect(error?.description.hasPrefix(message) == true, "\(String(describing: error))")
    }
}

extension NodeEnvironmentTests {
    /// A flag overriding a bad variable does not hide it: the mistake would come back the day
    /// the flag is dropped.
    @Test func aBadValueUnderAGoodOneIsStillAnError() {
        let error = #expect(throws: SettingError.self) {
            try Self.resolve(NodeSettings(busyTimeout: "1s"), ["PVD_BUSY_TIMEOUT": "5x"])
        }
        #expect(error?.origin == .variable("PVD_BUSY_TIMEOUT"))
    }
}
