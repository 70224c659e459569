import Foundation
import Logging
import PVDDrivers
import PVDModel
import PVDStore
import Testing
@testable import PVDControllers

/// The daemon's controller loop in process, over a real SQLite store and a running informer,
/// with the work queue on a manual clock: a claim whose provisioning fails is held back until
/// its back-off passes or the claim itself changes, and other work does not retry it early.
@Suite("Controller loop")
struct ControllerLoopTests {
    /// Runs of one loop, in order.
    struct Runs {
        var iterator: AsyncStream<ControllerRun>.Iterator

        /// The next run that did something with provisioning or that `matches`.
        mutating func next(where matches: (ControllerRun) -> Bool = { _ in true }) async -> ControllerRun? {
            while let run = await iterator.next() {
                if matches(run) { return run }
            }
            return nil
        }
    }

    @Test("a failed provisioning is held back until its back-off passes or the claim changes")
    func failedProvisioningIsHeldBack() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-loop-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SQLiteStore(path: dir + "/state.db")
        let driver = try HostPathDriver(root: dir + "/node", logger: quietLogger)
        let reconciler = Reconciler(store: store, agent: NodeAgent(nodeName: "a", drivers: [driver]), logger: quietLogger)
        let clock = ManualClock()
        let queue = WorkQueue<String>(backoff: RetryBackoff(base: .seconds(10)), clock: clock)
        let informer = Informer(store: store, logger: quietLogger)
        let loop = ControllerLoop(reconciler: reconciler, informer: informer, queue: queue)
        let (stream, sink) = AsyncStream.makeStream(of: ControllerRun.self)
        var runs = Runs(iterator: stream.makeAsyncIterator())
        let informing = Task { await informer.run(onChange: { await loop.enqueue($0) }) }
        let running = Task { await loop.run { sink.yield($0) } }
        defer {
            informing.cancel()
            running.cancel()
            Task { await queue.shutDown() }
        }

        // A class the driver refuses: every try fails before anything is made.
        var sc = StorageClass(name: "broken", provisioner: "pvd.io/hostpath")
        sc.parameters = ["no-such-parameter": "x"]
        _ = try await store.create(sc)
        let claim = try await store.create(PersistentVolumeClaim(name: "data", spec: PersistentVolumeClaimSpec(
            accessModes: [.readWriteOnce], request: Quantity(1 << 20), storageClassName: "broken")))
        let key = Informer.key(.persistentVolumeClaim, claim.key)

        let first = await runs.next { $0.summary.provisioningFailures > 0 }
        #expect(first?.retried.contains(key) == true)
        await clock.waitForSleepers(1)

        // Other work runs, but does not try the held claim again.
        _ = try await store.create(Node(name: "other", labels: [WellKnownLabels.hostname: "other"]))
        let unrelated = await runs.next { $0.keys.contains(Informer.key(.node, "other")) }
        #expect(unrelated?.summary.provisioningFailures == 0)

        // The back-off passes: tried again (and failed again).
        clock.advance(by: .seconds(10))
        let again = await runs.next { $0.keys.contains(key) }
        #expect(again?.summary.provisioningFailures == 1)

        // The claim changes while held: tried at once, without waiting out the (now 20 s) back-off.
        await clock.waitForSleepers(1)
        var changed = try await store.get(PersistentVolumeClaim.self, namespace: "default", name: "data")
        changed.metadata.labels = ["touched": "yes"]
        _ = try await store.update(changed)
        let touched = await runs.next { $0.keys.contains(key) }
        #expect(touched?.summary.provisioningFailures == 1)
        #expect(try await store.list(PersistentVolume.self, namespace: nil, selector: nil).items.isEmpty)
    }
}
