import PVDDrivers
import PVDModel
import Testing
@testable import PVDControllers

/// Which claims the expansion controller grows, and what it writes afterwards: plain values.
struct ExpansionWorkTests {
    static func agent() throws -> NodeAgent {
        NodeAgent(nodeName: "node-1", drivers: [try HostPathDriver(root: "/tmp/pvd-expansion-unused")])
    }

    /// A bound pair: claim `data` (request `request` GB, status.capacity `capacity` GB) and its
    /// volume, provisioned by pvd.io/hostpath on `host`.
    static func pair(
        request: Int64 = 5, capacity: Int64 = 2, host: String = "node-1", provisioner: String? = "pvd.io/hostpath",
        claimPhase: ClaimPhase = .bound, refUID: String? = "uid-data", deleting: Bool = false
    ) -> ([String: PersistentVolumeClaim], [String: PersistentVolume]) {
        var claim = makePVC("data", request, class: "local", volumeName: "pv-1", phase: claimPhase)
        claim.status?.capacity = ["storage": gb(capacity)]
        if deleting { claim.metadata.deletionTimestamp = Time(seconds: 1) }
        let pv = makePV(
            "pv-1", capacity, class: "local", phase: .bound, claimRef: ref("data", uid: refUID), affinityHost: host,
            annotations: provisioner.map { [Annotations.provisionedBy: $0] })
        return ([claim.key: claim], ["pv-1": pv])
    }

    @Test(arguments: [
        ("request above capacity", pair(), true),
        ("request equal to capacity", pair(request: 2), false),
        ("request below capacity", pair(request: 1, capacity: 2), false),
        ("another node's volume", pair(host: "node-2"), false),
        ("a volume pvd did not provision", pair(provisioner: nil), false),
        ("a provisioner this node lacks", pair(provisioner: "pvd.io/loop"), false),
        ("a claim not Bound", pair(claimPhase: .pending), false),
        ("a volume bound to another claim uid", pair(refUID: "uid-other"), false),
        ("a claim being deleted", pair(deleting: true), false),
    ] as [(String, ([String: PersistentVolumeClaim], [String: PersistentVolume]), Bool)])
    func selects(_ name: String, _ objects: ([String: PersistentVolumeClaim], [String: PersistentVolume]), _ expected: Bool) throws {
        let work = ExpansionWork.select(claims: objects.0, volumes: objects.1, agent: try Self.agent())
        #expect(work.map(\.volumeName) == (expected ? ["pv-1"] : []), "\(name)")
        if expected { #expect(work.first?.requestBytes == 5_000_000_000) }
    }

    @Test func grownWritesTheNewSizeOnBothObjects() throws {
        let (claims, volumes) = Self.pair()
        let claim = try #require(claims.values.first)
        let (pv, c) = ExpansionWork.grown(try #require(volumes["pv-1"]), claim, bytes: 5 << 30)
        #expect(pv.capacity == Quantity(5 << 30))
        #expect(pv.capacity?.description == "5Gi")
        #expect(c.status?.capacity?["storage"] == Quantity(5 << 30))
        #expect(c.phase == .bound)
        #expect(c.spec == claim.spec)
    }

    /// Waiting for the filesystem: the condition and allocatedResources once, kept (not written
    /// again, its transition time unchanged) on later runs, and gone once the volume grew.
    @Test func pendingIsSetOnceAndClearedByGrowing() throws {
        let (claims, volumes) = Self.pair()
        let claim = try #require(claims.values.first)
        let request = try #require(claim.request)
        let waiting = try #require(ExpansionWork.pending(claim, request: request, now: Time(seconds: 100)))
        let condition = try #require(waiting.status?.condition(PersistentVolumeClaimCondition.fileSystemResizePending))
        #expect(condition.status == "True")
        #expect(condition.message == "Waiting for user to (re-)start a pod to finish file system resize of volume on node.")
        #expect(condition.lastTransitionTime == Time(seconds: 100))
        #expect(waiting.status?.allocatedResources?["storage"] == request)
        #expect(waiting.status?.capacity == claim.status?.capacity)
        #expect(ExpansionWork.pending(waiting, request: request, now: Time(seconds: 200)) == nil)

        let (_, grown) = ExpansionWork.grown(try #require(volumes["pv-1"]), waiting, bytes: request.value)
        #expect(grown.status?.conditions == nil)
        #expect(grown.status?.capacity?["storage"] == request)
        #expect(grown.status?.allocatedResources?["storage"] == request)
    }
}
