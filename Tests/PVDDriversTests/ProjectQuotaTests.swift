import Foundation
import PVDDrivers
import PVDModel
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Loop-device filesystems made for the test; serialized so the tests never race each other
/// for loop devices.
@Suite(.serialized, .enabled(if: geteuid() == 0, "project quota tests mount loop filesystems as root"))
struct ProjectQuotaTests {
    @Test func preferredIDIsDeterministicAndInRange() {
        let a = ProjectQuota.preferredID(for: "pvc-0f3c")
        #expect(a == ProjectQuota.preferredID(for: "pvc-0f3c"))
        #expect(ProjectQuota.ids.contains(a))
        #expect(a != ProjectQuota.preferredID(for: "pvc-0f3d"))
    }

    /// Provisions with a 10 MiB quota on a fresh filesystem of `type`: 5 MiB fits, 20 MiB fails
    /// with EDQUOT; raising the quota lets 20 MiB in; delete frees the id.
    func enforces(type: String) async throws {
        let fs = try LoopFilesystem(type: type, options: "prjquota")
        defer { fs.tearDown() }
        let driver = try HostPathDriver(root: fs.mountPoint)
        let params = ["quota": "enforce"]
        let volume = try await driver.provision(ProvisionRequest(name: "pvc-q1", capacityBytes: 10 << 20, parameters: params))
        #expect(writeMiB(volume.path + "/small", 5) == 0)
        #expect(writeMiB(volume.path + "/big", 20) == EDQUOT)
        try? FileManager.default.removeItem(atPath: volume.path + "/big")
        // Provisioning again keeps the same project id and data.
        _ = try await driver.provision(ProvisionRequest(name: "pvc-q1", capacityBytes: 10 << 20, parameters: params))
        #expect(FileManager.default.fileExists(atPath: volume.path + "/small"))
        // Expansion raises the quota.
        #expect(try await driver.expand(name: "pvc-q1", parameters: params, volumeMode: .filesystem, newCapacityBytes: 64 << 20) == 64 << 20)
        #expect(writeMiB(volume.path + "/big", 20) == 0)
        try await driver.delete(name: "pvc-q1", parameters: params)
        #expect(!FileManager.default.fileExists(atPath: volume.path))
    }

    @Test(.enabled(if: LoopFilesystem.xfsProjectQuota, "this kernel cannot mount XFS with prjquota (CONFIG_XFS_QUOTA)"))
    func xfsProjectQuotaIsEnforced() async throws {
        try await enforces(type: "xfs")
    }

    @Test(.enabled(if: LoopFilesystem.ext4ProjectQuota, "this kernel cannot mount ext4 with project quota (CONFIG_QFMT_V2)"))
    func ext4ProjectQuotaIsEnforced() async throws {
        try await enforces(type: "ext4")
    }

    @Test func xfsWithoutPrjquotaIsUnsupportedButKeepsProjectIDs() async throws {
        let fs = try LoopFilesystem(type: "xfs", options: nil)
        defer { fs.tearDown() }
        let driver = try HostPathDriver(root: fs.mountPoint)
        do {
            _ = try await driver.provision(ProvisionRequest(name: "pvc-q2", capacityBytes: 1 << 20, parameters: ["quota": "enforce"]))
            Issue.record("quota: enforce accepted on XFS mounted without prjquota")
        } catch {
            #expect(error.code == .unsupported)
            #expect(error.message.contains("without prjquota"))
        }
        // XFS keeps project ids even without quota accounting: the FS_IOC_FSSETXATTR shim round-trips.
        let volume = try await driver.provision(ProvisionRequest(name: "pvc-q2", capacityBytes: 1 << 20))
        let tree = try SafeTree(roots: [fs.mountPoint])
        let dir = try #require(try tree.openAnchor(volume.path, create: false))
        try ProjectQuota.setProjectID(dir, id: 1_234_567)
        let read = try ProjectQuota.projectID(of: dir)
        #expect(read.id == 1_234_567)
        #expect(read.inherit)
        try Data("x".utf8).write(to: URL(fileURLWithPath: volume.path + "/child"))
        try FileManager.default.createDirectory(atPath: volume.path + "/sub", withIntermediateDirectories: false)
        let sub = try #require(try tree.openAnchor(volume.path + "/sub", create: false))
        #expect(try ProjectQuota.projectID(of: sub).id == 1_234_567)
        // quotactl on a filesystem without project quotas says so, whatever errno the kernel picks.
        let mount = try PVDDrivers.MountTable.entry(of: dir.fd, path: dir.path)
        #expect(mount.fsType == "xfs")
        #expect(mount.mountPoint == fs.mountPoint)
        do {
            try ProjectQuota.setLimit(dir, id: 1_234_567, bytes: 1 << 20, mount: mount)
            Issue.record("Q_SETQUOTA succeeded on XFS without prjquota")
        } catch {
            #expect(error.code == .unsupported)
        }
        // A class that asks for quotas can still delete a volume its filesystem never limited.
        try await driver.delete(name: "pvc-q2", parameters: ["quota": "enforce"])
        #expect(!FileManager.default.fileExists(atPath: volume.path))
    }
}
