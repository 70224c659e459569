import ArgumentParser
import Foundation
import Logging
import PVDDrivers

/// `pvd-bench ext4`: what a 1 GiB ext4 volume costs. Two measurements that used to be tests
/// printing timings: pvd's `makeFilesystem` next to `mkfs.ext4 -q` by hand on the same kind of
/// sparse loop device, and the loop driver's provision (image, mkfs, attach, mount) and delete.
struct Ext4Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ext4", abstract: "Time mkfs.ext4 through pvd and by hand, and a 1 GiB loop volume's provision and delete.")

    @Option(help: "Rounds of each measurement.")
    var rounds = 5

    @Option(help: "The size of each image, in bytes (default 1 GiB).")
    var bytes: Int64 = 1 << 30

    @Option(help: "Directory under which the benchmark makes its root (default /var/tmp).")
    var workDir = "/var/tmp"

    @Option(help: "Where to write the JSON results (default bench-results/ext4.json).")
    var json: String?

    func validate() throws {
        if geteuid() != 0 { throw ValidationError("ext4 needs root (loop devices, mounts)") }
        if rounds < 1 { throw ValidationError("--rounds \(rounds): want at least 1") }
        if bytes < 16 << 20 { throw ValidationError("--bytes \(bytes): want at least 16 MiB, what mkfs.ext4 needs") }
    }

    func run() async throws {
        let root = URL(fileURLWithPath: workDir).appendingPathComponent("pvd-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/raw", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }

        // makeFilesystem and the bare tool take turns, so a neighbour's burst hits both alike.
        let loops = LinuxLoopDevices(), tools = SystemFilesystemTools()
        var viaPVD: [Double] = [], byHand: [Double] = []
        for round in 0..<rounds {
            for throughPVD in [true, false] {
                let image = "\(root)/raw/\(round)-\(throughPVD).img"
                try RawFloor.sh("/usr/bin/truncate", ["-s", String(bytes), image])
                let device = try loops.attach(image: image, readOnly: false, autoclear: false)
                defer { try? loops.detach(device) }
                if throughPVD {
                    viaPVD.append(try await Measure.seconds { try await tools.makeFilesystem(type: "ext4", device: device.path, options: []) }.1)
                } else {
                    byHand.append(try await Measure.seconds { try RawFloor.sh("/sbin/mkfs.ext4", ["-q", device.path]) }.1)
                }
            }
        }

        // The driver, start to mounted and back.
        // Its per-volume info lines would drown the table.
        var logger = Logger(label: "pvd.bench")
        logger.logLevel = .warning
        let driver = LoopDriver(root: root, loopDevices: loops, mounter: LibMountMounter(), probe: BlkidProbe(), tools: tools, logger: logger)
        var provisions: [Double] = [], deletes: [Double] = []
        for i in 0..<rounds {
            let name = "pvc-bench-\(i)"
            provisions.append(try await Measure.seconds { _ = try await driver.provision(ProvisionRequest(name: name, capacityBytes: bytes)) }.1)
            deletes.append(try await Measure.seconds { try await driver.delete(name: name, parameters: [:]) }.1)
        }
        let leftovers = Leftovers.find(root: root)

        let result: [String: Any] = [
            "benchmark": "ext4", "rounds": rounds, "size_bytes": bytes,
            "make_filesystem_seconds": viaPVD, "mkfs_by_hand_seconds": byHand,
            "make_filesystem_median_seconds": Measure.median(viaPVD), "mkfs_by_hand_median_seconds": Measure.median(byHand),
            "provision_seconds": provisions, "delete_seconds": deletes,
            "provision_median_seconds": Measure.median(provisions), "delete_median_seconds": Measure.median(deletes),
            "leftovers": leftovers,
        ]
        print("""
            pvd-bench ext4  rounds=\(rounds) size=\(bytes) bytes, sparse loop images
            what                                   median
            makeFilesystem (pvd)                   \(ms(Measure.median(viaPVD)))
            mkfs.ext4 -q by hand                   \(ms(Measure.median(byHand)))
            loop driver provision (to mounted)     \(ms(Measure.median(provisions)))
            loop driver delete                     \(ms(Measure.median(deletes)))
            left behind: \(leftovers.isEmpty ? "nothing" : leftovers.joined(separator: ", "))
            """)
        let path = json ?? "bench-results/ext4.json"
        try ResultFile.write(result, to: path)
        print("wrote \(path)")
        if !leftovers.isEmpty { throw ExitCode(1) }
    }

    private func ms(_ v: Double) -> String { String(format: "%10.2f ms", v * 1000) }
}
