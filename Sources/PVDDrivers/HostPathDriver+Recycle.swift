import Logging

/// Recycling hostPath volumes: emptying the directory, which stays with its mode, tag and
/// project id, so the volume can be bound again.
extension HostPathDriver {
    public func recycle(name: String, parameters: [String: String]) async throws(DriverError) {
        try await lock.withLock { () async throws(DriverError) in try recycleLocked(name: name, parameters: parameters) }
    }

    private func recycleLocked(name: String, parameters: [String: String]) throws(DriverError) {
        let params = try HostPathParameters(parameters, root: root, tree: tree)
        guard let base = try tree.openAnchor(params.basePath, create: false),
              let below = try locate(name, params: params, base: base),
              let dir = try SafeTree.walk(below, from: base, crossMounts: false, create: nil) else {
            throw DriverError(.notFound, "volume \(name) is not under \(params.basePath)")
        }
        try SafeTree.emptyDirectory(dir)
        logger.info("hostPath volume recycled", metadata: ["pvd.pv": "\(name)", "pvd.path": "\(dir.path)"])
    }

    /// Empties a static hostPath volume's directory (`spec.hostPath.path` of a PV pvd did not
    /// make). Only inside the allowed roots (`PVD_ALLOWED_ROOTS`), never an allowed root itself,
    /// and never pvd's own root, anything in it or above it: that holds the store and every
    /// volume pvd made. A directory tagged as one of pvd's volumes is refused as well.
    public func recycleStatic(path: String) async throws(DriverError) {
        let normal = try SafeTree.normalise(path, what: "hostPath.path")
        let own = SafeTree.components(root), parts = SafeTree.components(normal)
        let overlaps = parts.count >= own.count ? Array(parts.prefix(own.count)) == own : Array(own.prefix(parts.count)) == parts
        if overlaps {
            throw DriverError(.refused, "\(normal) overlaps pvd's root \(root); pvd recycles static volumes only in other allowed roots")
        }
        let others = try SafeTree(roots: tree.roots.filter { $0 != root })
        do {
            _ = try others.locate(normal)
        } catch {
            let list = others.roots.isEmpty ? "none are set" : others.roots.joined(separator: ", ")
            throw DriverError(.refused, "\(normal) is outside the allowed roots (\(list)); add a directory holding it to PVD_ALLOWED_ROOTS to recycle it")
        }
        try await lock.withLock { () async throws(DriverError) in
            if let dir = try others.openAnchor(normal, create: false), let owner = tag(of: dir) {
                throw DriverError(.refused, "\(normal) is pvd volume \(owner)'s directory, not a static volume's")
            }
            try others.emptyContents(of: normal)
        }
        logger.info("static hostPath volume recycled", metadata: ["pvd.path": "\(normal)"])
    }
}
