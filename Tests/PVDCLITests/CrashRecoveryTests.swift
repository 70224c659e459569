import Foundation
import PVDDrivers
import Testing

/// kill -9 of pvd at random moments (seeded; the seed is printed, `PVD_CRASH_SEED` replays it)
/// while it provisions 100 claims of hostPath and loop classes (loop ones, Filesystem and
/// Block, only as root), several times, then one clean run: the end state must equal that of a
/// run without crashes, nothing orphaned, nothing doubled.
///
/// Each killed pvd runs in a process group of its own and the whole group is killed, as systemd
/// kills a service's control group: the mkfs a killed pvd started dies with it.
///
/// The interrupted command is `killedCommand`. To crash a running daemon instead, set it to
/// `["serve", …]`: `killedRun` kills it at the drawn moment whether or not it has finished,
/// which is the only way a daemon ends here; the final clean run stays `reconcile --once`.
struct CrashRecoveryTests {
    static let claims = 100
    static let kills = 6
    /// The command each kill interrupts (global options are added by `killedRun`).
    static let killedCommand = ["reconcile", "--once", "--orphan-grace", "0s"]

    /// Claim `i`'s class and mode: even ones hostPath; as root, odd ones loop, every fifth of
    /// those a Block volume.
    static func kind(of i: Int, root: Bool) -> (sc: String, block: Bool) {
        guard root, i % 2 == 1 else { return ("hp", false) }
        return ("loop", i % 10 == 9)
    }

    static func manifests(root: Bool) -> String {
        var text = """
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata: {name: hp}
            provisioner: pvd.io/hostpath
            ---
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata: {name: loop}
            provisioner: pvd.io/loop
            parameters: {fsType: ext4}
            ---

            """
        for i in 0..<claims {
            let (sc, block) = kind(of: i, root: root)
            text += """
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: c\(i)}
                spec:
                  storageClassName: \(sc)
                  accessModes: [ReadWriteOnce]
                  volumeMode: \(block ? "Block" : "Filesystem")
                  resources: {requests: {storage: 16Mi}}
                ---

                """
        }
        return text
    }

    /// Starts `killedCommand` in a process group of its own, kills the whole group with SIGKILL
    /// after `delay` (if it is still running), and reaps it.
    static func killedRun(_ pvd: PVDProcess, after delay: Duration) async throws {
        let args = [killedCommand[0], "--root", pvd.root.path] + killedCommand.dropFirst()
        let pid = try GroupProcess.spawn(PVDProcess.binary, args)
        try await Task.sleep(for: delay)
        kill(-pid, SIGKILL)
        GroupProcess.reap(pid)
    }

    /// Everything a run leaves on the store and the node, with each claim's uid replaced by the
    /// claim's name and the root by `<root>`, so that two roots' states can be compared.
    static func state(_ pvd: PVDProcess) throws -> [String] {
        let root = pvd.root.path
        var out: [String] = []
        let claims = try pvd.items("pvc")
        var names: [String: String] = [:]  // "pvc-<uid>" -> claim name
        for c in claims {
            if let uid = c.path("metadata.uid") as? String, let name = c.path("metadata.name") as? String { names["pvc-\(uid)"] = name }
        }
        func normal(_ s: String) -> String {
            var s = s.replacingOccurrences(of: root, with: "<root>")
            for (volume, claim) in names { s = s.replacingOccurrences(of: volume, with: "vol(\(claim))") }
            return s
        }
        for c in claims {
            let volume = c.path("spec.volumeName") as? String ?? "-"
            out.append(normal("pvc \(c.path("metadata.name") ?? "?") \(c.path("status.phase") ?? "?") volume=\(volume)"))
        }
        for pv in try pvd.items("pv") {
            let path = pv.path("spec.local.path") ?? pv.path("spec.hostPath.path") ?? "?"
            out.append(normal(
                "pv \(pv.path("metadata.name") ?? "?") \(pv.path("status.phase") ?? "?") claim=\(pv.path("spec.claimRef.name") ?? "-") "
                    + "class=\(pv.path("spec.storageClassName") ?? "-") size=\(pv.path("spec.capacity.storage") ?? "-") "
                    + "mode=\(pv.path("spec.volumeMode") ?? "-") path=\(path)"))
        }
        let fm = FileManager.default
        for dir in ["hostpath", "images", "mounts", "devices"] {
            for entry in (try? fm.contentsOfDirectory(atPath: "\(root)/\(dir)")) ?? [] {
                var line = "\(dir)/\(entry)"
                if dir == "devices", let target = try? fm.destinationOfSymbolicLink(atPath: "\(root)/\(dir)/\(entry)") {
                    // The link must name the device that backs the volume's image now.
                    let backing = (try? String(contentsOfFile: "/sys/block/\((target as NSString).lastPathComponent)/loop/backing_file", encoding: .utf8)) ?? ""
                    line += " -> device backing \(backing.trimmingCharacters(in: .whitespacesAndNewlines))"
                }
                out.append(normal(line))
            }
        }
        for m in OwnDevices.mounts(under: root) { out.append(normal("mount \(m.mountPoint) \(m.fsType)")) }
        for l in OwnDevices.loops(under: root) {
            let backing = (try? String(contentsOfFile: "/sys/block/\(l)/loop/backing_file", encoding: .utf8)) ?? ""
            out.append(normal("loop backing \(backing.trimmingCharacters(in: .whitespacesAndNewlines))"))
        }
        return out.sorted()
    }

    @Test func provisioningSurvivesKills() async throws {
        let isRoot = geteuid() == 0
        let seed = ProcessInfo.processInfo.environment["PVD_CRASH_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64(UInt32.max))
        print("CrashRecoveryTests: seed \(seed) (PVD_CRASH_SEED=\(seed) replays these kill moments)")
        var random = SplitMix64(seed: seed)
        let manifest = Self.manifests(root: isRoot)

        // The run without crashes, timed only to spread the kills over as long as a run takes.
        let clean = try PVDProcess()
        defer { OwnDevices.release(under: clean.root.path); clean.cleanup() }
        try clean.ok(["apply", "-f", try clean.write("m.yaml", manifest)])
        let clock = ContinuousClock()
        let started = clock.now
        try clean.ok(["reconcile", "--once"])
        let runTime = clock.now - started
        let expected = try Self.state(clean)

        let crashed = try PVDProcess()
        defer { OwnDevices.release(under: crashed.root.path); crashed.cleanup() }
        try crashed.ok(["apply", "-f", try crashed.write("m.yaml", manifest)])
        let spread = max(Int(runTime / .milliseconds(1)), 50)
        var moments: [Int] = []
        for _ in 0..<Self.kills {
            let ms = Int(random.next() % UInt64(spread))
            moments.append(ms)
            try await Self.killedRun(crashed, after: .milliseconds(ms))
        }
        print("CrashRecoveryTests: killed after \(moments) ms (a clean run took \(spread) ms)")
        try crashed.ok(["reconcile", "--once", "--orphan-grace", "0s"])
        let after = try Self.state(crashed)

        #expect(expected.count > Self.claims * 2, "the clean run made too little: \(expected.count) lines")
        #expect(after == expected, """
            state after kills differs from a run without them (seed \(seed))
            only after kills: \(Set(after).subtracting(expected).sorted())
            only without: \(Set(expected).subtracting(after).sorted())
            """)
        let bound = try crashed.items("pvc").filter { $0.path("status.phase") as? String == "Bound" }.count
        #expect(bound == Self.claims)
        if isRoot {
            let loopClaims = (0..<Self.claims).filter { Self.kind(of: $0, root: true).sc == "loop" }.count
            #expect(OwnDevices.loops(under: crashed.root.path).count == loopClaims, "one loop device per loop volume")
        }

        // And everything goes away again under Delete.
        try crashed.ok(["delete", "pvc"] + (0..<Self.claims).map { "c\($0)" })
        try crashed.ok(["reconcile", "--once"])
        #expect(try crashed.items("pv").isEmpty)
        for dir in ["hostpath", "images", "mounts", "devices"] {
            let left = (try? FileManager.default.contentsOfDirectory(atPath: crashed.root.appendingPathComponent(dir).path)) ?? []
            #expect(left.isEmpty, "\(dir): \(left)")
        }
        #expect(OwnDevices.mounts(under: crashed.root.path).isEmpty)
        #expect(OwnDevices.loops(under: crashed.root.path).isEmpty)
    }
}

/// A child process in a process group of its own (posix_spawn with POSIX_SPAWN_SETPGROUP), so
/// that a test can kill it and every process it started at once, by its pid.
enum GroupProcess {
    static func spawn(_ path: String, _ args: [String]) throws -> pid_t {
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attr, 0)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "PVD_STORE")
        environment.removeValue(forKey: "PVD_ROOT")
        let argv = ([path] + args).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attr, argv, envp)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
        return pid
    }

    /// Waits for the child to end.
    static func reap(_ pid: pid_t) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }
}

/// A small seeded generator (SplitMix64), so a failing run's kill moments can be replayed.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
