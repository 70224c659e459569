import Foundation
import PVDDrivers
import PVDModel
import Testing

@testable import PVDDrivers

/// Loop orphan sweep safety, on real images, loop devices and mounts: an image whose PV was ever
/// recorded is never removed (a stray partial of it neither takes it along), nor one a PV's
/// path refers to; a never-recorded one still goes.
extension LoopDriverRecoveryTests {
    @Test func recordedOrReferredImagesSurviveTheSweep() async throws {
        let root = try TestRoot()
        defer { root.cleanup() }
        let driver = makeDriver(root)
        let recorded = try await driver.provision(request("pvc-recorded", 8 * mebibyte))
        _ = try await driver.provision(request("pvc-recovered", 8 * mebibyte))
        let referred = try await driver.provision(request("pvc-referred", 8 * mebibyte))
        _ = try await driver.provision(request("pvc-orphan", 8 * mebibyte))
        try "kept".write(toFile: recorded.path + "/f", atomically: false, encoding: .utf8)
        try await driver.markRecorded(name: "pvc-recorded", parameters: [:], path: recorded.path)
        #expect(await driver.recover([RecoveryRequest(name: "pvc-recovered")]).map(\.outcome) == [.ready])
        #expect(RecordedMarker.state(file: root.sub("images/pvc-recovered.img"), visible: true) == .recorded)
        // A partial entry left beside a recorded image is not a half-made volume.
        try makeSparseFile(root.sub("images/.pvc-recorded.img.partial"), size: mebibyte)

        // No PV names any of them; a static PV of another name uses pvc-referred's mount point.
        let removed = try await driver.removeOrphans(parameterSets: [[:]], grace: .zero, madeAfter: 0) {
            KeptBackings(names: ["static-data"], paths: [referred.path])
        }.removed
        #expect(removed == ["pvc-orphan"])
        try expectGone(root, "pvc-orphan")
        #expect(try driver.existingVolumes(parameters: [:]) == ["pvc-recorded", "pvc-recovered", "pvc-referred"])
        #expect(try String(contentsOfFile: recorded.path + "/f", encoding: .utf8) == "kept")
        #expect(root.mountsInside().count == 3)
        await #expect(throws: DriverError.self) { try await driver.markRecorded(name: "pvc-orphan", parameters: [:], path: nil) }
        for name in ["pvc-recorded", "pvc-recovered", "pvc-referred"] {
            try await driver.delete(name: name, parameters: [:])
            try expectGone(root, name)
        }
    }
}
