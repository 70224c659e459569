import PVDModel
import PVDStore

/// Registers this node's Node object (labels `kubernetes.io/hostname`) and refreshes its Ready
/// heartbeat, as a kubelet does.
public enum NodeRegistration {
    public static func register(_ name: String, in store: any ObjectStore, now: Time = .now()) async throws {
        let ready = NodeCondition(type: "Ready", status: "True", lastHeartbeatTime: now, reason: "PVDReady", message: "pvd is running")
        for _ in 0..<5 where try await attempt(name, ready: ready, store: store) {
            return
        }
    }

    /// One read-modify-write; false when it lost a race and should be tried again.
    private static func attempt(_ name: String, ready: NodeCondition, store: any ObjectStore) async throws -> Bool {
        let existing: Node?
        do {
            existing = try await store.get(Node.self, namespace: nil, name: name)
        } catch {
            guard error.code == .notFound else { throw error }
            existing = nil
        }
        do {
            if var node = existing {
                var labels = node.metadata.labels ?? [:]
                labels[WellKnownLabels.hostname] = labels[WellKnownLabels.hostname] ?? name
                node.metadata.labels = labels
                node.status = NodeStatus(conditions: [ready])
                _ = try await store.update(node)
            } else {
                var node = Node(name: name, labels: [WellKnownLabels.hostname: name])
                node.status = NodeStatus(conditions: [ready])
                _ = try await store.create(node)
            }
            return true
        } catch {
            guard error.code == .conflict || error.code == .alreadyExists else { throw error }
            return false
        }
    }
}
