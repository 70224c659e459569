import ArgumentParser
import Foundation
import Logging
import PVDControllers
import PVDDrivers
import PVDModel
import PVDStore

/// `pvd-bench provision`: N claims provisioned by one `reconcile --once`, against the raw floor
/// of doing the same work by hand for each volume (mkdir; or truncate + mkfs + losetup + mount),
/// measured in the same run. Cleans up and checks that nothing is left behind.
struct ProvisionBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provision", abstract: "Time provisioning N volumes against the raw floor of the same work.")

    @Option(help: "hostpath or loop.")
    var driver: String = "hostpath"

    @Option(help: "How many claims.")
    var count = 100

    @Option(help: "The size of each claim (loop images are this big).")
    var size = "1Gi"

    @Option(help: "Filesystem for loop volumes.")
    var fs = "ext4"

    @Option(help: "Directory under which the benchmark makes its root (default /var/tmp).")
    var workDir = "/var/tmp"

    @Option(help: "Where to write the JSON results (default bench-results/provision-DRIVER-N.json).")
    var json: String?

    func validate() throws {
        guard ["hostpath", "loop"].contains(driver) else { throw ValidationError("--driver hostpath|loop") }
        guard (try? Quantity(parsing: size)) != nil else { throw ValidationError("--size \(size): not a quantity") }
        if driver == "loop" && geteuid() != 0 { throw ValidationError("--driver loop needs root (loop devices, mounts)") }
    }

    func run() async throws {
        let bytes = try Quantity(parsing: size).value
        let root = URL(fileURLWithPath: workDir).appendingPathComponent("pvd-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }

        // The floor, volume by volume.
        let floor = try RawFloor(root: root + "/floor", driver: driver, fs: fs, bytes: bytes)
        var floorTimes: [Double] = []
        for i in 0..<count { floorTimes.append(try floor.make(i)) }
        try floor.cleanUp(count)

        // pvd: a class, N claims, one reconcile --once.
        let store = try SQLiteStore(path: root + "/state.db")
        var sc = StorageClass(name: "bench", provisioner: driver == "loop" ? "pvd.io/loop" : "pvd.io/hostpath")
        sc.reclaimPolicy = .delete
        sc.volumeBindingMode = .immediate
        if driver == "loop" { sc.parameters = ["fsType": fs] }
        var writes: [StoreWrite] = [.create(.storageClass(sc))]
        for i in 0..<count {
            let c = PersistentVolumeClaim(name: "claim-\(i)", spec: PersistentVolumeClaimSpec(
                accessModes: [.readWriteOnce], request: Quantity(bytes), storageClassName: "bench"))
            writes.append(.create(Defaulting.forCreate(.persistentVolumeClaim(c))))
        }
        _ = try await store.commit(writes)
        var logger = Logger(label: "pvd.bench")
        logger.logLevel = .warning
        let agent = NodeAgent(nodeName: "bench", drivers: try StandardDrivers.make(root: root, logger: logger))
        let reconciler = Reconciler(store: store, agent: agent, logger: logger)
        let (summary, total) = try await Measure.seconds { try await reconciler.runOnce() }
        let bound = try await store.list(PersistentVolumeClaim.self, namespace: nil, selector: nil).items.filter { $0.phase == .bound }.count

        // Clean up through pvd itself (Delete policy), then look for anything left.
        for i in 0..<count { _ = try await store.delete(PersistentVolumeClaim.self, namespace: "default", name: "claim-\(i)", uid: nil) }
        let (cleanup, cleanupSeconds) = try await Measure.seconds { try await reconciler.runOnce() }
        let leftovers = Leftovers.find(root: root)

        let pvdMedian = Measure.median(summary.provisionSeconds)
        let floorMedian = Measure.median(floorTimes)
        let result: [String: Any] = [
            "benchmark": "provision", "driver": driver, "count": count, "size_bytes": bytes, "fs": driver == "loop" ? fs : "",
            "floor_median_seconds": floorMedian, "floor_total_seconds": floorTimes.reduce(0, +),
            "pvd_median_seconds": pvdMedian, "pvd_reconcile_seconds": total, "pvd_bound": bound,
            "median_ratio": pvdMedian / max(floorMedian, 1e-9), "deleted": cleanup.deleted, "cleanup_seconds": cleanupSeconds,
            "leftovers": leftovers,
        ]
        print("""
            pvd-bench provision  driver=\(driver) N=\(count) size=\(size)\(driver == "loop" ? " fs=\(fs)" : "")
            what                              median/volume     total
            raw floor (\(driver == "loop" ? "truncate+mkfs+losetup+mount" : "mkdir+chmod"))   \(ms(floorMedian))   \(s(floorTimes.reduce(0, +)))
            pvd reconcile --once              \(ms(pvdMedian))   \(s(total))   (\(summary.provisioned) provisioned, \(bound) bound)
            ratio (median)                    \(String(format: "%.2fx", pvdMedian / max(floorMedian, 1e-9)))
            cleanup (Delete policy)           \(cleanup.deleted) deleted in \(s(cleanupSeconds)); left behind: \(leftovers.isEmpty ? "nothing" : leftovers.joined(separator: ", "))
            """)
        let path = json ?? "bench-results/provision-\(driver)-\(count).json"
        try ResultFile.write(result, to: path)
        print("wrote \(path)")
        if !leftovers.isEmpty || bound != count { throw ExitCode(1) }
    }

    private func ms(_ v: Double) -> String { String(format: "%10.2f ms", v * 1000) }
    private func s(_ v: Double) -> String { String(format: "%8.3f s", v) }
}

/// The same work done by hand, one volume at a time.
struct RawFloor {
    let root: String
    let driver: String
    let fs: String
    let bytes: Int64

    init(root: String, driver: String, fs: String, bytes: Int64) throws {
        self.root = root
        self.driver = driver
        self.fs = fs
        self.bytes = bytes
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    /// Makes volume `i` and returns the seconds it took.
    func make(_ i: Int) throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        if driver == "hostpath" {
            let dir = "\(root)/v-\(i)"
            guard mkdir(dir, 0o777) == 0, chmod(dir, 0o777) == 0 else { throw ValidationError("mkdir \(dir): errno \(errno)") }
        } else {
            let image = "\(root)/v-\(i).img", mnt = "\(root)/m-\(i)"
            try Self.sh("/usr/bin/truncate", ["-s", String(bytes), image])
            try Self.sh("/sbin/mkfs.\(fs)", ["-q", image])
            let dev = try Self.sh("/sbin/losetup", ["--find", "--show", image]).trimmingCharacters(in: .whitespacesAndNewlines)
            try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: true)
            try Self.sh("/bin/mount", [dev, mnt])
        }
        return Measure.seconds(clock.now - start)
    }

    /// Undoes what `make` did (not timed): unmount, detach exactly the device backing each image, remove.
    func cleanUp(_ count: Int) throws {
        guard driver == "loop" else { return }
        for i in 0..<count {
            let image = "\(root)/v-\(i).img", mnt = "\(root)/m-\(i)"
            _ = try? Self.sh("/bin/umount", [mnt])
            if let devs = try? Self.sh("/sbin/losetup", ["-j", image]) {
                for line in devs.split(separator: "\n") {
                    if let dev = line.split(separator: ":").first { _ = try? Self.sh("/sbin/losetup", ["-d", String(dev)]) }
                }
            }
        }
    }

    /// Runs a tool, returning its standard output; fails on a non-zero exit.
    @discardableResult
    static func sh(_ path: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw ValidationError("\(path) \(args.joined(separator: " ")) failed (\(p.terminationStatus))") }
        return String(decoding: data, as: UTF8.self)
    }
}

/// What a benchmark root still holds after cleanup: volume directories, images, mounts, loop devices.
enum Leftovers {
    static func find(root: String) -> [String] {
        var found: [String] = []
        let fm = FileManager.default
        for sub in ["hostpath", "images", "mounts", "devices"] {
            let dir = "\(root)/\(sub)"
            if let names = try? fm.contentsOfDirectory(atPath: dir), !names.isEmpty { found.append("\(names.count) in \(sub)/") }
        }
        if let mounts = try? MountTable.entries() {
            let n = mounts.filter { $0.mountPoint.hasPrefix(root) }.count
            if n > 0 { found.append("\(n) mounts") }
        }
        if let blocks = try? fm.contentsOfDirectory(atPath: "/sys/block") {
            let n = blocks.filter { $0.hasPrefix("loop") }.filter {
                ((try? String(contentsOfFile: "/sys/block/\($0)/loop/backing_file", encoding: .utf8)) ?? "").contains(root)
            }.count
            if n > 0 { found.append("\(n) loop devices") }
        }
        return found
    }
}
