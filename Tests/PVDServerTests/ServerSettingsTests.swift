import Logging
import PVDEnvironment
import PVDServer
import Testing

struct ServerSettingsTests {
    @Test(arguments: [
        ("127.0.0.1:9108", "127.0.0.1", 9108), ("0.0.0.0:0", "0.0.0.0", 0), ("[::1]:80", "::1", 80), ("localhost:1", "localhost", 1),
    ])
    func listenAddressesParse(text: String, host: String, port: Int) {
        #expect(ListenAddress(text) == ListenAddress(host: host, port: port))
    }

    @Test(arguments: ["9108", ":9108", "host:", "host:65536", "host:x"])
    func badListenAddressesAreRejected(text: String) {
        #expect(ListenAddress(text) == nil)
    }

    @Test func aFileIsReadFieldByField() throws {
        let s = try ServerSettings.parse("""
            root: /srv/pvd
            listen: 127.0.0.1:9200
            logLevel: debug
            allowedRoots: [/data, /scratch]
            resyncInterval: 1m
            pollInterval: 500ms
            orphanGrace: 10m
            busyTimeout: 250ms
            """, place: "config test.yaml")
        let c = try ServerSettings.resolve([(s, .file(path: "test.yaml"))])
        #expect(c.environment.root == "/srv/pvd")
        #expect(c.environment.store == "/srv/pvd/state.db")
        #expect(c.environment.busyTimeout == .milliseconds(250))
        #expect(c.listen == ListenAddress(host: "127.0.0.1", port: 9200))
        #expect(c.logLevel == .debug)
        #expect(c.environment.allowedRoots == ["/data", "/scratch"])
        #expect(c.resyncInterval == .seconds(60))
        #expect(c.pollInterval == .milliseconds(500))
        #expect(c.orphanGrace == .seconds(600))
    }

    @Test func anEmptyFileMeansDefaults() throws {
        let c = try ServerSettings.resolve([(ServerSettings.parse("", place: "config x"), .file(path: "x"))], hostname: { "here" })
        #expect(c == ServerConfig(environment: NodeEnvironment(node: "here")))
        #expect(c.listen.description == "127.0.0.1:9108")
        #expect(c.environment.store == "/var/lib/pvd/state.db")
    }

    @Test func flagsWinOverTheFileWhichWinsOverTheEnvironment() throws {
        let file = ServerSettings(environment: NodeSettings(root: "/file"), listen: "127.0.0.1:1", logLevel: "error")
        let flags = ServerSettings(listen: "127.0.0.1:2")
        let env = ServerSettings.environment([
            "PVD_ROOT": "/env", "PVD_NODE": "env-node", "PVD_ALLOWED_ROOTS": "/a:/b", "PVD_BUSY_TIMEOUT": "750ms",
        ])
        let c = try ServerSettings.resolve([(flags, .flags), (file, .file(path: "f.yaml")), (env, .environment)])
        #expect(c.listen.port == 2)
        #expect(c.environment.root == "/file")
        #expect(c.logLevel == .error)
        #expect(c.environment.node == "env-node")
        #expect(c.environment.allowedRoots == ["/a", "/b"])
        #expect(c.environment.busyTimeout == .milliseconds(750))
    }

    @Test(arguments: [
        ("resyncInterval: soon", #"config f.yaml: field resyncInterval: "soon": not a duration (use 500ms, 2s, 1m)"#),
        ("resyncInterval: 500ms", #"config f.yaml: field resyncInterval: "500ms": want at least 1s"#),
        ("pollInterval: 1ms", #"config f.yaml: field pollInterval: "1ms": want at least 10ms"#),
        ("orphanGrace: -1s", #"config f.yaml: field orphanGrace: "-1s": a duration may not be negative"#),
        ("integrityInterval: 1d", #"config f.yaml: field integrityInterval: "1d": not a duration"#),
        ("busyTimeout: 5x", #"config f.yaml: field busyTimeout: "5x": not a duration"#),
        ("listen: 9108", #"config f.yaml: field listen: "9108": want host:port"#),
        ("logLevel: loud", #"config f.yaml: field logLevel: "loud": want one of trace"#),
        ("node: a b", #"config f.yaml: field node: "a b": want a node name"#),
        ("store: etcd://x:2379/p?colour=blue", #"config f.yaml: field store: "etcd://x:2379/p?colour=blue": store etcd://x:2379/p?colour=blue: unknown option "colour""#),
        ("store: etcd://x:99999", #"config f.yaml: field store: "etcd://x:99999": store etcd://x:99999: bad endpoint"#),
    ])
    func badValuesNameTheFileAndField(yaml: String, message: String) throws {
        let s = try ServerSettings.parse(yaml, place: "config f.yaml")
        let error = #expect(throws: SettingError.self) { try ServerSettings.resolve([(s, .file(path: "f.yaml"))]) }
        #expect(error?.description.hasPrefix(message) == true, "\(String(describing: error))")
    }

    @Test(arguments: [
        (ServerSettings(pollInterval: "5x"), #"--poll-interval "5x": not a duration (use 500ms, 2s, 1m)"#),
        (ServerSettings(integrityInterval: "1h-"), #"--integrity-interval "1h-": not a duration"#),
        (ServerSettings(environment: NodeSettings(root: "")), #"--root "": want a directory"#),
    ])
    func badFlagsNameTheFlag(flags: ServerSettings, message: String) {
        let error = #expect(throws: SettingError.self) { try ServerSettings.resolve([(flags, .flags)]) }
        #expect(error?.description.hasPrefix(message) == true, "\(String(describing: error))")
    }

    @Test func aBadVariableNamesTheVariableEvenUnderAGoodFile() {
        let env = ServerSettings.environment(["PVD_BUSY_TIMEOUT": "200mss"])
        let error = #expect(throws: SettingError.self) {
            try ServerSettings.resolve([(ServerSettings(), .flags), (ServerSettings(listen: "127.0.0.1:1"), .file(path: "f")), (env, .environment)])
        }
        #expect(error?.description == #"PVD_BUSY_TIMEOUT="200mss": not a duration (use 500ms, 2s, 1m)"#)
    }

    @Test(arguments: [
        ("colour: blue", "config f.yaml: field colour: unknown setting"),
        ("allowedRoots: /one", "config f.yaml: field allowedRoots: want a list"),
        ("root: [a, b]", "config f.yaml: field root: want a single value"),
        ("- a list", "config f.yaml: want a mapping"),
        ("root: [unclosed", "config f.yaml: not valid YAML"),
    ])
    func badShapesNameTheFileAndField(yaml: String, message: String) {
        do {
            _ = try ServerSettings.parse(yaml, place: "config f.yaml")
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.message.hasPrefix(message), "\(error.message)")
        }
    }

    @Test func anEtcdStoreIsTakenAsAURL() throws {
        let s = try ServerSettings.parse("store: etcd://10.0.0.1:2379,10.0.0.2:2379/pvd", place: "config f.yaml")
        #expect(try ServerSettings.resolve([(s, .file(path: "f.yaml"))]).environment.store == "etcd://10.0.0.1:2379,10.0.0.2:2379/pvd")
    }

    @Test func aMissingDefaultFileIsFineButANamedOneIsNot() throws {
        let path = "/nonexistent-\(UInt64.random(in: 0...UInt64.max))/config.yaml"
        #expect(try ServerSettings.load(file: path, required: false) == ServerSettings())
        #expect(throws: ConfigError.self) { try ServerSettings.load(file: path, required: true) }
    }
}

extension ServerSettingsTests {
    @Test func heartbeatGraceAndLeaseAreReadAndChecked() throws {
        let s = try ServerSettings.parse("""
            heartbeatInterval: 2s
            nodeGrace: 7s
            leaderLease: 5s
            """, place: "config test.yaml")
        let c = try ServerSettings.resolve([(s, .file(path: "test.yaml"))])
        #expect(c.heartbeatInterval == .seconds(2))
        #expect(c.nodeGrace == .seconds(7))
        #expect(c.leaderLease == .seconds(5))

        // A grace no longer than the heartbeat would call every node not Ready between beats.
        let flags = ServerSettings(heartbeatInterval: "10s", nodeGrace: "10s")
        #expect {
            try ServerSettings.resolve([(flags, .flags)])
        } throws: { error in
            "\(error)".contains("--node-grace") && "\(error)".contains("longer than the heartbeat interval")
        }
        let short = ServerSettings(leaderLease: "1s")
        #expect(throws: (any Error).self) { try ServerSettings.resolve([(short, .flags)]) }
    }
}
