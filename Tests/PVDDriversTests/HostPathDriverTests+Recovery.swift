import Foundation
import PVDDrivers
import PVDModel
import Testing

/// hostPath `recover` and `removeOrphans`: a missing directory is reported and never made
/// again empty; only leftovers that say they are volumes, old enough and unwanted, go.
extension HostPathDriverTests {
    @Test func recoverReportsAMissingDirectoryAndDoesNotRecreateIt() async throws {
        let scratch = try Scratch()
        let driver = try HostPathDriver(root: scratch.path)
        let here = try await driver.provision(ProvisionRequest(name: "pvc-here", capacityBytes: 1 << 20))
        let gone = try await driver.provision(ProvisionRequest(name: "pvc-gone", capacityBytes: 1 << 20))
        try fm.removeItem(atPath: gone.path)

        let results = await driver.recover([RecoveryRequest(name: "pvc-here"), RecoveryRequest(name: "pvc-gone")])
        #expect(results.map(\.outcome) == [
            .ready, .missing("the directory of volume pvc-gone under \(scratch.path)/hostpath is missing"),
        ])
        #expect(fm.fileExists(atPath: here.path))
        #expect(!fm.fileExists(atPath: gone.path), "never recreated empty")
    }

    @Test func orphanSweepRemovesOnlyUnwantedVolumeDirectories() async throws {
        let scratch = try Scratch()
        let driver = try HostPathDriver(root: scratch.path)
        let kept = try await driver.provision(ProvisionRequest(name: "pvc-kept", capacityBytes: 1 << 20))
        let orphan = try await driver.provision(ProvisionRequest(name: "pvc-orphan", capacityBytes: 1 << 20))
        try Data("x".utf8).write(to: URL(fileURLWithPath: orphan.path + "/file"))
        let stranger = scratch.path + "/hostpath/not-a-volume"
        try fm.createDirectory(atPath: stranger, withIntermediateDirectories: false)

        #expect(try await driver.removeOrphans(parameterSets: [[:]], grace: .seconds(3600), madeAfter: 0) { [] }.removed.isEmpty)
        let removed = try await driver.removeOrphans(parameterSets: [[:]], grace: .zero, madeAfter: 0) { ["pvc-kept"] }.removed
        #expect(removed == ["pvc-orphan"])
        #expect(!fm.fileExists(atPath: orphan.path))
        #expect(fm.fileExists(atPath: kept.path))
        #expect(fm.fileExists(atPath: stranger), "a directory that is not a volume is not pvd's to remove")
    }
}
