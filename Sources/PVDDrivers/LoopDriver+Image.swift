#if canImport(Glibc)
import Glibc
#endif
import Logging
import PVDModel
import SystemPackage

/// The image file: its size, the space check, and making it.
extension LoopDriver {
    static let mebibyte: Int64 = 1 << 20

    /// The smallest filesystem mkfs makes of each type (xfsprogs 5.19 refuses < 300 MiB,
    /// btrfs-progs 6 < 109 MiB; 128 MiB leaves room for other versions).
    static func minimumBytes(fsType: String) -> Int64 {
        switch fsType {
        case "xfs": 300 * mebibyte
        case "btrfs": 128 * mebibyte
        default: mebibyte
        }
    }

    /// The image size for a request: rounded up to a whole MiB (the loop device and every
    /// filesystem here work in blocks that divide it), and for Filesystem volumes to the
    /// filesystem's minimum.
    static func imageSize(for request: Int64, volumeMode: VolumeMode, fsType: String) throws(DriverError) -> Int64 {
        guard request > 0 else { throw DriverError(.invalid, "requested capacity \(request) bytes must be positive") }
        let (padded, overflow) = request.addingReportingOverflow(mebibyte - 1)
        guard !overflow else { throw DriverError(.invalid, "requested capacity \(request) bytes is too large") }
        let size = padded / mebibyte * mebibyte
        return volumeMode == .filesystem ? max(size, minimumBytes(fsType: fsType)) : size
    }

    /// The image at its full size: an existing one as large or larger is reused as it is (its
    /// size is the volume's capacity); a missing one is made after the space check.
    func ensureImage(_ layout: LoopLayout, size: Int64, parameters: LoopParameters) throws(DriverError) -> Int64 {
        try LoopFiles.makeDirectories(parameters.imageDir, mode: 0o700)
        if let st = try LoopFiles.lstatIfExists(layout.image) {
            guard LoopFiles.isRegular(st) else {
                throw DriverError(.refused, "\(layout.image) exists and is not a regular file; pvd does not use it")
            }
            let existing = Int64(st.st_size)
            guard existing >= size else {
                throw DriverError(
                    .refused, "image \(layout.image) is \(Self.describe(existing)), smaller than the \(Self.describe(size)) asked for; provisioning does not grow an image")
            }
            return existing
        }
        try checkSpace(layout, size: size, parameters: parameters)
        try createImage(layout, size: size, parameters: parameters)
        logger.debug("made image", metadata: ["pvd.pv": "\(layout.name)", "pvd.image": "\(layout.image)", "pvd.bytes": "\(size)"])
        return size
    }

    /// Refuses a volume the image directory's filesystem cannot hold. Sparse images take their
    /// blocks only as they are written, so unless the class allows overcommit, the part of every
    /// other sparse image not yet written counts as promised away. A preallocated image is always
    /// checked (it takes its blocks now).
    func checkSpace(_ layout: LoopLayout, size: Int64, parameters: LoopParameters) throws(DriverError) {
        if parameters.allocation == .sparse && parameters.overcommit { return }
        let available = try LoopFiles.availableBytes(parameters.imageDir)
        let promised = try promisedBytes(in: parameters.imageDir, except: layout)
        let free = available - min(promised, available)
        guard size > free else { return }
        var message = "volume \(layout.name) needs \(Self.describe(size)) but \(parameters.imageDir) has \(Self.describe(available)) available"
        if promised > 0 { message += ", \(Self.describe(promised)) of it promised to other sparse images" }
        if parameters.allocation == .sparse { message += " (set parameter overcommit \"true\" to allow sparse images more than that)" }
        throw DriverError(.noSpace, message)
    }

    /// The bytes other images in `directory` may still take: apparent size minus what is allocated.
    func promisedBytes(in directory: String, except layout: LoopLayout) throws(DriverError) -> Int64 {
        var total: Int64 = 0
        for name in try LoopFiles.entries(of: directory) ?? [] {
            let isImage = name.hasPrefix("pvc-") && name.hasSuffix(LoopLayout.imageSuffix)
            let isPartial = name.hasPrefix(".pvc-") && name.hasSuffix(".img.partial")
            guard isImage || isPartial else { continue }
            let path = LoopLayout.join(directory, name)
            guard path != layout.image, path != layout.partialImage else { continue }
            guard let st = try LoopFiles.lstatIfExists(path), LoopFiles.isRegular(st) else { continue }
            let unwritten = Int64(st.st_size) - Int64(st.st_blocks) * 512
            if unwritten > 0 { total = total.addingReportingOverflow(unwritten).overflow ? Int64.max : total + unwritten }
        }
        return total
    }

    /// Makes the image under its partial name, gives it its full size (ftruncate or
    /// posix_fallocate), and only then links it under the real name, so a process killed at any
    /// point never leaves a short image under the real name. `link` rather than `rename`: it
    /// fails instead of replacing an image that appeared meanwhile.
    ///
    /// No fsync: the size and the link are metadata that ext4 and xfs journal in order, mkfs
    /// syncs what it writes, and an image that came back short after a power loss is refused by
    /// `ensureImage`, never used. Two journal commits per volume were a third of its cost.
    func createImage(_ layout: LoopLayout, size: Int64, parameters: LoopParameters) throws(DriverError) {
        try LoopFiles.unlinkIfExists(layout.partialImage)  // a crashed try's
        let fd = try LoopFiles.open(
            layout.partialImage, .writeOnly, options: [.create, .exclusiveCreate, .noFollow, .closeOnExec],
            permissions: [.ownerReadWrite])
        var done = false
        defer {
            try? fd.close()
            if !done { try? LoopFiles.unlinkIfExists(layout.partialImage) }
        }
        try Self.setSize(fd, path: layout.partialImage, size: size, allocation: parameters.allocation)
        if link(layout.partialImage, layout.image) != 0 {
            let e = errno
            if e == EEXIST { throw DriverError(.busy, "image \(layout.image) appeared while pvd was making it; provision again", errno: e) }
            throw .system("link \(layout.partialImage) to", layout.image, errno: e)
        }
        done = true
        try LoopFiles.unlinkIfExists(layout.partialImage)
    }

    /// Gives an image file `size` bytes: ftruncate for sparse images, posix_fallocate of the
    /// whole file for preallocated ones (which also fills any hole punched in it since).
    static func setSize(_ fd: FileDescriptor, path: String, size: Int64, allocation: LoopParameters.Allocation) throws(DriverError) {
        switch allocation {
        case .sparse:
            if ftruncate(fd.rawValue, off_t(size)) != 0 { throw sizeError("ftruncate", path, size: size, errno: errno) }
        case .preallocate:
            let e = posix_fallocate(fd.rawValue, 0, off_t(size))
            if e != 0 { throw sizeError("posix_fallocate", path, size: size, errno: e) }
        }
    }

    /// Allocates every block of a preallocated image again (posix_fallocate over the whole file,
    /// which keeps what is written). mkfs discards the device it formats, and a loop device
    /// passes a discard to its file as a punched hole, so a freshly formatted image would
    /// otherwise be sparse again.
    func ensureAllocated(_ layout: LoopLayout, parameters: LoopParameters) throws(DriverError) {
        guard parameters.allocation == .preallocate else { return }
        let fd = try LoopFiles.open(layout.image, .writeOnly, options: [.noFollow, .closeOnExec])
        defer { try? fd.close() }
        var st = stat()
        if fstat(fd.rawValue, &st) != 0 { throw .system("fstat", layout.image, errno: errno) }
        let e = posix_fallocate(fd.rawValue, 0, st.st_size)
        if e != 0 { throw Self.sizeError("posix_fallocate", layout.image, size: Int64(st.st_size), errno: e) }
    }

    /// ENOSPC and EFBIG (larger than the filesystem allows a file to be) are both "no space".
    static func sizeError(_ what: String, _ path: String, size: Int64, errno e: Int32) -> DriverError {
        if e == EFBIG || e == ENOSPC {
            return DriverError(.noSpace, "\(what) \(path) to \(describe(size)): \(String(cString: strerror(e))) (errno \(e))", errno: e)
        }
        return .system("\(what) to \(size) bytes", path, errno: e)
    }

    /// "1073741824 bytes (1 GiB)".
    static func describe(_ bytes: Int64) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(bytes)
        var unit = ""
        for u in units where value >= 1024 {
            value /= 1024
            unit = u
        }
        if unit.isEmpty { return "\(bytes) bytes" }
        let rounded = (value * 10).rounded() / 10
        let text = rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
        return "\(bytes) bytes (\(text) \(unit))"
    }
}
