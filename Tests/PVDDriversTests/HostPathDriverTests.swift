import Foundation
import PVDDrivers
import PVDModel
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.enabled(if: geteuid() == 0, "hostPath driver tests make directories as root"))
struct HostPathDriverTests {
    let fm = FileManager.default

    func permissions(_ path: String) throws -> Int {
        let attributes = try fm.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test func provisionThenDelete() async throws {
        let scratch = try Scratch()
        let driver = try HostPathDriver(root: scratch.path)
        let volume = try await driver.provision(ProvisionRequest(name: "pvc-1", capacityBytes: 1 << 20))
        #expect(volume.path == scratch.path + "/hostpath/pvc-1")
        #expect(volume.capacityBytes == 1 << 20)
        #expect(try permissions(volume.path) == 0o777)
        #expect(try driver.existingVolumes(parameters: [:]) == ["pvc-1"])
        try await driver.delete(name: "pvc-1", parameters: [:])
        #expect(!fm.fileExists(atPath: volume.path))
        #expect(fm.fileExists(atPath: scratch.path + "/hostpath"))
        // Already gone: success.
        try await driver.delete(name: "pvc-1", parameters: [:])
        #expect(try driver.existingVolumes(parameters: [:]).isEmpty)
    }

    @Test func expandingWithoutAQuotaOnlyChangesTheCapacity() async throws {
        let scratch = try Scratch()
        let driver = try HostPathDriver(root: scratch.path)
        let volume = try await driver.provision(ProvisionRequest(name: "pvc-e", capacityBytes: 1 << 20))
        try Data("data".utf8).write(to: URL(fileURLWithPath: volume.path + "/file"))
        #expect(try await driver.expand(name: "pvc-e", parameters: [:], volumeMode: .filesystem, newCapacityBytes: 5 << 20) == 5 << 20)
        #expect(try Data(contentsOf: URL(fileURLWithPath: volume.path + "/file")) == Data("data".utf8))
        do {
            _ = try await driver.expand(name: "pvc-gone", parameters: [:], volumeMode: .filesystem, newCapacityBytes: 5 << 20)
            Issue.record("expanded a volume that does not exist")
        } catch {
            #expect(error.code == .notFound)
        }
    }

    @Test func provisionIsIdempotentAndKeepsData() async throws {
        let scratch = try Scratch()
        let driver = try HostPathDriver(root: scratch.path)
        let params = ["mode": "0750"]
        let request = ProvisionRequest(name: "pvc-2", capacityBytes: 1 << 20, parameters: params)
        let first = try await driver.provision(request)
        try Data("data".utf8).write(to: URL(fileURLWithPath: first.path + "/file"))
        let second = try await driver.provision(request)
        #expect(second == first)
        #expect(try String(contentsOfFile: first.path + "/file", encoding: .utf8) == "data")
        #expect(try permissions(first.path) == 0o750)
    }

    @Test func deleteNeverFollowsASymlinkOutOfTheRoot() async throws {
        let scratch = try Scratch()
        let root = scratch.path + "/root"
        let outside = scratch.path + "/outside"
        try fm.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: outside + "/keep"))
        let driver = try HostPathDriver(root: root)
        let volume = try await driver.provision(ProvisionRequest(name: "pvc-3", capacityBytes: 1))
        try fm.createSymbolicLink(atPath: volume.path + "/escape", withDestinationPath: outside)
        try fm.createSymbolicLink(atPath: volume.path + "/keep-link", withDestinationPath: outside + "/keep")
        try await driver.delete(name: "pvc-3", parameters: [:])
        #expect(!fm.fileExists(atPath: volume.path))
        #expect(try String(contentsOfFile: outside + "/keep", encoding: .utf8) == "keep")
    }

    @Test func deleteStopsAtAMountPointInsideTheVolume() async throws {
        let scratch = try Scratch()
        let driver = try HostPathDriver(root: scratch.path)
        let volume = try await driver.provision(ProvisionRequest(name: "pvc-4", capacityBytes: 1))
        let own = scratch.path + "/own"
        try fm.createDirectory(atPath: own, withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: URL(fileURLWithPath: own + "/mine"))
        let target = volume.path + "/bound"
        try fm.createDirectory(atPath: target, withIntermediateDirectories: true)
        try run("/usr/bin/mount", "--bind", own, target)
        defer { _ = try? run("/usr/bin/umount", target) }
        do {
            try await driver.delete(name: "pvc-4", parameters: [:])
            Issue.record("delete crossed a mount point")
        } catch {
            #expect(error.code == .refused)
            #expect(error.message.contains(target))
        }
        #expect(fm.fileExists(atPath: own + "/mine"))
        #expect(fm.fileExists(atPath: target + "/mine"))
    }

    @Test func basePathOutsideTheRootsIsRefusedBeforeTouchingDisk() async throws {
        let scratch = try Scratch()
        let elsewhere = scratch.path + "/elsewhere"
        let driver = try HostPathDriver(root: scratch.path + "/root", allowedRoots: [scratch.path + "/extra"])
        let params = ["basePath": elsewhere + "/hostpath"]
        #expect(!driver.validate(parameters: params, volumeMode: .filesystem).isEmpty)
        await #expect(throws: DriverError.self) {
            try await driver.provision(ProvisionRequest(name: "pvc-5", capacityBytes: 1, parameters: params))
        }
        #expect(!fm.fileExists(atPath: elsewhere))
        #expect(!fm.fileExists(atPath: scratch.path + "/root"))
        // An allowed root other than pvd's own works.
        let volume = try await driver.provision(ProvisionRequest(
            name: "pvc-5", capacityBytes: 1, parameters: ["basePath": scratch.path + "/extra/hp"]))
        #expect(volume.path == scratch.path + "/extra/hp/pvc-5")
    }

    @Test(arguments: [
        ["basePath": "relative/hostpath"],
        ["basePath": "/tmp/../etc"],
        ["pathPattern": "${namespace}/../${name}"],
        ["pathPattern": "/abs/${pvname}"],
        ["pathPattern": "${namespace}"],
        ["pathPattern": "${pvc}"],
        ["mode": "0999"],
        ["quota": "maybe"],
        ["colour": "blue"],
    ])
    func invalidParametersAreRefused(params: [String: String]) async throws {
        let driver = try HostPathDriver(root: "/nonexistent/pvd-root")
        #expect(!driver.validate(parameters: params, volumeMode: .filesystem).isEmpty)
        do {
            _ = try await driver.provision(ProvisionRequest(name: "pvc-6", capacityBytes: 1, parameters: params))
            Issue.record("provision accepted \(params)")
        } catch {
            #expect(error.code == .invalid)
        }
        #expect(!fm.fileExists(atPath: "/nonexistent/pvd-root"))
    }

    @Test func blockModeIsRefused() async throws {
        let driver = try HostPathDriver(root: "/nonexistent/pvd-root")
        #expect(driver.validate(parameters: [:], volumeMode: .block).contains { $0.contains("Block") })
        await #expect(throws: DriverError.self) {
            try await driver.provision(ProvisionRequest(name: "pvc-7", capacityBytes: 1, volumeMode: .block))
        }
    }

    @Test func pathPatternExpands() throws {
        let parts = try HostPathParameters.expand(
            "${namespace}/${name}-${pvname}", pvname: "pvc-9", namespace: "team", name: "db")
        #expect(parts == ["team", "db-pvc-9"])
        #expect(throws: DriverError.self) {
            try HostPathParameters.expand("${namespace}/${name}", pvname: "pvc-9", namespace: "team", name: "")
        }
    }

    @Test func patternLayoutIsFoundAgainByItsTag() async throws {
        let scratch = try Scratch()
        let driver = try HostPathDriver(root: scratch.path)
        let params = ["pathPattern": "${namespace}/${name}"]
        let volume = try await driver.provision(ProvisionRequest(
            name: "pvc-10", capacityBytes: 1, parameters: params, claimNamespace: "team", claimName: "db"))
        #expect(volume.path == scratch.path + "/hostpath/team/db")
        #expect(try driver.existingVolumes(parameters: params) == ["pvc-10"])
        // Another claim expanding to the same directory must not get it.
        await #expect(throws: DriverError.self) {
            try await driver.provision(ProvisionRequest(
                name: "pvc-11", capacityBytes: 1, parameters: params, claimNamespace: "team", claimName: "db"))
        }
        try await driver.delete(name: "pvc-10", parameters: params)
        #expect(!fm.fileExists(atPath: volume.path))
        #expect(!fm.fileExists(atPath: scratch.path + "/hostpath/team"))
    }

    @Test func quotaOnAFilesystemWithoutProjectQuotaIsUnsupported() async throws {
        // /tmp here is a plain filesystem without prjquota (ext4 or tmpfs).
        let scratch = try Scratch()
        let driver = try HostPathDriver(root: scratch.path)
        do {
            _ = try await driver.provision(ProvisionRequest(name: "pvc-12", capacityBytes: 1 << 20, parameters: ["quota": "enforce"]))
            Issue.record("quota: enforce accepted on a filesystem without project quotas")
        } catch {
            #expect(error.code == .unsupported)
            #expect(error.message.contains("quota"))
        }
        #expect(!fm.fileExists(atPath: scratch.path + "/hostpath/pvc-12"))
    }
}
