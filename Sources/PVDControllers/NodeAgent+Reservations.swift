import PVDDrivers
import PVDModel

extension NodeAgent {
    /// What a new volume on this node, or a class directory, must keep clear of, as the store
    /// has it: the path of every PersistentVolume that is on this node (pinned here, or pinned
    /// nowhere, so on every node) but `excluding`, and the directory of every class one of
    /// this node's drivers serves. The drivers add pvd's root and their defaults themselves.
    public func reservedPaths(
        volumes: some Sequence<PersistentVolume>, classes: [StorageClass], excluding: String? = nil
    ) -> [ReservedPath] {
        var out: [ReservedPath] = []
        for pv in volumes where pv.metadata.name != excluding && (pv.spec.nodeAffinity == nil || owns(pv)) {
            for path in [pv.spec.hostPath?.path, pv.spec.local?.path].compactMap({ $0 }) {
                out.append(ReservedPath(path: path, kind: .volume, owner: "PersistentVolume \(pv.metadata.name)'s"))
            }
        }
        for sc in classes {
            guard let driver = driver(for: sc.provisioner),
                  let dir = driver.classDirectory(parameters: sc.parameters ?? [:], owner: "StorageClass \(sc.metadata.name)'s") else { continue }
            out.append(dir)
        }
        return out
    }
}
