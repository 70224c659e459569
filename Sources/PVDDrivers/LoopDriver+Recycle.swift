import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Recycling loop volumes: emptying the mounted filesystem, which stays, as does the image.
extension LoopDriver {
    /// Empties the volume's filesystem through its mount point, keeping `lost+found` (emptied)
    /// so it looks as mkfs left it. Block volumes are refused: a raw device has no contents pvd
    /// can scrub file by file.
    public func recycle(name: String, parameters: [String: String]) async throws(DriverError) {
        try LoopLayout.checkName(name)
        try await lock.withLock { () async throws(DriverError) in try recycleLocked(name: name, parameters: parameters) }
    }

    private func recycleLocked(name: String, parameters: [String: String]) throws(DriverError) {
        let parameters = try LoopParameters.require(parameters, root: root)
        let layout = LoopLayout(root: root, imageDir: parameters.imageDir, name: name)
        guard let device = try mountedDevice(layout) else {
            if try LoopFiles.lstatIfExists(layout.deviceLink) != nil {
                throw DriverError(.unsupported, "volume \(name) is a Block volume; pvd recycles the contents of Filesystem volumes only")
            }
            throw DriverError(.notFound, "volume \(name) is not mounted at \(layout.mountPoint); recovery mounts it again")
        }
        let tree = try SafeTree(roots: [root])
        guard let dir = try tree.openAnchor(layout.mountPoint, create: false) else {
            throw DriverError(.notFound, "\(layout.mountPoint) does not exist")
        }
        // What was opened must be the volume's filesystem, not the directory under it (an unmount
        // between the check and the open would leave that): compare the device it lives on.
        var opened = stat()
        guard fstat(dir.fd, &opened) == 0 else { throw DriverError.system("fstat", layout.mountPoint, errno: errno) }
        guard let node = try LoopFiles.statIfExists(device.path), node.st_rdev == opened.st_dev else {
            throw DriverError(.busy, "\(layout.mountPoint) is no longer \(device.path)'s filesystem; recycle again")
        }
        try SafeTree.emptyDirectory(dir, keeping: ["lost+found"])
        logger.info("recycled", metadata: ["pvd.pv": "\(name)", "pvd.device": "\(device)", "pvd.path": "\(layout.mountPoint)"])
    }
}
