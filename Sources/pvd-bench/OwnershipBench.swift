import ArgumentParser
import Foundation
import PVDDrivers

#if canImport(Glibc)
import Glibc
#endif

/// `pvd-bench ownership`: what giving a volume a Pod's fsGroup costs. pvd's walk
/// (`VolumeOwnership.apply`) next to the raw floor, coreutils doing the same changes in two
/// walks (`chgrp -hR G` then `chmod -R g+rwX`, the setgid bit left out), on the same tree,
/// taking turns; then pvd's walk over a tree already right, which writes nothing.
struct OwnershipBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ownership", abstract: "Time the fsGroup walk over a tree of files against chgrp -R and chmod -R.")

    @Option(help: "Files in the tree.")
    var files = 100_000
    @Option(help: "Files per directory.")
    var perDirectory = 1_000
    @Option(help: "Rounds of each measurement.")
    var rounds = 3
    @Option(help: "Directory under which the benchmark makes its tree.")
    var workDir = "/var/tmp"
    @Option(help: "Where to write the JSON results (default bench-results/ownership-N.json).")
    var json: String?

    static let group: UInt32 = 4242

    func validate() throws {
        if geteuid() != 0 { throw ValidationError("ownership needs root (chown to another group)") }
        if files < 1 || perDirectory < 1 || rounds < 1 { throw ValidationError("--files, --per-directory and --rounds want at least 1") }
    }

    func run() async throws {
        let root = URL(fileURLWithPath: workDir).appendingPathComponent("pvd-bench-ownership-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try makeTree(root)
        var pvd: [Double] = [], floor: [Double] = [], unchanged: [Double] = []
        let rules = VolumeOwnership(group: Self.group)
        for _ in 0..<rounds {
            for throughPVD in [true, false] {
                try RawFloor.sh("/bin/chgrp", ["-hR", "0", root])
                try RawFloor.sh("/bin/chmod", ["-R", "u=rwX,go=rX", root])
                if throughPVD {
                    let (report, took) = try await Measure.seconds { try rules.apply(to: root) }
                    guard report.visited == files + directories + 1, report.failed == 0 else {
                        throw BenchError("the walk visited \(report.visited) of \(files + directories + 1), \(report.failed) failed")
                    }
                    pvd.append(took)
                    unchanged.append(try await Measure.seconds { try rules.apply(to: root) }.1)
                } else {
                    floor.append(try await Measure.seconds {
                        try RawFloor.sh("/bin/chgrp", ["-hR", String(Self.group), root])
                        try RawFloor.sh("/bin/chmod", ["-R", "g+rwX", root])
                    }.1)
                }
            }
        }
        let (p, f, u) = (Measure.median(pvd), Measure.median(floor), Measure.median(unchanged))
        let result: [String: Any] = [
            "benchmark": "ownership", "files": files, "directories": directories, "rounds": rounds,
            "pvd_median_s": p, "floor_median_s": f, "ratio": f > 0 ? p / f : 0, "unchanged_median_s": u,
        ]
        let path = json ?? "bench-results/ownership-\(files).json"
        try ResultFile.write(result, to: path)
        print("""
            pvd-bench ownership  files=\(files) in \(directories) directories  rounds=\(rounds)

            what                                              median
            pvd's walk (group, modes, setgid dirs)      \(String(format: "%8.3f s", p))   \(String(format: "%.2f", f > 0 ? p / f : 0))× the floor
            floor: chgrp -hR, then chmod -R g+rwX       \(String(format: "%8.3f s", f))
            pvd's walk over a tree already right        \(String(format: "%8.3f s", u))

            written to \(path)
            """)
    }

    var directories: Int { (files + perDirectory - 1) / perDirectory }

    /// `directories` directories of empty files, and nothing else.
    func makeTree(_ root: String) throws {
        for d in 0..<directories {
            let dir = "\(root)/d\(d)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for i in 0..<min(perDirectory, files - d * perDirectory) {
                let fd = open("\(dir)/f\(i)", O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
                guard fd >= 0 else { throw BenchError("create \(dir)/f\(i): errno \(errno)") }
                close(fd)
            }
        }
    }
}
