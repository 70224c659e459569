import ArgumentParser
import Foundation
import Logging
import PVDControllers
import PVDDrivers
import PVDModel
import PVDStore

/// `pvd-bench recover`: N loop volumes provisioned, then a simulated reboot (exactly pvd's
/// mounts unmounted and its loop devices detached, by name) before each of three rounds, timed:
/// the raw floor (`losetup --find --show` + `mount`, the tools, one pair per volume), pvd's
/// recovery step (`Reconciler.recover`), and a whole `reconcile --once` run (in this process:
/// registration, recovery, then passes until nothing is left). Deletes everything through pvd
/// at the end and fails if anything is left behind.
struct RecoverBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover", abstract: "Time recovery of N loop volumes after a simulated reboot against losetup + mount.")

    @Option(help: "How many loop volumes.")
    var count = 200

    @Option(help: "The size of each volume.")
    var size = "64Mi"

    @Option(help: "Filesystem of the volumes.")
    var fs = "ext4"

    @Option(help: "Directory under which the benchmark makes its root (default /var/tmp).")
    var workDir = "/var/tmp"

    @Option(help: "Where to write the JSON results (default bench-results/recover-N.json).")
    var json: String?

    func validate() throws {
        guard (try? Quantity(parsing: size)) != nil else { throw ValidationError("--size \(size): not a quantity") }
        guard count > 0 else { throw ValidationError("--count must be positive") }
        if geteuid() != 0 { throw ValidationError("recover needs root (loop devices, mounts)") }
    }

    func run() async throws {
        let bytes = try Quantity(parsing: size).value
        let root = URL(fileURLWithPath: workDir).appendingPathComponent("pvd-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var logger = Logger(label: "pvd.bench")
        logger.logLevel = .warning
        let store = try SQLiteStore(path: root + "/state.db")
        let agent = NodeAgent(nodeName: "bench", drivers: try StandardDrivers.make(root: root, logger: logger))
        let reconciler = Reconciler(store: store, agent: agent, logger: logger)
        let host = RebootSimulator(root: root)
        defer {
            // Whatever failed: nothing of ours stays mounted or attached, and the root goes.
            host.releaseEverything()
            try? FileManager.default.removeItem(atPath: root)
        }

        var sc = StorageClass(name: "bench", provisioner: "pvd.io/loop")
        sc.reclaimPolicy = .delete
        sc.volumeBindingMode = .immediate
        sc.parameters = ["fsType": fs]
        var writes: [StoreWrite] = [.create(.storageClass(sc))]
        for i in 0..<count {
            let c = PersistentVolumeClaim(name: "claim-\(i)", spec: PersistentVolumeClaimSpec(
                accessModes: [.readWriteOnce], request: Quantity(bytes), storageClassName: "bench"))
            writes.append(.create(Defaulting.forCreate(.persistentVolumeClaim(c))))
        }
        _ = try await store.commit(writes)
        let (made, provisionSeconds) = try await Measure.seconds { try await reconciler.runOnce() }
        guard made.provisioned == count else { throw ValidationError("provisioned \(made.provisioned) of \(count) volumes") }
        let volumes = try await store.list(PersistentVolume.self, namespace: nil, selector: nil).items.compactMap { pv in
            pv.spec.local.map { RebootSimulator.Volume(image: "\(root)/images/\(pv.metadata.name).img", mountPoint: $0.path) }
        }

        // Round 1: the floor, with the tools.
        try host.reboot(volumes)
        var floorTimes: [Double] = []
        for v in volumes { floorTimes.append(try host.floorMount(v, fs: fs)) }
        try host.reboot(volumes)

        // Round 2: pvd's recovery step.
        let (recovery, recoverySeconds) = try await Measure.seconds { try await reconciler.recover() }
        let mountedAfterRecovery = host.mountCount()
        try host.reboot(volumes)

        // Round 3: a whole reconcile --once run.
        let (full, fullSeconds) = try await Measure.seconds { try await reconciler.runOnce() }
        let mountedAfterRun = host.mountCount()

        // Clean up through pvd itself (Delete policy), then look for anything left.
        for i in 0..<count { _ = try await store.delete(PersistentVolumeClaim.self, namespace: "default", name: "claim-\(i)", uid: nil) }
        let cleanup = try await reconciler.runOnce()
        let leftovers = Leftovers.find(root: root)

        let floorTotal = floorTimes.reduce(0, +)
        let floorMedian = Measure.median(floorTimes)
        let recoveryMedian = Measure.median(recovery.volumeSeconds)
        let ok = recovery.recovered == count && full.recovery.recovered == count && mountedAfterRecovery == count
            && mountedAfterRun == count && leftovers.isEmpty
        let result: [String: Any] = [
            "benchmark": "recover", "count": count, "size_bytes": bytes, "fs": fs,
            "floor": "losetup --find --show + mount (tools, one process each per volume)",
            "floor_median_seconds": floorMedian, "floor_total_seconds": floorTotal,
            "recovery_median_seconds": recoveryMedian, "recovery_total_seconds": recoverySeconds,
            "recovery_ratio_total": recoverySeconds / max(floorTotal, 1e-9),
            "recovery_ratio_median": recoveryMedian / max(floorMedian, 1e-9),
            "reconcile_total_seconds": fullSeconds, "reconcile_ratio_total": fullSeconds / max(floorTotal, 1e-9),
            "recovered": recovery.recovered, "recovered_by_reconcile": full.recovery.recovered,
            "mounted_after_recovery": mountedAfterRecovery, "mounted_after_reconcile": mountedAfterRun,
            "provision_seconds": provisionSeconds, "deleted": cleanup.deleted, "leftovers": leftovers,
            "loadavg": Self.loadAverage(),
        ]
        print("""
            pvd-bench recover  N=\(count) size=\(size) fs=\(fs)   load average \(Self.loadAverage())
            floor: losetup --find --show + mount, the tools (a process each per volume)
            what                                   median/volume      total    ratio (total)
            raw floor (losetup + mount)            \(ms(floorMedian))   \(s(floorTotal))    1.00x
            pvd recovery step (recover)            \(ms(recoveryMedian))   \(s(recoverySeconds))   \(ratio(recoverySeconds, floorTotal))
            pvd reconcile --once (whole run)       \(ms(fullSeconds / Double(count))) avg   \(s(fullSeconds))   \(ratio(fullSeconds, floorTotal))
            recovered \(recovery.recovered)/\(count) (step), \(full.recovery.recovered)/\(count) (run); mounted after each: \(mountedAfterRecovery), \(mountedAfterRun)
            cleanup (Delete policy): \(cleanup.deleted) deleted; left behind: \(leftovers.isEmpty ? "nothing" : leftovers.joined(separator: ", "))
            """)
        let path = json ?? "bench-results/recover-\(count).json"
        try ResultFile.write(result, to: path)
        print("wrote \(path)")
        if !ok { throw ExitCode(1) }
    }

    static func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").prefix(3).joined(separator: " ")
    }

    private func ms(_ v: Double) -> String { String(format: "%10.2f ms", v * 1000) }
    private func s(_ v: Double) -> String { String(format: "%8.3f s", v) }
    private func ratio(_ a: Double, _ b: Double) -> String { String(format: "%5.2fx", a / max(b, 1e-9)) }
}

/// What a reboot does to pvd's volumes, done to exactly them: each volume's mount point is
/// unmounted and every loop device backing its image detached, by name; nothing else is touched.
struct RebootSimulator {
    struct Volume {
        var image: String
        var mountPoint: String
    }

    let root: String
    let loops = LinuxLoopDevices()
    let mounter = LibMountMounter()

    func reboot(_ volumes: [Volume]) throws {
        for v in volumes {
            while try mounter.mountedSource(at: v.mountPoint) != nil { try mounter.unmount(target: v.mountPoint) }
        }
        for v in volumes {
            for device in try loops.devices(backing: v.image) { _ = try loops.detach(device, ifBacking: v.image) }
        }
        // An autoclear device is let go at its last close, which may come a moment after the unmount.
        let deadline = ContinuousClock.now + .seconds(10)
        for v in volumes {
            while try !loops.devices(backing: v.image).isEmpty {
                guard ContinuousClock.now < deadline else { throw ValidationError("\(v.image) is still attached after the reboot") }
                usleep(10_000)
            }
        }
    }

    /// The floor for one volume: `losetup --find --show IMAGE` and `mount -t FS DEVICE DIR`;
    /// returns the seconds both took.
    func floorMount(_ v: Volume, fs: String) throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        let dev = try RawFloor.sh("/sbin/losetup", ["--find", "--show", v.image]).trimmingCharacters(in: .whitespacesAndNewlines)
        try RawFloor.sh("/bin/mount", ["-t", fs, dev, v.mountPoint])
        return Measure.seconds(clock.now - start)
    }

    /// How many mounts lie under the root.
    func mountCount() -> Int {
        ((try? MountTable.entries()) ?? []).filter { $0.mountPoint.hasPrefix(root + "/") }.count
    }

    /// Unmounts and detaches whatever of the root is still there (after a failure).
    func releaseEverything() {
        for m in ((try? MountTable.entries()) ?? []).filter({ $0.mountPoint.hasPrefix(root + "/") }).reversed() {
            try? mounter.unmount(target: m.mountPoint)
        }
        let images = (try? FileManager.default.contentsOfDirectory(atPath: root + "/images")) ?? []
        for name in images {
            let image = root + "/images/" + name
            for device in (try? loops.devices(backing: image)) ?? [] { _ = try? loops.detach(device, ifBacking: image) }
        }
    }
}
