import ArgumentParser
import Foundation
import PVDModel
import PVDStore

/// `pvd-bench apply --count N`: the bind workload's N PVs and N claims written as one YAML (or
/// JSON) stream, applied with the real `pvd apply -f` into a fresh store, then applied again
/// unchanged; beside it, the same objects loaded straight into a store in batches of 1000 (the
/// bind benchmark's load (a)), which is the floor an apply is compared with.
struct ApplyBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Time `pvd apply -f` of N PVs + N claims against loading them straight into a store.")

    @Option(help: "How many PVs, and as many claims.")
    var count = 10_000

    @Option(help: "Seed for the generated objects.")
    var seed: UInt64 = 42

    @Option(help: "yaml or json: how the stream is written.")
    var format = "yaml"

    @Option(help: "The pvd binary (default: the one beside pvd-bench).")
    var pvd: String?

    @Option(help: "Keep the written stream at this path instead of a temporary file.")
    var writeManifest: String?

    @Option(help: "Directory for the temporary stores (default: the system temp dir).")
    var workDir: String?

    @Option(help: "Where to write the JSON results (default bench-results/apply-N.json).")
    var json: String?

    func run() async throws {
        guard ["yaml", "json"].contains(format) else { throw ValidationError("--format yaml|json") }
        let binary = pvd ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("pvd").path
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw BenchError("no pvd binary at \(binary); pass --pvd") }
        let dir = URL(fileURLWithPath: workDir ?? NSTemporaryDirectory()).appendingPathComponent("pvd-bench-apply-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        var gen = BindWorkload(seed: seed)
        let (classes, volumes, claims) = gen.make(count: count)
        let objects: [AnyResource] = classes.map { .storageClass($0) } + volumes.map { .persistentVolume($0) } + claims.map { .persistentVolumeClaim($0) }
        let manifest = writeManifest ?? dir.appendingPathComponent("objects.\(format)").path
        let (bytes, writeSeconds) = try await Measure.seconds { try Self.write(objects, format: format, to: manifest) }

        // The floor: the same objects, defaulted as apply defaults them, straight into a store.
        let loadStore = try SQLiteStore(path: dir.appendingPathComponent("load.db").path)
        let creates = objects.map { StoreWrite.create(Defaulting.forCreate($0)) }
        let (_, loadSeconds) = try await Measure.seconds {
            var i = 0
            while i < creates.count {
                let end = min(i + 1000, creates.count)
                _ = try await loadStore.commit(Array(creates[i..<end]))
                i = end
            }
            try await loadStore.checkpoint()
        }

        let root = dir.appendingPathComponent("root").path
        let errors = dir.appendingPathComponent("stderr.log").path
        func apply() async throws -> Double {
            let (status, seconds) = try await Measure.seconds {
                try ChildProcess.run([binary, "apply", "--root", root, "-f", manifest], stderrPath: errors)
            }
            guard status == 0 else { throw BenchError("pvd apply exited \(status): \((try? String(contentsOfFile: errors, encoding: .utf8))?.suffix(400) ?? "")") }
            return seconds
        }
        let first = try await apply()
        let again = try await apply()
        let stored = try SQLiteStore(path: root + "/state.db")
        let pvs = try await stored.list(PersistentVolume.self, namespace: nil, selector: nil).items.count
        let pvcs = try await stored.list(PersistentVolumeClaim.self, namespace: nil, selector: nil).items.count
        guard pvs == volumes.count, pvcs == claims.count else {
            throw BenchError("the store holds \(pvs) PVs and \(pvcs) claims after apply, not \(volumes.count) and \(claims.count)")
        }

        let result: [String: Any] = [
            "benchmark": "apply", "count": count, "seed": seed, "format": format, "documents": objects.count,
            "manifest_bytes": bytes, "load_seconds": loadSeconds, "apply_seconds": first, "reapply_seconds": again,
            "apply_over_load": first / max(loadSeconds, 1e-9), "reapply_over_load": again / max(loadSeconds, 1e-9),
            "peak_rss_mib": Measure.peakRSSMiB(),
        ]
        print("""
            pvd-bench apply  N=\(count) (\(objects.count) documents, \(format), \(bytes / 1_048_576) MiB, written in \(f(writeSeconds)) s)
            step                       seconds   / load
            load (floor)               \(f(loadSeconds))    1.00x   \(objects.count) creates, 1000 per commit
            pvd apply -f               \(f(first))    \(String(format: "%.2fx", first / max(loadSeconds, 1e-9)))
            pvd apply -f (unchanged)   \(f(again))    \(String(format: "%.2fx", again / max(loadSeconds, 1e-9)))
            """)
        let path = json ?? "bench-results/apply-\(count).json"
        try ResultFile.write(result, to: path)
        print("wrote \(path)")
    }

    /// Writes the objects as one stream (`---`-separated YAML documents, or one JSON object per
    /// line, which pvd reads as a YAML stream too); returns its size in bytes.
    static func write(_ objects: [AnyResource], format: String, to path: String) throws -> Int {
        guard let out = FileHandle(forWritingAtPath: path) ?? {
            FileManager.default.createFile(atPath: path, contents: nil)
            return FileHandle(forWritingAtPath: path)
        }() else { throw BenchError("cannot write \(path)") }
        defer { try? out.close() }
        try out.truncate(atOffset: 0)
        var total = 0
        var chunk = ""
        for (i, object) in objects.enumerated() {
            let data = try JSONCoding.shared.encode(object.resource)
            if format == "json" {
                chunk += (i == 0 ? "" : "---\n") + String(decoding: data, as: UTF8.self) + "\n"
            } else {
                let value = try JSONCoding.shared.decode(JSONValue.self, from: data)
                chunk += (i == 0 ? "" : "---\n") + (try YAMLConversion.yaml(value))
            }
            if chunk.utf8.count > 1 << 20 || i == objects.count - 1 {
                let bytes = Data(chunk.utf8)
                try out.write(contentsOf: bytes)
                total += bytes.count
                chunk = ""
            }
        }
        return total
    }

    private func f(_ x: Double) -> String { String(format: "%7.3f", x) }
}
