import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A directory of the test's own (mkdtemp under /tmp), removed with everything in it at the end.
final class Scratch {
    let path: String

    init() throws {
        var template = Array("/tmp/pvd-hostpath-test.XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap(mkdtemp) }) else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        path = String(cString: made)
    }

    deinit {
        // Only this test's own directory; a mount left inside would make rm fail, not cross it.
        _ = try? run("/bin/rm", "-rf", "--one-file-system", path)
    }
}

struct CommandFailed: Error, CustomStringConvertible {
    var description: String
}

/// Runs a program and returns its standard output; a non-zero exit throws with its stderr.
@discardableResult
func run(_ program: String, _ arguments: String...) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let output = out.fileHandleForReading.readDataToEndOfFile()
    let errors = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        let text = String(decoding: errors, as: UTF8.self)
        throw CommandFailed(description: "\(program) \(arguments.joined(separator: " ")): exit \(process.terminationStatus): \(text)")
    }
    return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// A small filesystem made for one test: an image file in the test's scratch directory on a
/// loop device of its own (`losetup --find --show`), mounted on a directory of its own.
/// `tearDown` unmounts that mount point and detaches that device, by their exact names.
final class LoopFilesystem {
    let scratch: Scratch
    let mountPoint: String
    private(set) var device: String?
    private(set) var mounted = false

    /// - Parameters:
    ///   - type: "xfs" or "ext4".
    ///   - options: mount options ("prjquota"), or none.
    init(type: String, options: String?, sizeMiB: Int = 300) throws {
        scratch = try Scratch()
        mountPoint = scratch.path + "/mnt"
        let image = scratch.path + "/fs.img"
        try run("/usr/bin/truncate", "-s", "\(sizeMiB)M", image)
        if type == "xfs" {
            try run("/usr/sbin/mkfs.xfs", "-q", image)
        } else {
            try run("/usr/sbin/mkfs.ext4", "-q", "-O", "quota,project", image)
        }
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: false)
        let dev = try run("/usr/sbin/losetup", "--find", "--show", image)
        device = dev
        do {
            if let options {
                try run("/usr/bin/mount", "-t", type, "-o", options, dev, mountPoint)
            } else {
                try run("/usr/bin/mount", "-t", type, dev, mountPoint)
            }
            mounted = true
        } catch {
            tearDown()
            throw error
        }
    }

    func tearDown() {
        if mounted {
            _ = try? run("/usr/bin/umount", mountPoint)
            mounted = false
        }
        if let dev = device {
            _ = try? run("/usr/sbin/losetup", "-d", dev)
            device = nil
        }
    }

    deinit { tearDown() }

    /// Whether this kernel mounts `type` with project quotas: tried once on a throwaway image.
    static func supportsProjectQuota(_ type: String) -> Bool {
        guard geteuid() == 0, let fs = try? LoopFilesystem(type: type, options: "prjquota") else { return false }
        fs.tearDown()
        return true
    }
    static let xfsProjectQuota = supportsProjectQuota("xfs")
    static let ext4ProjectQuota = supportsProjectQuota("ext4")
}

/// Writes `mib` MiB of zeros to a new file at `path` in 1 MiB writes; returns the errno of the
/// first failed write (or of fsync), or 0.
func writeMiB(_ path: String, _ mib: Int) -> Int32 {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { return errno }
    defer { _ = close(fd) }
    let chunk = [UInt8](repeating: 0xAB, count: 1 << 20)
    for _ in 0..<mib {
        let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 { return errno }
        if n < chunk.count { return ENOSPC }
    }
    return fsync(fd) == 0 ? 0 : errno
}
