import ArgumentParser
import Foundation
import PVDModel

/// `pvd-bench codec`: the fast JSON codec alone, encoding and decoding N volumes and N claims
/// through `JSONCoding` as the stores do, the median of several rounds.
struct CodecBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codec", abstract: "Time encoding and decoding N PVs and N claims through JSONCoding (medians of rounds).")

    @Option(help: "How many volumes and how many claims.")
    var count = 100_000

    @Option(help: "How many timed rounds; the medians are printed.")
    var rounds = 5

    @Option(help: "Where to write the JSON results (default bench-results/codec-N.json).")
    var json: String?

    func validate() throws {
        if count < 1 { throw ValidationError("--count \(count): want at least 1") }
        if rounds < 1 { throw ValidationError("--rounds \(rounds): want at least 1") }
    }

    func run() async throws {
        var workload = BindWorkload(seed: 42)
        let (_, volumes, claims) = workload.make(count: count)
        // Objects as stored: with a uid, a resourceVersion, a creation time and a status, so
        // the codec sees the members a real store row has.
        let storedVolumes = volumes.enumerated().map { i, v in
            var v = v
            v.metadata.uid = "uid-pv-\(i)"
            v.metadata.resourceVersion = String(i + 1)
            v.metadata.creationTimestamp = Time(seconds: 1_780_000_000 + Int64(i))
            v.status = PersistentVolumeStatus(phase: .available)
            return v
        }
        let storedClaims = claims.enumerated().map { i, c in
            var c = c
            c.metadata.uid = "uid-pvc-\(i)"
            c.metadata.resourceVersion = String(count + i + 1)
            c.metadata.creationTimestamp = Time(seconds: 1_780_000_000 + Int64(i))
            c.metadata.finalizers = ["kubernetes.io/pvc-protection"]
            c.status = PersistentVolumeClaimStatus(phase: .pending)
            return c
        }

        let coding = JSONCoding.shared
        var phases: [(String, [Double])] = [("encode N PVs", []), ("decode N PVs", []), ("encode N claims", []), ("decode N claims", [])]
        var bytes = 0
        for _ in 0..<rounds {
            let (pvData, encPV) = try await Measure.seconds { try storedVolumes.map { try coding.encode($0) } }
            let (pvBack, decPV) = try await Measure.seconds { try pvData.map { try coding.decode(PersistentVolume.self, from: $0) } }
            let (pvcData, encPVC) = try await Measure.seconds { try storedClaims.map { try coding.encode($0) } }
            let (pvcBack, decPVC) = try await Measure.seconds { try pvcData.map { try coding.decode(PersistentVolumeClaim.self, from: $0) } }
            // A benchmark of work not done is no figure: every object must come back equal.
            guard pvBack == storedVolumes, pvcBack == storedClaims else {
                throw ValidationError("decoded objects differ from the encoded ones")
            }
            for (i, t) in [encPV, decPV, encPVC, decPVC].enumerated() { phases[i].1.append(t) }
            bytes = pvData.reduce(0) { $0 + $1.count } + pvcData.reduce(0) { $0 + $1.count }
        }

        print("pvd-bench codec  N=\(count) PVs + \(count) claims  rounds=\(rounds)  mean bytes/object=\(bytes / (2 * count))")
        print("what                 median s    objects/s")
        var result: [String: Any] = ["benchmark": "codec", "count": count, "rounds": rounds]
        for (name, times) in phases {
            let m = Measure.median(times)
            let rate = Int(Double(count) / max(m, 1e-9))
            print("\(name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(String(format: "%8.4f", m))   \(rate)")
            result[name.replacingOccurrences(of: " ", with: "_") + "_median_seconds"] = m
        }
        try ResultFile.write(result, to: json ?? "bench-results/codec-\(count).json")
    }
}
