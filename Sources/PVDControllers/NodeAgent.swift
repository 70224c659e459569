import PVDDrivers
import PVDModel

/// What the controllers of one node know about it: its name, the drivers that make volumes
/// here, by provisioner name, and where its Pods' volumes are published (`<root>/pods`).
public struct NodeAgent: Sendable {
    public var nodeName: String
    public var drivers: [String: any VolumeDriver]
    /// `<root>/pods`, where the publisher makes Pods' volumes reachable; nil: no publishing.
    public var pods: PodVolumeTree?

    public init(nodeName: String, drivers: [any VolumeDriver] = [], pods: PodVolumeTree? = nil) {
        self.nodeName = nodeName
        self.pods = pods
        var byName: [String: any VolumeDriver] = [:]
        for d in drivers { byName[d.provisionerName] = d }
        self.drivers = byName
    }

    /// The driver for a provisioner name, if this node has it.
    public func driver(for provisioner: String) -> (any VolumeDriver)? { drivers[provisioner] }

    /// Whether a volume's node affinity pins it to this node by hostname.
    public func owns(_ pv: PersistentVolume) -> Bool { pv.isPinned(to: nodeName) }
}
