import Foundation
import Testing

/// `pvd` leaves the networking stack out so that it starts fast, and hands the commands that
/// need it to `pvd-server` beside it. Run through copies of the real binaries.
struct BinarySplitTests {
    static func pv(_ name: String, _ size: String) -> String { BindingScenarioTests.pv(name, size) }

    /// `pvd` copied into a directory of its own, without `pvd-server` beside it.
    static func lonePVD(in pvd: PVDProcess) throws -> String {
        let dir = pvd.root.appendingPathComponent("bin").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: PVDProcess.binary, toPath: dir + "/pvd")
        return dir + "/pvd"
    }

    static func listing(_ dir: URL) throws -> [String] {
        try FileManager.default.subpathsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix("bin") }.sorted()
    }

    @Test func pvdAloneRunsTheStoreCommands() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let lone = try Self.lonePVD(in: pvd)
        let manifest = try pvd.write("pv.yaml", Self.pv("seed", "1Gi"))
        let applied = try pvd.run(["apply", "-f", manifest], binary: lone)
        #expect(applied.status == 0, "\(applied.stderr)")
        let got = try pvd.run(["get", "pv", "seed", "-o", "name"], binary: lone)
        #expect(got.status == 0, "\(got.stderr)")
        #expect(got.stdout == "persistentvolume/seed\n")
    }

    @Test(arguments: [
        (["serve", "--api-listen", "off"], "the daemon"),
        (["kubeconfig", "--user", "ada"], "the API's certificate authority"),
        (["get", "pv", "--store", "etcd://127.0.0.1:1"], "the etcd client"),
    ])
    func pvdAloneNamesPvdServerForWhatNeedsItAndDoesNothing(args: [String], part: String) throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("pv.yaml", Self.pv("seed", "1Gi"))])
        let lone = try Self.lonePVD(in: pvd)
        let before = try Self.listing(pvd.root)
        let storeBytes = try Data(contentsOf: URL(fileURLWithPath: pvd.store))
        let r = try pvd.run(args, binary: lone)
        #expect(r.status == 1)
        let expected = "error: this command needs \(part), which pvd leaves out so that it starts fast; pvd-server has it but is not at \(pvd.root.path)/bin/pvd-server: install it beside pvd\n"
        #expect(r.stderr == expected)
        #expect(r.stdout.isEmpty)
        #expect(try Self.listing(pvd.root) == before, "nothing is made (no api/ certificates, no store)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: pvd.store)) == storeBytes)
    }

    @Test func aUsageErrorIsPvdsOwnEvenForAHandedCommand() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let lone = try Self.lonePVD(in: pvd)
        let r = try pvd.run(["kubeconfig", "--user", "ada", "--server", "http://x"], binary: lone)
        #expect(r.status != 0)
        #expect(r.stderr.contains("--server http://x: pvd's API is HTTPS only"), "\(r.stderr)")
        #expect(!r.stderr.contains("pvd-server"))
    }

    @Test func aHandedCommandRunsInPvdServerBesidePvd() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let r = try pvd.run(["kubeconfig", "--user", "ada"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("kind: Config"))
        #expect(FileManager.default.fileExists(atPath: pvd.root.appendingPathComponent("api").path))
    }

    /// The split is in what is linked: `pvd` holds no SwiftNIO, Hummingbird, swift-crypto or
    /// async-http-client code (their module names are in every Swift type's metadata), and
    /// `pvd-server` does.
    @Test func pvdLinksNoNetworkingStackAndPvdServerDoes() throws {
        let server = (PVDProcess.binary as NSString).deletingLastPathComponent + "/pvd-server"
        let modules = ["NIOPosix", "HummingbirdCore", "AsyncHTTPClient", "X509", "PVDEtcd", "PVDServer"]
        let thin = try Data(contentsOf: URL(fileURLWithPath: PVDProcess.binary), options: .alwaysMapped)
        let full = try Data(contentsOf: URL(fileURLWithPath: server), options: .alwaysMapped)
        for module in modules {
            // Mangled: the name's length, then the name (`8NIOPosix`).
            let mangled = Data("\(module.utf8.count)\(module)".utf8)
            #expect(thin.range(of: mangled) == nil, "pvd links \(module)")
            #expect(full.range(of: mangled) != nil, "pvd-server lacks \(module)")
        }
    }
}
