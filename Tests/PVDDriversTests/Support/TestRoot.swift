import CLinux
import Foundation
import PVDDrivers

/// A temporary directory of one test (mkdtemp), and the cleanup that undoes exactly what the
/// test made under it: mounts whose mount point is inside it, then loop devices whose backing
/// file is inside it (the kernel names the file in /sys/block/loopN/loop/backing_file, so a
/// device whose number was reused by someone else is never touched), then the directory.
struct TestRoot: Sendable {
    let path: String

    init(_ label: String = "pvd-loop-test") throws {
        var template = Array("/tmp/\(label).XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        path = String(cString: made)
    }

    func sub(_ name: String) -> String { path + "/" + name }

    /// Mount points inside this root, deepest first.
    func mountsInside() -> [String] {
        ((try? PVDDrivers.MountTable.entries()) ?? []).map(\.mountPoint).filter { $0.hasPrefix(path + "/") }.sorted { $0.count > $1.count }
    }

    /// Loop devices (by number) whose backing file is inside this root, deleted or not.
    func devicesInside() -> [LoopDevice] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/block")) ?? []
        return names.compactMap { name -> LoopDevice? in
            guard name.hasPrefix("loop"), let number = Int(name.dropFirst(4)) else { return nil }
            let device = LoopDevice(number: number)
            return isInside(device) ? device : nil
        }.sorted { $0.number < $1.number }
    }

    /// Whether the kernel names a file inside this root as the device's backing file.
    func isInside(_ device: LoopDevice) -> Bool {
        guard var file = try? String(contentsOfFile: "/sys/block/loop\(device.number)/loop/backing_file", encoding: .utf8) else {
            return false
        }
        file = file.trimmingCharacters(in: .newlines)
        if file.hasSuffix(" (deleted)") { file.removeLast(" (deleted)".count) }
        return file.hasPrefix(path + "/")
    }

    /// LOOP_CLR_FD on a device of this root, checked again while a descriptor of ours holds
    /// it: then the kernel cannot hand the number to someone else between check and clear.
    func detachIfInside(_ device: LoopDevice) {
        let fd = open(device.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        if isInside(device) { _ = pvd_loop_clear(fd) }
    }

    /// Undoes everything this test left under its root. Safe to call more than once.
    func cleanup() {
        for target in mountsInside() {
            _ = try? Shell.run("umount", [target])
        }
        for _ in 0..<50 {
            let left = devicesInside()
            if left.isEmpty { break }
            for device in left { detachIfInside(device) }
            usleep(20_000)
        }
        // Never remove a tree that still has a mount in it.
        if mountsInside().isEmpty {
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}

/// The devices still backing `image` after waiting up to a second for them to go: a device
/// clears at its last close, and a concurrent attach or scan may hold it a moment longer.
func devicesAfterRelease(backing image: String) throws -> [LoopDevice] {
    var left = try LinuxLoopDevices().devices(backing: image)
    for _ in 0..<50 where !left.isEmpty {
        usleep(20_000)
        left = try LinuxLoopDevices().devices(backing: image)
    }
    return left
}

/// Size of a file or block device, by seeking to its end.
func sizeOf(_ path: String) throws -> Int64 {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    defer { close(fd) }
    return Int64(lseek(fd, 0, SEEK_END))
}

/// A sparse file of `size` bytes.
func makeSparseFile(_ path: String, size: Int64) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    defer { close(fd) }
    guard ftruncate(fd, off_t(size)) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
}

/// The filesystem UUID on a device or image, to tell whether it was formatted again.
func filesystemUUID(_ path: String) throws -> String {
    try Shell.run("blkid", ["-p", "-o", "value", "-s", "UUID", path]).output.trimmingCharacters(in: .whitespacesAndNewlines)
}

let isRoot = geteuid() == 0
let rootOnly = "needs root: attaches loop devices and mounts filesystems"
let mebibyte: Int64 = 1 << 20
