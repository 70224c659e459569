import PVDModel
import PVDStore

/// Registers this node's Node object (labels `kubernetes.io/hostname`) and reports its Ready
/// condition, as a kubelet does. The daemon's heartbeat is its Lease (`NodeLease`); the Node is
/// rewritten only when its status needs it (`needsReport`), as a kubelet posts its status only
/// when it changed or every `nodeStatusReportFrequency`, so a quiet cluster's Nodes stay quiet.
public enum NodeRegistration {
    /// Kubernetes' nodeStatusReportFrequency default: how old a Ready heartbeat may grow while
    /// nothing else about the node changes.
    public static let defaultReportInterval: Duration = .seconds(300)

    /// Writes the node's Ready condition now, whatever it says.
    public static func register(_ name: String, in store: any ObjectStore, now: Time = .now()) async throws {
        _ = try await report(name, in: store, now: now) { _ in true }
    }

    /// Writes the node's Ready condition only when `needsReport` says so; true when it wrote.
    @discardableResult
    public static func refresh(_ name: String, in store: any ObjectStore, now: Time = .now(), reportInterval: Duration = defaultReportInterval) async throws -> Bool {
        try await report(name, in: store, now: now) { node in needsReport(node, name: name, now: now, reportInterval: reportInterval) }
    }

    /// Whether a node's status must be written again: not registered, missing its hostname
    /// label, not Ready True (the node lifecycle marked it Unknown, say), or its Ready heartbeat
    /// older than `reportInterval`. Pure.
    public static func needsReport(_ node: Node?, name: String, now: Time, reportInterval: Duration) -> Bool {
        guard let node, node.metadata.labels?[WellKnownLabels.hostname] != nil,
              let ready = NodeHealth.readyCondition(node), ready.status == "True", let beat = ready.lastHeartbeatTime
        else { return true }
        return now.seconds - beat.seconds >= reportInterval.components.seconds
    }

    private static func report(_ name: String, in store: any ObjectStore, now: Time, when needed: (Node?) -> Bool) async throws -> Bool {
        let ready = NodeCondition(type: "Ready", status: "True", lastHeartbeatTime: now, reason: "PVDReady", message: "pvd is running")
        for _ in 0..<5 {
            switch try await attempt(name, ready: ready, store: store, when: needed) {
            case .wrote: return true
            case .unneeded: return false
            case .lostRace: continue
            }
        }
        return false
    }

    private enum Attempt { case wrote, unneeded, lostRace }

    /// One read-modify-write.
    private static func attempt(_ name: String, ready: NodeCondition, store: any ObjectStore, when needed: (Node?) -> Bool) async throws -> Attempt {
        let existing: Node?
        do {
            existing = try await store.get(Node.self, namespace: nil, name: name)
        } catch {
            guard error.code == .notFound else { throw error }
            existing = nil
        }
        guard needed(existing) else { return .unneeded }
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
            return .wrote
        } catch {
            guard error.code == .conflict || error.code == .alreadyExists else { throw error }
            return .lostRace
        }
    }
}
