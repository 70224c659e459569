#if canImport(Glibc)
import Glibc
#endif
import Logging
import PVDModel
import SystemPackage

/// Expansion of loop volumes: the image grows (ftruncate, or posix_fallocate for preallocated
/// classes), the attached device is told (LOOP_SET_CAPACITY), and the mounted filesystem grows
/// to fill it (resize2fs, xfs_growfs, btrfs filesystem resize max). Block volumes stop after the
/// device. Every step looks first, so expanding again after a crash finishes the work.
///
/// ext4's online resize needs CAP_SYS_RESOURCE. A process without it (some containers and
/// sandboxes) grows ext4 offline instead, and only when nothing else uses the volume: it holds
/// the device, unmounts (a busy mount refuses, and nothing is changed), runs `e2fsck -f -y` and
/// `resize2fs`, and mounts it again at the same path with the same options.
extension LoopDriver {
    public func expand(
        name: String, parameters: [String: String], volumeMode: VolumeMode, newCapacityBytes: Int64
    ) async throws(DriverError) -> Int64 {
        try LoopLayout.checkName(name)
        let params = try LoopParameters.require(parameters, root: root)
        let size = try Self.imageSize(for: newCapacityBytes, volumeMode: volumeMode, fsType: params.fsType)
        return try await lock.withLock { () async throws(DriverError) -> Int64 in
            try await expandLocked(LoopLayout(root: root, imageDir: params.imageDir, name: name), size: size, volumeMode: volumeMode, parameters: params)
        }
    }

    private func expandLocked(
        _ layout: LoopLayout, size: Int64, volumeMode: VolumeMode, parameters: LoopParameters
    ) async throws(DriverError) -> Int64 {
        guard let st = try LoopFiles.lstatIfExists(layout.image), LoopFiles.isRegular(st) else {
            throw DriverError(.notFound, "volume \(layout.name): image \(layout.image) is missing")
        }
        let current = Int64(st.st_size)
        // Never shrink: a request below the image (rounding, an expansion taken back) keeps it.
        let target = max(size, current)
        if target > current {
            try checkSpace(layout, size: target - current, parameters: parameters)
            try growImage(layout, to: target, parameters: parameters)
            logger.info("image grown", metadata: ["pvd.pv": "\(layout.name)", "pvd.bytes": "\(target)"])
        }
        if volumeMode == .block {
            for device in try loops.devices(backing: layout.image) { try loops.refreshCapacity(device) }
            return target
        }
        guard let mounted = try mounter.mountedSource(at: layout.mountPoint), let device = try mountedDevice(layout) else {
            throw DriverError(
                .notFound, "volume \(layout.name) is not mounted at \(layout.mountPoint); its filesystem grows once it is mounted again")
        }
        try loops.refreshCapacity(device)
        do {
            try await tools.growFilesystem(type: mounted.fsType, device: device.path, mountPoint: layout.mountPoint)
        } catch {
            // Only the missing capability sends ext4 offline; any other failure is the answer.
            guard error.code == .unsupported, error.errno == EPERM, Self.extTypes.contains(mounted.fsType) else { throw error }
            try await growOffline(layout, device: device, mounted: mounted)
        }
        logger.info("filesystem grown", metadata: ["pvd.pv": "\(layout.name)", "pvd.fsType": "\(mounted.fsType)", "pvd.bytes": "\(target)"])
        return target
    }

    static let extTypes: Set<String> = ["ext2", "ext3", "ext4"]

    /// Gives the image its new size (`setSize`).
    func growImage(_ layout: LoopLayout, to size: Int64, parameters: LoopParameters) throws(DriverError) {
        let fd = try LoopFiles.open(layout.image, .writeOnly, options: [.noFollow, .closeOnExec])
        defer { try? fd.close() }
        try Self.setSize(fd, path: layout.image, size: size, allocation: parameters.allocation)
    }

    /// Grows an ext filesystem that this process may not grow while mounted: only when the
    /// volume's own mount is its only one, and the unmount succeeds (nothing has a file open
    /// there). The device is held open throughout, so its autoclear does not detach it when
    /// the mount lets go, and it is mounted again whatever the check or the resize said.
    func growOffline(_ layout: LoopLayout, device: LoopDevice, mounted: MountInfo) async throws(DriverError) {
        let elsewhere = try MountTable.entries().filter { $0.source == device.path && $0.mountPoint != layout.mountPoint }
        if !elsewhere.isEmpty {
            var error = DriverError(
                .busy,
                "volume \(layout.name): growing a mounted \(mounted.fsType) needs CAP_SYS_RESOURCE, which this process does not have, and \(device.path) is in use at \(elsewhere.map(\.mountPoint).joined(separator: ", ")); it grows once nothing else mounts it",
                errno: EPERM)
            error.filesystemResizePending = true
            throw error
        }
        // The options the kernel lists for the mount, as given to it (libmount adds "seclabel"
        // on SELinux systems, which is no mount option).
        let options = mounted.options.filter { $0 != "seclabel" }
        try await holding(device, of: layout) { () async throws(DriverError) in
            // Durable before the unmount: a crash from here on leaves the note for the next
            // mount of this image (recovery), which checks and grows it before mounting.
            try setResizeMarker(layout)
            do throws(DriverError) {
                try mounter.unmount(target: layout.mountPoint)
            } catch {
                // Still mounted, nothing changed: the note would only send the next mount
                // through a needless check.
                try? clearResizeMarker(layout)
                if error.code == .busy {
                    var busy = DriverError(
                        .busy,
                        "volume \(layout.name): growing a mounted \(mounted.fsType) needs CAP_SYS_RESOURCE, which this process does not have, and \(layout.mountPoint) is busy (a file is open there); it grows once nothing uses it",
                        errno: EBUSY)
                    busy.filesystemResizePending = true
                    throw busy
                }
                throw error
            }
            logger.notice("growing ext filesystem offline", metadata: ["pvd.pv": "\(layout.name)", "pvd.device": "\(device)"])
            var failure: DriverError?
            do throws(DriverError) {
                try await Self.waitUntilUnheld(device.path, volume: layout.name)
                try await tools.growUnmountedFilesystem(type: mounted.fsType, device: device.path)
            } catch {
                failure = error
            }
            do throws(DriverError) {
                try mounter.mount(source: device.path, target: layout.mountPoint, fsType: mounted.fsType, options: options)
            } catch {
                let first = failure.map { "\($0.message); then " } ?? ""
                throw DriverError(error.code, "volume \(layout.name): \(first)mounting it again failed: \(error.message)", errno: error.errno)
            }
            // A failed check or resize keeps the note: the filesystem may be half-grown, and the
            // next try (offline again) or the next mount after a crash checks it first.
            if let failure { throw failure }
            try clearResizeMarker(layout)
        }
    }

    /// Waits, a few seconds at most, until nothing holds the device's filesystem: the open
    /// with O_EXCL that e2fsck makes fails while the filesystem is mounted anywhere. Our
    /// unmount removed our mount, but a mount namespace made meanwhile (a container starting,
    /// `unshare`) holds a copy of it until that namespace lets it go. Still held at the end:
    /// a busy error the caller's next try (the claim keeps its larger request) gets past.
    static func waitUntilUnheld(_ device: String, volume: String, limit: Duration = .seconds(5)) async throws(DriverError) {
        let deadline = ContinuousClock.now + limit
        while true {
            let fd = open(device, O_RDONLY | O_EXCL | O_CLOEXEC)
            if fd >= 0 {
                close(fd)
                return
            }
            let e = errno
            guard e == EBUSY || e == EINTR else { return }  // e2fsck reports any other problem itself
            guard ContinuousClock.now < deadline else {
                var busy = DriverError(
                    .busy,
                    "volume \(volume): \(device) is still held after its unmount (mounted in another mount namespace); it grows on a later try",
                    errno: EBUSY)
                busy.filesystemResizePending = true
                throw busy
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}
