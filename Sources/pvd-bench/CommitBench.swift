import ArgumentParser
import Foundation
import PVDModel
import PVDStore

/// `pvd-bench commit`: rows per second through the SQLite store's commit (N creates in one
/// transaction, then N updates) and a full list — what the store test used to print.
struct CommitBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commit", abstract: "Time committing N PV creates, N updates, and listing them, in one SQLite store.")

    @Option(help: "How many objects.")
    var count = 10_000

    @Option(help: "Directory under which the benchmark makes its store (default /var/tmp).")
    var workDir = "/var/tmp"

    @Option(help: "Where to write the JSON results (default bench-results/commit-N.json).")
    var json: String?

    func validate() throws {
        if count < 1 { throw ValidationError("--count \(count): want at least 1") }
    }

    func run() async throws {
        let dir = URL(fileURLWithPath: workDir).appendingPathComponent("pvd-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SQLiteStore(path: dir + "/state.db")

        let creates = (0..<count).map { i in
            StoreWrite.create(AnyResource(PersistentVolume(name: "pv-\(i)", spec: PersistentVolumeSpec(
                capacity: Quantity(1 << 30), accessModes: [.readWriteOnce]))))
        }
        let (created, createSeconds) = try await Measure.seconds { try await store.commit(creates) }
        let updates = created.compactMap { r -> StoreWrite? in
            guard var pv = r?.as(PersistentVolume.self) else { return nil }
            pv.status = PersistentVolumeStatus(phase: .available)
            return .update(AnyResource(pv))
        }
        let (updated, updateSeconds) = try await Measure.seconds { try await store.commit(updates) }
        let (listed, listSeconds) = try await Measure.seconds {
            try await store.list(PersistentVolume.self, namespace: nil, selector: nil).items.count
        }
        // A benchmark of work not done is no figure: every row must be there.
        guard created.count == count, updated.count == count, listed == count else {
            throw ValidationError("wrote \(created.count) creates, \(updated.count) updates, listed \(listed); want \(count) each")
        }
        func rate(_ s: Double) -> Int { Int(Double(count) / max(s, 1e-9)) }
        let result: [String: Any] = [
            "benchmark": "commit", "count": count,
            "create_seconds": createSeconds, "update_seconds": updateSeconds, "list_seconds": listSeconds,
            "create_rows_per_second": rate(createSeconds), "update_rows_per_second": rate(updateSeconds),
            "list_rows_per_second": rate(listSeconds),
        ]
        print("""
            pvd-bench commit  N=\(count)
            what                 seconds      rows/s
            commit N creates     \(s(createSeconds))   \(rate(createSeconds))
            commit N updates     \(s(updateSeconds))   \(rate(updateSeconds))
            list all             \(s(listSeconds))   \(rate(listSeconds))
            """)
        let path = json ?? "bench-results/commit-\(count).json"
        try ResultFile.write(result, to: path)
        print("wrote \(path)")
    }

    private func s(_ v: Double) -> String { String(format: "%8.3f", v) }
}
