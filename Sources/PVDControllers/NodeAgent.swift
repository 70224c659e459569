import PVDDrivers
import PVDModel

/// What the controllers of one node know about it: its name and the drivers that make volumes
/// here, by provisioner name.
public struct NodeAgent: Sendable {
    public var nodeName: String
    public var drivers: [String: any VolumeDriver]

    public init(nodeName: String, drivers: [any VolumeDriver] = []) {
        self.nodeName = nodeName
        var byName: [String: any VolumeDriver] = [:]
        for d in drivers { byName[d.provisionerName] = d }
        self.drivers = byName
    }

    /// The driver for a provisioner name, if this node has it.
    public func driver(for provisioner: String) -> (any VolumeDriver)? { drivers[provisioner] }

    /// Whether a volume's node affinity pins it to this node by hostname.
    public func owns(_ pv: PersistentVolume) -> Bool {
        guard let terms = pv.spec.nodeAffinity?.required?.nodeSelectorTerms else { return false }
        return terms.contains { term in
            (term.matchExpressions ?? []).contains {
                $0.key == WellKnownLabels.hostname && $0.operator == "In" && ($0.values ?? []).contains(nodeName)
            }
        }
    }
}
