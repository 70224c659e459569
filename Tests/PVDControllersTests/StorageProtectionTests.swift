import PVDModel
import Testing
@testable import PVDControllers

/// A Pod in "ns" using the given claims.
private func pod(_ name: String, node: String? = "n1", phase: String? = "Running", claims: [String], namespace: String = "ns") -> Pod {
    var p = Pod(name: name, namespace: namespace, spec: PodSpec(
        nodeName: node, volumes: claims.map { PodVolume(name: "v-\($0)", persistentVolumeClaim: PersistentVolumeClaimVolumeSource(claimName: $0)) }))
    p.status = PodStatus(phase: phase)
    return p
}

struct PodUseCase: CustomTestStringConvertible, Sendable {
    var name: String
    var pod: Pod
    var uses: Bool
    var testDescription: String { name }
}

let podUseCases: [PodUseCase] = [
    PodUseCase(name: "scheduled, running", pod: pod("p", claims: ["data"]), uses: true),
    PodUseCase(name: "scheduled, pending", pod: pod("p", phase: "Pending", claims: ["data"]), uses: true),
    PodUseCase(name: "scheduled, no status", pod: pod("p", phase: nil, claims: ["data"]), uses: true),
    PodUseCase(name: "unscheduled: cannot start with a deleted claim", pod: pod("p", node: nil, claims: ["data"]), uses: false),
    PodUseCase(name: "empty node name is unscheduled", pod: pod("p", node: "", claims: ["data"]), uses: false),
    PodUseCase(name: "Succeeded", pod: pod("p", phase: "Succeeded", claims: ["data"]), uses: false),
    PodUseCase(name: "Failed", pod: pod("p", phase: "Failed", claims: ["data"]), uses: false),
    PodUseCase(name: "another claim", pod: pod("p", claims: ["other"]), uses: false),
    PodUseCase(name: "no volumes", pod: pod("p", claims: []), uses: false),
]

struct StorageProtectionTests {
    @Test(arguments: podUseCases)
    func podUse(_ c: PodUseCase) {
        #expect(StorageProtection.podUses(c.pod, claimName: "data") == c.uses)
    }

    @Test func usersAreByNamespaceAndSorted() {
        let users = StorageProtection.users(among: [
            pod("b", claims: ["data", "data"]), pod("a", claims: ["data"]), pod("c", claims: ["data"], namespace: "other"),
            pod("done", phase: "Succeeded", claims: ["data"]),
        ])
        #expect(users["ns/data"] == ["ns/a", "ns/b"])
        #expect(users["other/data"] == ["other/c"])
        #expect(users.count == 2)
    }

    @Test func claimWithoutFinalizerGetsIt() throws {
        let c = try #require(StorageProtection.update(makePVC("c", 1), users: []))
        #expect(c.metadata.finalizers == [Finalizers.pvcProtection])
        #expect(StorageProtection.update(c, users: []) == nil)
    }

    @Test func deletedClaimKeepsItsFinalizerWhileUsed() throws {
        var c = makePVC("c", 1, phase: .bound)
        c.metadata.finalizers = ["example.com/other", Finalizers.pvcProtection]
        c.metadata.deletionTimestamp = Time(seconds: 10)
        #expect(StorageProtection.update(c, users: ["ns/p"]) == nil)
        let released = try #require(StorageProtection.update(c, users: []))
        #expect(released.metadata.finalizers == ["example.com/other"])
    }

    @Test func deletedClaimWithoutFinalizerIsNotGivenOne() {
        var c = makePVC("c", 1)
        c.metadata.deletionTimestamp = Time(seconds: 10)
        #expect(StorageProtection.update(c, users: []) == nil)
    }

    @Test(arguments: [(VolumePhase.bound, false), (.released, true), (.available, true), (.failed, true), (.pending, true)])
    func deletedVolumeLosesItsFinalizerUnlessBound(_ phase: VolumePhase, _ released: Bool) {
        var pv = makePV("pv", 1, phase: phase)
        pv.metadata.finalizers = [Finalizers.pvProtection]
        pv.metadata.deletionTimestamp = Time(seconds: 10)
        let update = StorageProtection.update(pv)
        #expect((update != nil) == released)
        if let update { #expect(update.metadata.finalizers == nil) }
    }

    @Test func volumeWithoutFinalizerGetsIt() throws {
        let pv = try #require(StorageProtection.update(makePV("pv", 1, phase: .bound)))
        #expect(pv.metadata.finalizers == [Finalizers.pvProtection])
        #expect(StorageProtection.update(pv) == nil)
    }

    @Test func createdObjectsAreProtected() {
        let pv = Defaulting.forCreate(.persistentVolume(makePV("pv", 1)))
        let pvc = Defaulting.forCreate(.persistentVolumeClaim(makePVC("c", 1)))
        #expect(pv.metadata.finalizers == [Finalizers.pvProtection])
        #expect(pvc.metadata.finalizers == [Finalizers.pvcProtection])
    }
}
