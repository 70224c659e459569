import Foundation
import PVDEnvironment
import PVDEtcd
import PVDStore
import Testing

struct StoreOpeningTests {
    static let etcd: EtcdOpener = EtcdStore.open

    static func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-env-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func aReaderDoesNotCreateAStoreAndAWriterDoesWithItsDirectory() async throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let location = dir + "/deeper/state.db"
        let error = #expect(throws: NodeEnvironmentError.self) { try NodeEnvironment.openStore(at: location, StoreOptions(create: false), etcd: nil) }
        #expect(error?.message.contains("store \(location) does not exist") == true)
        #expect(!FileManager.default.fileExists(atPath: location))
        let store = try NodeEnvironment.openStore(at: location, StoreOptions(create: true), etcd: Self.etcd)
        #expect(try await store.currentRevision() == 0)
        #expect(try NodeEnvironment.openStore(at: location, StoreOptions(create: false), etcd: nil) is SQLiteStore)
    }

    @Test func anEtcdLocationOpensAnEtcdStoreNotAFile() throws {
        // Nothing is sent yet: the store is only named, and a bad URL is refused by name.
        #expect(try NodeEnvironment.openStore(at: "etcd://127.0.0.1:1", StoreOptions(create: true), etcd: Self.etcd) is EtcdStore)
        #expect(!FileManager.default.fileExists(atPath: "etcd:"))
        let error = #expect(throws: NodeEnvironmentError.self) { try NodeEnvironment.openStore(at: "etcd://x:99999", StoreOptions(create: true), etcd: Self.etcd) }
        #expect(error?.message.contains("store etcd://x:99999") == true, "\(error?.message ?? "")")
    }

    @Test func anEtcdLocationWithoutAnEtcdClientIsAnErrorSayingSo() throws {
        let error = #expect(throws: NodeEnvironmentError.self) { try NodeEnvironment.openStore(at: "etcd://127.0.0.1:1", StoreOptions(create: true), etcd: nil) }
        #expect(error?.message == "store etcd://127.0.0.1:1: this binary has no etcd client (pvd-server has it)")
        #expect(!FileManager.default.fileExists(atPath: "etcd:"))
    }

    @Test func theEnvironmentsBusyTimeoutGoesToTheStore() {
        let env = NodeEnvironment(root: "/r", node: "n", busyTimeout: .milliseconds(300))
        #expect(env.storeOptions(create: false).busyTimeout == .milliseconds(300))
        #expect(env.store == "/r/state.db")
    }
}
