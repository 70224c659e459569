import Foundation
import PVDDrivers
import PVDModel
import Testing

/// hostPath orphan sweep safety: a directory whose PV was ever recorded (marked by
/// `markRecorded` or `recover`) is never removed, nor one a PV's path refers to, nor one pvd
/// did not tag; only a tagged, never-recorded one goes.
extension HostPathDriverTests {
    @Test func recordedDirectoriesAreNeverSwept() async throws {
        let scratch = try Scratch()
        let driver = try HostPathDriver(root: scratch.path)
        let provisioned = try await driver.provision(ProvisionRequest(name: "pvc-provisioned", capacityBytes: 1 << 20))
        let recovered = try await driver.provision(ProvisionRequest(name: "pvc-recovered", capacityBytes: 1 << 20))
        let orphan = try await driver.provision(ProvisionRequest(name: "pvc-orphan", capacityBytes: 1 << 20))
        // As the provisioner does once the PV is in the store, and as recovery does for every PV.
        try await driver.markRecorded(name: "pvc-provisioned", parameters: [:], path: provisioned.path)
        #expect(await driver.recover([RecoveryRequest(name: "pvc-recovered")]).map(\.outcome) == [.ready])

        // No PV names any of them any more (a Retain PV deleted, an older store restored).
        let removed = try await driver.removeOrphans(parameterSets: [[:]], grace: .zero, madeAfter: 0) { [] }.removed
        #expect(removed == ["pvc-orphan"])
        #expect(fm.fileExists(atPath: provisioned.path) && fm.fileExists(atPath: recovered.path))
        #expect(!fm.fileExists(atPath: orphan.path))
        // Marking again succeeds; a volume that is gone cannot be marked.
        try await driver.markRecorded(name: "pvc-provisioned", parameters: [:], path: nil)
        await #expect(throws: DriverError.self) { try await driver.markRecorded(name: "pvc-orphan", parameters: [:], path: nil) }
    }

    @Test func markRecordedFindsClaimNamedDirectoriesWithOrWithoutTheHint() async throws {
        let scratch = try Scratch()
        let driver = try HostPathDriver(root: scratch.path)
        let params = ["pathPattern": "${namespace}/${name}"]
        let a = try await driver.provision(ProvisionRequest(name: "pvc-a", capacityBytes: 1 << 20, parameters: params, claimNamespace: "ns", claimName: "a"))
        let b = try await driver.provision(ProvisionRequest(name: "pvc-b", capacityBytes: 1 << 20, parameters: params, claimNamespace: "ns", claimName: "b"))
        try await driver.markRecorded(name: "pvc-a", parameters: params, path: a.path)
        // A hint naming another volume's directory is not trusted: the tag decides.
        try await driver.markRecorded(name: "pvc-b", parameters: params, path: a.path)
        #expect(try await driver.removeOrphans(parameterSets: [params], grace: .zero, madeAfter: 0) { [] }.removed.isEmpty)
        #expect(fm.fileExists(atPath: a.path) && fm.fileExists(atPath: b.path))
    }

    /// A static PV of another name pointing at the directory, inside it, or above it (through a
    /// symlink too) keeps it.
    @Test(arguments: ["", "/sub", "/..", "-link"])
    func aPathReferringToADirectoryKeepsIt(suffix: String) async throws {
        let scratch = try Scratch()
        let driver = try HostPathDriver(root: scratch.path)
        let made = try await driver.provision(ProvisionRequest(name: "pvc-x", capacityBytes: 1 << 20))
        try fm.createDirectory(atPath: made.path + "/sub", withIntermediateDirectories: false)
        try fm.createSymbolicLink(atPath: made.path + "-link", withDestinationPath: made.path)
        let base = scratch.path
        let path = suffix == "/.." ? base + "/hostpath" : made.path + suffix
        let kept = try await driver.removeOrphans(parameterSets: [[:]], grace: .zero, madeAfter: 0) {
            KeptBackings(names: ["static-data"], paths: [path])
        }.removed
        #expect(kept.isEmpty)
        #expect(fm.fileExists(atPath: made.path + "/sub"))
        // Another path keeps nothing: the never-recorded volume goes.
        let removed = try await driver.removeOrphans(parameterSets: [[:]], grace: .zero, madeAfter: 0) {
            KeptBackings(paths: [base + "/elsewhere", made.path + "x"])
        }.removed
        #expect(removed == ["pvc-x"])
    }

    @Test func anUntaggedDirectoryIsNotProvablyALeftover() async throws {
        let scratch = try Scratch()
        let driver = try HostPathDriver(root: scratch.path)
        _ = try await driver.provision(ProvisionRequest(name: "pvc-made", capacityBytes: 1 << 20))
        let untagged = scratch.path + "/hostpath/pvc-untagged"
        try fm.createDirectory(atPath: untagged, withIntermediateDirectories: false)
        let removed = try await driver.removeOrphans(parameterSets: [[:]], grace: .zero, madeAfter: 0) { [] }.removed
        #expect(removed == ["pvc-made"])
        #expect(fm.fileExists(atPath: untagged), "made where the mark could not be written: its lack proves nothing")
    }
}
