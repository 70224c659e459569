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
        try refuseNestedVolumes(in: dir, name: name)
        try SafeTree.emptyDirectory(dir) { tag(of: $0) != nil }
        logger.info("hostPath volume recycled", metadata: ["pvd.pv": "\(name)", "pvd.path": "\(dir.path)"])
    }

    /// Empties a static hostPath volume's directory (`spec.hostPath.path` of a PV pvd did not
    /// make). Only inside the allowed roots (`PVD_ALLOWED_ROOTS`), never an allowed root itself,
    /// and never pvd's own root, anything in it or above it: that holds the store and every
    /// volume pvd made. For the same reason a path that is a hostPath class's basePath
    /// (`basePaths`, from the StorageClasses), lies in one or above one is refused, and so is a
    /// directory that is, or holds, a directory tagged as one of pvd's volumes: emptying it
    /// would empty those volumes. A tagged directory that appears while emptying is left whole.
    public func recycleStatic(path: String, basePaths: [String] = []) async throws(DriverError) {
        let normal = try SafeTree.normalise(path, what: "hostPath.path")
        if SafeTree.overlaps(normal, root) {
            throw DriverError(.refused, "\(normal) overlaps pvd's root \(root); pvd recycles static volumes only in other allowed roots")
        }
        for base in basePaths {
            guard let base = try? SafeTree.normalise(base), SafeTree.overlaps(normal, base) else { continue }
            throw DriverError(.refused, "\(normal) overlaps the hostPath class basePath \(base), where pvd makes volumes; pvd does not recycle a static volume there")
        }
        let others = try SafeTree(roots: tree.roots.filter { $0 != root })
        do {
            _ = try others.locate(normal)
        } catch {
            let list = others.roots.isEmpty ? "none are set" : others.roots.joined(separator: ", ")
            throw DriverError(.refused, "\(normal) is outside the allowed roots (\(list)); add a directory holding it to PVD_ALLOWED_ROOTS to recycle it")
        }
        try await lock.withLock { () async throws(DriverError) in
            if let dir = try others.openAnchor(normal, create: false) {
                if let owner = tag(of: dir) {
                    throw DriverError(.refused, "\(normal) is pvd volume \(owner)'s directory, not a static volume's")
                }
                let tagged = try taggedDirectories(in: dir)
                if let hit = tagged.first {
                    let more = tagged.count > 1 ? " and \(tagged.count - 1) more" : ""
                    throw DriverError(.refused, "\(normal) holds pvd volume \(hit.volume)'s directory \(hit.path)\(more); pvd does not recycle a path above its volumes")
                }
            }
            try others.emptyContents(of: normal) { tag(of: $0) != nil }
        }
        logger.info("static hostPath volume recycled", metadata: ["pvd.path": "\(normal)"])
    }
}
