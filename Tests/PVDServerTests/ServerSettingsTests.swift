import Logging
import PVDServer
import Testing

struct ServerSettingsTests {
    @Test(arguments: [
        ("30s", 30_000), ("500ms", 500), ("5m", 300_000), ("1h", 3_600_000), ("1m30s", 90_000), ("2", 2000), ("0.5", 500),
        ("1.5s", 1500),
    ])
    func durationsParseAsGoWritesThem(text: String, milliseconds: Int64) {
        #expect(ConfigDuration.parse(text) == .milliseconds(milliseconds))
    }

    @Test(arguments: ["", "soon", "5x", "s", "1m-", "-1s", "1e9h"])
    func badDurationsAreRejected(text: String) {
        #expect(ConfigDuration.parse(text) == nil)
    }

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
            """, place: "config test.yaml")
        let c = try s.resolve()
        #expect(c.root == "/srv/pvd")
        #expect(c.storePath == "/srv/pvd/state.db")
        #expect(c.listen == ListenAddress(host: "127.0.0.1", port: 9200))
        #expect(c.logLevel == .debug)
        #expect(c.allowedRoots == ["/data", "/scratch"])
        #expect(c.resyncInterval == .seconds(60))
        #expect(c.pollInterval == .milliseconds(500))
        #expect(c.orphanGrace == .seconds(600))
    }

    @Test func anEmptyFileMeansDefaults() throws {
        let c = try ServerSettings.parse("", place: "config x").resolve()
        #expect(c == ServerConfig())
        #expect(c.listen.description == "127.0.0.1:9108")
        #expect(c.storePath == "/var/lib/pvd/state.db")
    }

    @Test func flagsWinOverTheFileWhichWinsOverTheEnvironment() throws {
        let file = ServerSettings(root: "/file", listen: "127.0.0.1:1", logLevel: "error")
        let flags = ServerSettings(listen: "127.0.0.1:2")
        let env = ServerSettings.environment(["PVD_ROOT": "/env", "PVD_NODE": "env-node", "PVD_ALLOWED_ROOTS": "/a:/b"])
        let c = try flags.overriding(file).overriding(env).resolve()
        #expect(c.listen.port == 2)
        #expect(c.root == "/file")
        #expect(c.logLevel == .error)
        #expect(c.node == "env-node")
        #expect(c.allowedRoots == ["/a", "/b"])
    }

    @Test(arguments: [
        ("resyncInterval: soon", "config f.yaml: field resyncInterval: want a duration"),
        ("pollInterval: 1ms", "config f.yaml: field pollInterval: want a duration of at least 10ms"),
        ("listen: 9108", "config f.yaml: field listen: want host:port"),
        ("logLevel: loud", "config f.yaml: field logLevel: want one of trace"),
        ("node: a b", "config f.yaml: field node: want a node name"),
        ("store: etcd://x:2379/p?colour=blue", "config f.yaml: field store: store etcd://x:2379/p?colour=blue: unknown option \"colour\""),
        ("store: etcd://x:99999", "config f.yaml: field store: store etcd://x:99999: bad endpoint"),
    ])
    func badValuesNameTheFileAndField(yaml: String, message: String) throws {
        let s = try ServerSettings.parse(yaml, place: "config f.yaml")
        #expect(throws: ConfigError.self) { try s.resolve(source: { "config f.yaml: field \($0)" }) }
        do {
            _ = try s.resolve(source: { "config f.yaml: field \($0)" })
        } catch {
            #expect(error.message.hasPrefix(message), "\(error.message)")
        }
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
        #expect(try s.resolve().store == "etcd://10.0.0.1:2379,10.0.0.2:2379/pvd")
    }

    @Test func aMissingDefaultFileIsFineButANamedOneIsNot() throws {
        let path = "/nonexistent-\(UInt64.random(in: 0...UInt64.max))/config.yaml"
        #expect(try ServerSettings.load(file: path, required: false) == ServerSettings())
        #expect(throws: ConfigError.self) { try ServerSettings.load(file: path, required: true) }
    }
}
