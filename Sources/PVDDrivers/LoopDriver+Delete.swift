import Logging

/// Deleting a loop volume.
extension LoopDriver {
    /// Removes the volume in an order that a crash at any point leaves resumable: unmount,
    /// detach every device backing the image, remove the mount directory, remove the device
    /// link, and the image last, so that as long as anything of the volume is left the image
    /// (which `existingVolumes` lists) is too. Each step accepts its work already done.
    public func delete(name: String, parameters: [String: String]) async throws(DriverError) {
        try await lock.withLock { () async throws(DriverError) in try await deleteLocked(name: name, parameters: parameters) }
    }

    func deleteLocked(name: String, parameters: [String: String]) async throws(DriverError) {
        try LoopLayout.checkName(name)
        let parameters = try LoopParameters.require(parameters, root: root)
        let layout = LoopLayout(root: root, imageDir: parameters.imageDir, name: name)
        try unmountAll(layout)
        try await detachAll(layout)
        try removeMountPoint(layout)
        try removeDeviceLink(layout)
        try LoopFiles.unlinkIfExists(resizeMarker(layout))
        try LoopFiles.unlinkIfExists(layout.image)
        try LoopFiles.unlinkIfExists(layout.partialImage)
        if try LoopFiles.statIfExists(parameters.imageDir) != nil {
            try LoopFiles.syncDirectory(parameters.imageDir)
        }
        logger.info("deleted", metadata: ["pvd.pv": "\(name)"])
    }

    /// Unmounts the mount point until nothing is mounted there (mounts can be stacked).
    func unmountAll(_ layout: LoopLayout) throws(DriverError) {
        for _ in 0..<8 {
            guard try mounter.mountedSource(at: layout.mountPoint) != nil else { return }
            try mounter.unmount(target: layout.mountPoint)
        }
        if let still = try mounter.mountedSource(at: layout.mountPoint) {
            throw DriverError(.busy, "\(layout.mountPoint) still has \(still.source) mounted after 8 unmounts")
        }
    }

    /// Detaches every device backing the image, then waits for the kernel to let them go: it
    /// defers a detach to the last close while something holds a device open (an autoclear
    /// device still in use, a Block volume a process has open). Fails `.busy`, keeping the
    /// image, when they outlast `detachWait`.
    func detachAll(_ layout: LoopLayout) async throws(DriverError) {
        var devices = try loops.devices(backing: layout.image)
        guard !devices.isEmpty else { return }
        for device in devices { _ = try loops.detach(device, ifBacking: layout.image) }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: detachWait)
        while true {
            devices = try loops.devices(backing: layout.image)
            if devices.isEmpty { return }
            if clock.now >= deadline || Task.isCancelled {
                throw DriverError(
                    .busy,
                    "\(devices.map(\.path).joined(separator: ", ")) still attached to \(layout.image): something holds it open (a bind mount of the volume, a process using the Block device)"
                )
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Removes the mount directory if empty; a symlink found in its place (never made by pvd,
    /// refused by provision) is removed itself, not followed.
    func removeMountPoint(_ layout: LoopLayout) throws(DriverError) {
        if let st = try LoopFiles.lstatIfExists(layout.mountPoint), LoopFiles.isSymlink(st) {
            try LoopFiles.unlinkIfExists(layout.mountPoint)
            return
        }
        try LoopFiles.removeDirectoryIfExists(layout.mountPoint)
    }

    /// Removes the Block volume's link (and a half-made one), refusing anything there that is not a symlink.
    func removeDeviceLink(_ layout: LoopLayout) throws(DriverError) {
        for path in [layout.deviceLink, layout.deviceLinkPartial] {
            guard let st = try LoopFiles.lstatIfExists(path) else { continue }
            guard LoopFiles.isSymlink(st) else {
                throw DriverError(.refused, "\(path) is not a symlink; pvd does not remove it")
            }
            try LoopFiles.unlinkIfExists(path)
        }
    }
}
