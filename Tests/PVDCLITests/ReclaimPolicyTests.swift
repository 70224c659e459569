import Foundation
import PVDDrivers
import Testing

/// The three reclaim policies through the real binary, on real directories: Retain keeps the
/// data (see ProvisioningTests), Delete removes it, Recycle empties the volume and offers it
/// again; a failed delete or recycle leaves the volume Failed until a later run succeeds.
struct ReclaimPolicyTests {
    func volume(_ pvd: PVDProcess) throws -> [String: Any] { try #require(try pvd.items("pv").first) }

    /// The names in a directory, sorted.
    static func contents(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    /// A file, a hidden file, a nested directory, and symlinks to a file and a directory outside
    /// the volume, whose targets must survive any scrub.
    static func fill(_ dir: String, outside: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: outside + "/dir", withIntermediateDirectories: true)
        try Data("outside".utf8).write(to: URL(fileURLWithPath: outside + "/keep"))
        try Data("outside".utf8).write(to: URL(fileURLWithPath: outside + "/dir/keep"))
        try Data("a".utf8).write(to: URL(fileURLWithPath: dir + "/file"))
        try Data("b".utf8).write(to: URL(fileURLWithPath: dir + "/.hidden"))
        try fm.createDirectory(atPath: dir + "/sub/deeper", withIntermediateDirectories: true)
        try Data("c".utf8).write(to: URL(fileURLWithPath: dir + "/sub/deeper/file"))
        try fm.createSymbolicLink(atPath: dir + "/link", withDestinationPath: outside + "/keep")
        try fm.createSymbolicLink(atPath: dir + "/sub/dirlink", withDestinationPath: outside + "/dir")
    }

    static func outsideSurvived(_ outside: String) -> Bool {
        FileManager.default.fileExists(atPath: outside + "/keep") && FileManager.default.fileExists(atPath: outside + "/dir/keep")
    }

    @Test func recycleEmptiesAProvisionedVolumeAndOffersItToItsClaimAgain() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", ProvisioningTests.hostPathClass() + ProvisioningTests.claim("data"))])
        try pvd.ok(["reconcile", "--once"])
        let pv = try volume(pvd)
        let name = try #require(pv.path("metadata.name") as? String)
        let dir = try #require(pv.path("spec.hostPath.path") as? String)
        let outside = pvd.root.appendingPathComponent("outside").path
        try Self.fill(dir, outside: outside)
        // A class may not recycle (Kubernetes allows only Delete and Retain there); a volume may.
        try pvd.ok(["patch", "pv", name, "-p", #"{"spec":{"persistentVolumeReclaimPolicy":"Recycle"}}"#])
        try pvd.ok(["delete", "pvc", "data"])
        let r = try pvd.ok(["reconcile", "--once"])
        #expect(r.stdout.contains("1 recycled"), "\(r.stdout)")
        let after = try volume(pvd)
        #expect(after.path("status.phase") as? String == "Available")
        #expect(Self.contents(dir) == [], "the volume is emptied")
        #expect(Self.outsideSurvived(outside), "symlink targets outside the volume are untouched")
        let attrs = try FileManager.default.attributesOfItem(atPath: dir)
        #expect((attrs[.posixPermissions] as? Int) == 0o777, "the directory keeps its mode")
        #expect(try pvd.ok(["describe", "pv", name]).stdout.contains("VolumeRecycled"))
        // Provisioned for the claim (pre-bound), it stays reserved for a claim of that name.
        #expect(after.path("spec.claimRef.name") as? String == "data")
        #expect(after.path("spec.claimRef.uid") == nil)
        try pvd.ok(["apply", "-f", try pvd.write("again.yaml", ProvisioningTests.claim("data"))])
        let again = try pvd.ok(["reconcile", "--once"])
        #expect(!again.stdout.contains("1 provisioned"), "\(again.stdout)")
        let claim = try #require(try ProvisioningTests().claimNamed(pvd, "data"))
        #expect(claim.path("status.phase") as? String == "Bound")
        #expect(claim.path("spec.volumeName") as? String == name)
    }

    /// A static volume's directory `<base>/volumes/pv-1` in a fresh temporary `base` (outside
    /// pvd's root), filled as `fill` does, with `<base>/outside` beside it.
    static func filledStaticVolume() throws -> (base: String, path: String) {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-static-\(UUID().uuidString)").path
        let path = base + "/volumes/pv-1"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try fill(path, outside: base + "/outside")
        return (base, path)
    }

    @Test func recycleOfAStaticHostPathNeedsAnAllowedRoot() throws {
        let pvd = try PVDProcess()
        // Static volumes live outside pvd's root, which pvd never recycles into.
        let (base, path) = try Self.filledStaticVolume()
        defer { pvd.cleanup(); try? FileManager.default.removeItem(atPath: base) }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", ProtectionTests.staticVolume("pv-1", path: path, reclaim: "Recycle")
            + ProvisioningTests.claim("data", cls: ""))])
        try pvd.ok(["reconcile", "--once"])
        try pvd.ok(["delete", "pvc", "data"])

        // No allowed root holds it: Failed, with the reason, and the data stays.
        try pvd.ok(["reconcile", "--once"])
        var pv = try volume(pvd)
        #expect(pv.path("status.phase") as? String == "Failed")
        let message = pv.path("status.message") as? String ?? ""
        #expect(message.hasPrefix("Recycle failed: ") && message.contains("outside the allowed roots"), "\(message)")
        #expect(Self.contents(path).contains("file"))
        let described = try pvd.ok(["describe", "pv", "pv-1"]).stdout
        #expect(described.contains("VolumeFailedRecycle"), "\(described)")

        // With its directory allowed, the next run recycles it: empty, Available, free for any claim.
        let env = ["PVD_ALLOWED_ROOTS": base + "/volumes"]
        let r = try pvd.run(["reconcile", "--once"], env: env)
        #expect(r.status == 0 && r.stdout.contains("1 recycled"), "\(r.stdout) \(r.stderr)")
        pv = try volume(pvd)
        #expect(pv.path("status.phase") as? String == "Available")
        #expect(pv.path("status.message") == nil)
        #expect(pv.path("spec.claimRef") == nil)
        #expect(Self.contents(path) == [])
        #expect(Self.outsideSurvived(base + "/outside"))
        try pvd.ok(["apply", "-f", try pvd.write("other.yaml", ProvisioningTests.claim("other", cls: ""))])
        try pvd.ok(["reconcile", "--once"])
        #expect(try ProvisioningTests().claimNamed(pvd, "other")?.path("spec.volumeName") as? String == "pv-1")
    }

    /// Applies `manifest` (holding the one volume) with a claim "data" that binds it, deletes
    /// the claim, reconciles with `env`, and returns the message of the volume, which must be Failed.
    func failedRecycle(_ pvd: PVDProcess, _ manifest: String, env: [String: String]) throws -> String {
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", manifest + ProvisioningTests.claim("data", cls: ""))])
        #expect(try pvd.run(["reconcile", "--once"], env: env).status == 0)
        try pvd.ok(["delete", "pvc", "data"])
        #expect(try pvd.run(["reconcile", "--once"], env: env).status == 0)
        let pv = try volume(pvd)
        #expect(pv.path("status.phase") as? String == "Failed")
        return pv.path("status.message") as? String ?? ""
    }

    @Test func staticRecycleWithoutNodeAffinityWaitsWhileOtherNodesShareTheStore() throws {
        let pvd = try PVDProcess()
        let (base, path) = try Self.filledStaticVolume()
        defer { pvd.cleanup(); try? FileManager.default.removeItem(atPath: base) }
        let env = ["PVD_ALLOWED_ROOTS": base + "/volumes", "PVD_NODE": "n1"]
        let other = "apiVersion: v1\nkind: Node\nmetadata: {name: n2, labels: {kubernetes.io/hostname: n2}}\n---\n"
        // The path names a directory on n1 and on n2: neither scrubs it, the volume asks for affinity.
        let message = try failedRecycle(pvd, other + ProtectionTests.staticVolume("pv-1", path: path, reclaim: "Recycle"), env: env)
        #expect(message.contains("\(path) may be on any of the nodes n1, n2") && message.contains("nodeAffinity"), "\(message)")
        #expect(Self.contents(path).contains("file"))

        // Pinned to n1, n1 recycles it.
        let affinity = #"{"spec":{"nodeAffinity":{"required":{"nodeSelectorTerms":[{"matchExpressions":"#
            + #"[{"key":"kubernetes.io/hostname","operator":"In","values":["n1"]}]}]}}}}"#
        try pvd.ok(["patch", "pv", "pv-1", "-p", affinity])
        let r = try pvd.run(["reconcile", "--once"], env: env)
        #expect(r.status == 0 && r.stdout.contains("1 recycled"), "\(r.stdout) \(r.stderr)")
        #expect(Self.contents(path) == [])
        #expect(Self.outsideSurvived(base + "/outside"))
    }

    @Test func recycleNeverEmptiesAClassBasePath() throws {
        let pvd = try PVDProcess()
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-static-\(UUID().uuidString)").path
        defer { pvd.cleanup(); try? FileManager.default.removeItem(atPath: base) }
        let classBase = base + "/volumes/fast"
        try FileManager.default.createDirectory(atPath: classBase + "/precious", withIntermediateDirectories: true)
        let env = ["PVD_ALLOWED_ROOTS": base]
        let message = try failedRecycle(pvd, ProvisioningTests.hostPathClass("fast", parameters: "{basePath: \(classBase)}")
            + ProtectionTests.staticVolume("pv-1", path: base + "/volumes", reclaim: "Recycle"), env: env)
        #expect(message.contains("basePath \(classBase)"), "\(message)")
        #expect(Self.contents(classBase) == ["precious"])
    }

    @Test func recycleNeverEmptiesPVDsOwnRoot() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let path = pvd.root.appendingPathComponent("hostpath").path
        try FileManager.default.createDirectory(atPath: path + "/precious", withIntermediateDirectories: true)
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", ProtectionTests.staticVolume("pv-1", path: path, reclaim: "Recycle")
            + ProvisioningTests.claim("data", cls: ""))])
        try pvd.ok(["reconcile", "--once"])
        try pvd.ok(["delete", "pvc", "data"])
        try pvd.run(["reconcile", "--once"], env: ["PVD_ALLOWED_ROOTS": pvd.root.path])
        let pv = try volume(pvd)
        #expect(pv.path("status.phase") as? String == "Failed")
        #expect((pv.path("status.message") as? String ?? "").contains("pvd's root"))
        #expect(Self.contents(path) == ["precious"])
    }
}

/// Failures with a real cause: a tmpfs the test mounts inside the volume, which pvd must not
/// cross. The volume goes Failed with the reason, and recovers once the mount is gone.
@Suite(.enabled(if: geteuid() == 0, "needs root: mounts a tmpfs inside the volume"))
struct ReclaimFailureTests {
    static func run(_ path: String, _ args: [String]) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }

    @Test(arguments: ["Delete", "Recycle"])
    func mountInsideTheVolumeFailsItUntilUnmounted(_ policy: String) throws {
        let pvd = try PVDProcess()
        var mounted: String?
        defer {
            if let mounted { _ = Self.run("/bin/umount", [mounted]) }
            pvd.cleanup()
        }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", ProvisioningTests.hostPathClass() + ProvisioningTests.claim("data"))])
        try pvd.ok(["reconcile", "--once"])
        let pv = try #require(try pvd.items("pv").first)
        let name = try #require(pv.path("metadata.name") as? String)
        let dir = try #require(pv.path("spec.hostPath.path") as? String)
        try pvd.ok(["patch", "pv", name, "-p", "{\"spec\":{\"persistentVolumeReclaimPolicy\":\"\(policy)\"}}"])
        try Data("a".utf8).write(to: URL(fileURLWithPath: dir + "/file"))
        let mnt = dir + "/mnt"
        try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: false)
        try #require(Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "pvd-test", mnt]) == 0, "mount tmpfs at \(mnt)")
        mounted = mnt
        try Data("on tmpfs".utf8).write(to: URL(fileURLWithPath: mnt + "/inside"))

        try pvd.ok(["delete", "pvc", "data"])
        try pvd.ok(["reconcile", "--once"])
        var now = try #require(try pvd.items("pv").first)
        #expect(now.path("status.phase") as? String == "Failed")
        let message = now.path("status.message") as? String ?? ""
        #expect(message.contains(mnt) && message.contains("mount point"), "\(message)")
        #expect(FileManager.default.fileExists(atPath: mnt + "/inside"), "pvd never crosses into the mount")
        let reason = policy == "Delete" ? "VolumeFailedDelete" : "VolumeFailedRecycle"
        #expect(try pvd.ok(["describe", "pv", name]).stdout.contains(reason))
        // Another run with the cause still there changes nothing.
        let same = try pvd.ok(["reconcile", "--once"])
        #expect(same.stdout.contains("0 writes"), "\(same.stdout)")

        #expect(Self.run("/bin/umount", [mnt]) == 0)
        mounted = nil
        let r = try pvd.ok(["reconcile", "--once"])
        if policy == "Delete" {
            #expect(r.stdout.contains("1 deleted"), "\(r.stdout)")
            #expect(try pvd.items("pv").isEmpty)
            #expect(!FileManager.default.fileExists(atPath: dir))
        } else {
            #expect(r.stdout.contains("1 recycled"), "\(r.stdout)")
            now = try #require(try pvd.items("pv").first)
            #expect(now.path("status.phase") as? String == "Available")
            #expect(now.path("status.message") == nil)
            #expect(ReclaimPolicyTests.contents(dir) == [])
        }
    }
}

/// Recycling a loop volume: its filesystem is emptied through its mount, and stays mounted.
@Suite(.enabled(if: geteuid() == 0, "needs root: attaches loop devices and mounts filesystems"))
struct LoopRecycleTests {
    @Test func recycleEmptiesTheFilesystemAndKeepsItMounted() throws {
        let pvd = try PVDProcess()
        defer { OwnDevices.release(under: pvd.root.path); pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", LoopProvisioningTests.loopClass("ext4") + LoopProvisioningTests.claim("data"))])
        try pvd.ok(["reconcile", "--once"])
        let pv = try #require(try pvd.items("pv").first)
        let name = try #require(pv.path("metadata.name") as? String)
        let path = try #require(pv.path("spec.local.path") as? String)
        let outside = pvd.root.appendingPathComponent("outside").path
        try ReclaimPolicyTests.fill(path, outside: outside)
        try FileManager.default.createDirectory(atPath: path + "/lost+found/x", withIntermediateDirectories: true)
        try pvd.ok(["patch", "pv", name, "-p", #"{"spec":{"persistentVolumeReclaimPolicy":"Recycle"}}"#])
        try pvd.ok(["delete", "pvc", "data"])
        let r = try pvd.ok(["reconcile", "--once"])
        #expect(r.stdout.contains("1 recycled"), "\(r.stdout) \(r.stderr)")
        #expect(try pvd.items("pv").first?.path("status.phase") as? String == "Available")
        #expect(ReclaimPolicyTests.contents(path) == ["lost+found"], "emptied as mkfs left it")
        #expect(ReclaimPolicyTests.contents(path + "/lost+found") == [])
        #expect(ReclaimPolicyTests.outsideSurvived(outside))
        #expect(OwnDevices.mounts(under: pvd.root.path).contains { $0.mountPoint == path }, "still mounted")

        // Bound again to its claim, then deleted: nothing of it is left.
        try pvd.ok(["apply", "-f", try pvd.write("again.yaml", LoopProvisioningTests.claim("data"))])
        try pvd.ok(["reconcile", "--once"])
        #expect(try ProvisioningTests().claimNamed(pvd, "data")?.path("spec.volumeName") as? String == name)
        try pvd.ok(["patch", "pv", name, "-p", #"{"spec":{"persistentVolumeReclaimPolicy":"Delete"}}"#])
        try pvd.ok(["delete", "pvc", "data"])
        let d = try pvd.ok(["reconcile", "--once"])
        #expect(d.stdout.contains("1 deleted"), "\(d.stdout)")
        #expect(OwnDevices.mounts(under: pvd.root.path).isEmpty)
        #expect(OwnDevices.loops(under: pvd.root.path).isEmpty)
    }
}
