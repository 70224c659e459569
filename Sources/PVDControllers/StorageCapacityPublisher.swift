import Logging
import PVDDrivers
import PVDModel
import PVDStore

/// Publishes this node's room for each class its drivers serve (`StorageCapacityReport`):
/// measures free bytes where each class keeps its volumes, writes the objects that moved, and
/// deletes this node's objects for classes gone or no longer served here. Runs with the
/// heartbeat; every write is compare-and-swap, and a lost race waits for the next heartbeat.
public enum StorageCapacityPublisher {
    /// How many objects it wrote or deleted.
    @discardableResult
    public static func publish(agent: NodeAgent, store: any ObjectStore, logger: Logger) async throws(StoreError) -> Int {
        guard !agent.drivers.isEmpty else { return 0 }
        let node = agent.nodeName
        let classes = try await store.list(StorageClass.self, namespace: nil, selector: nil).items
        let labels = (try? await store.get(Node.self, namespace: nil, name: node))?.metadata.labels ?? [WellKnownLabels.hostname: node]
        var wanted: [String: CSIStorageCapacity] = [:]
        for sc in classes where sc.metadata.deletionTimestamp == nil && ImmediatePlacement.admits(sc, labels: labels) {
            guard let driver = agent.driver(for: sc.provisioner),
                  let dir = driver.classDirectory(parameters: sc.parameters ?? [:], owner: sc.metadata.name),
                  let bytes = FreeSpace.availableBytes(under: dir.path) else { continue }
            let c = StorageCapacityReport.object(node: node, storageClass: sc.metadata.name, bytes: bytes)
            wanted[c.metadata.name] = c
        }
        let existing = try await store.list(CSIStorageCapacity.self, namespace: StorageCapacityReport.namespace, selector: nil).items
            .filter { StorageCapacityReport.isOwn($0, node: node) }
        var writes = 0
        for old in existing where wanted[old.metadata.name] == nil {
            do throws(StoreError) {
                _ = try await store.delete(CSIStorageCapacity.self, namespace: old.metadata.namespace, name: old.metadata.name, uid: old.metadata.uid)
                writes += 1
                logger.info("storage capacity withdrawn", metadata: ["pvd.node": "\(node)", "pvd.storageclass": "\(old.storageClassName)"])
            } catch where error.code == .notFound || error.code == .conflict {}
        }
        let byName = Dictionary(existing.map { ($0.metadata.name, $0) }, uniquingKeysWith: { a, _ in a })
        for (name, c) in wanted.sorted(by: { $0.key < $1.key }) {
            do throws(StoreError) {
                if var old = byName[name] {
                    guard StorageCapacityReport.needsWrite(old, c) else { continue }
                    old.storageClassName = c.storageClassName
                    old.nodeTopology = c.nodeTopology
                    old.capacity = c.capacity
                    old.maximumVolumeSize = c.maximumVolumeSize
                    old.metadata.labels = c.metadata.labels
                    _ = try await store.update(old)
                } else {
                    _ = try await store.create(c)
                }
                writes += 1
                logger.debug("storage capacity published", metadata: [
                    "pvd.node": "\(node)", "pvd.storageclass": "\(c.storageClassName)", "pvd.capacity": "\(c.capacity?.description ?? "")",
                ])
            } catch where error.code == .conflict || error.code == .alreadyExists {}
        }
        return writes
    }
}
