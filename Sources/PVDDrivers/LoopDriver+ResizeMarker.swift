#if canImport(Glibc)
import Glibc
#endif
import Logging
import SystemPackage

/// The durable note that an offline ext grow is under way: `<imageDir>/.pvc-<uid>.img.resizing`.
/// It is made (and fsynced with its directory) before the volume is unmounted and removed only
/// after it is mounted again. A crash in between (pvd killed during resize2fs: its descriptor
/// closes, autoclear detaches the device) leaves the image unmounted with the note beside it,
/// and whoever mounts that image next checks it (`e2fsck -f -y`) and finishes the resize first,
/// instead of mounting a half-resized filesystem read-write.
extension LoopDriver {
    static let resizeMarkerSuffix = ".resizing"

    func resizeMarker(_ layout: LoopLayout) -> String {
        LoopLayout.join(Self.directory(of: layout.image), ".\(layout.name)\(LoopLayout.imageSuffix)\(Self.resizeMarkerSuffix)")
    }

    func hasResizeMarker(_ layout: LoopLayout) throws(DriverError) -> Bool {
        try LoopFiles.lstatIfExists(resizeMarker(layout)) != nil
    }

    /// Makes the note and makes it durable: the file's own fsync, then its directory's.
    func setResizeMarker(_ layout: LoopLayout) throws(DriverError) {
        let path = resizeMarker(layout)
        let fd = try LoopFiles.open(path, .writeOnly, options: [.create, .noFollow, .closeOnExec], permissions: [.ownerReadWrite])
        defer { try? fd.close() }
        if fsync(fd.rawValue) != 0 { throw .system("fsync", path, errno: errno) }
        try LoopFiles.syncDirectory(Self.directory(of: layout.image))
    }

    /// Removes the note (once the filesystem is checked, grown and mounted again), durably.
    func clearResizeMarker(_ layout: LoopLayout) throws(DriverError) {
        let path = resizeMarker(layout)
        guard try LoopFiles.lstatIfExists(path) != nil else { return }
        try LoopFiles.unlinkIfExists(path)
        try LoopFiles.syncDirectory(Self.directory(of: layout.image))
    }

    /// Checks and grows the unmounted ext filesystem on `device` when the note says an offline
    /// grow was cut short; nothing otherwise. The device must already have the image's size
    /// (a fresh attach has it; an attached one is told with LOOP_SET_CAPACITY first).
    func finishInterruptedResize(_ layout: LoopLayout, device: LoopDevice, fsType: String) async throws(DriverError) {
        guard try hasResizeMarker(layout) else { return }
        guard Self.extTypes.contains(fsType) else {
            // Only ext grows offline; a note beside anything else is stale.
            try clearResizeMarker(layout)
            return
        }
        logger.notice("finishing an interrupted offline resize", metadata: ["pvd.pv": "\(layout.name)", "pvd.device": "\(device)"])
        try loops.refreshCapacity(device)
        try await tools.growUnmountedFilesystem(type: fsType, device: device.path)
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
