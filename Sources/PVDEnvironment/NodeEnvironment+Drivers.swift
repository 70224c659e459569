import Logging
import PVDControllers
import PVDDrivers

extension NodeEnvironment {
    /// This node as the controllers see it: its name, the standard drivers (hostPath, loop)
    /// rooted at `root` and allowed `allowedRoots`, and the pods' volume tree.
    public func nodeAgent(logger: Logger) throws(NodeEnvironmentError) -> NodeAgent {
        do {
            return NodeAgent(
                nodeName: node, drivers: try StandardDrivers.make(root: root, allowedRoots: allowedRoots, logger: logger),
                pods: try PodVolumeTree(root: root))
        } catch {
            throw NodeEnvironmentError("root \(root): \(error.message)")
        }
    }
}
