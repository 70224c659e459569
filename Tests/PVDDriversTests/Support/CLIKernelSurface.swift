import Foundation
import PVDDrivers

// Minimal real implementations of the kernel-surface protocols for the loop tests, through the
// command-line tools (mount, umount, blkid, mkfs.<type>). The daemon's own, on libmount and
// libblkid, live in PVDDrivers; these only have to be correct, not fast.

/// Mounts with /usr/bin/mount and reads /proc/self/mountinfo.
struct CLIMounter: Mounter {
    func mount(source: String, target: String, fsType: String?, options: [String]) throws(DriverError) {
        var arguments: [String] = []
        if let fsType { arguments += ["-t", fsType] }
        if !options.isEmpty { arguments += ["-o", options.joined(separator: ",")] }
        try run("mount", arguments + [source, target])
    }

    func unmount(target: String) throws(DriverError) {
        guard try mountedSource(at: target) != nil else { return }
        try run("umount", [target])
    }

    func mountedSource(at target: String) throws(DriverError) -> MountInfo? {
        CLIMountTable.read().last { $0.target == target }
    }

    private func run(_ tool: String, _ arguments: [String]) throws(DriverError) {
        do {
            let result = try Shell.run(tool, arguments)
            if result.status != 0 {
                throw DriverError(.system, "\(tool) \(arguments.joined(separator: " ")): exit \(result.status): \(result.output)")
            }
        } catch let error as DriverError {
            throw error
        } catch {
            throw DriverError(.system, "\(tool): \(error)")
        }
    }
}

/// /proc/self/mountinfo, parsed.
enum CLIMountTable {
    static func read() -> [MountInfo] {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ").map(String.init)
            guard let dash = fields.firstIndex(of: "-"), dash >= 6, fields.count >= dash + 3 else { return nil }
            return MountInfo(
                source: unescape(fields[dash + 2]), target: unescape(fields[4]), fsType: fields[dash + 1],
                options: fields[5].split(separator: ",").map(String.init))
        }
    }

    /// mountinfo writes space, tab, newline and backslash as octal escapes.
    static func unescape(_ field: String) -> String {
        field.replacingOccurrences(of: "\\040", with: " ").replacingOccurrences(of: "\\011", with: "\t")
            .replacingOccurrences(of: "\\012", with: "\n").replacingOccurrences(of: "\\134", with: "\\")
    }
}

/// `blkid -p -o value -s TYPE`: exit 2 means nothing found.
struct BlkidProbe: FilesystemProbe {
    func probe(_ path: String) throws(DriverError) -> String? {
        let result: Shell.Result
        do { result = try Shell.run("blkid", ["-p", "-o", "value", "-s", "TYPE", path]) } catch {
            throw DriverError(.system, "blkid \(path): \(error)")
        }
        if result.status == 2 { return nil }
        guard result.status == 0 else { throw DriverError(.system, "blkid \(path): exit \(result.status): \(result.output)") }
        let type = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return type.isEmpty ? nil : type
    }
}

/// `mkfs.<type> -q`, and the grow tools.
struct MkfsTools: FilesystemTools {
    func makeFilesystem(type: String, device: String, options: [String]) async throws(DriverError) {
        try run("mkfs.\(type)", ["-q"] + options + [device])
    }

    func growFilesystem(type: String, device: String, mountPoint: String) async throws(DriverError) {
        switch type {
        case "xfs": try run("xfs_growfs", [mountPoint])
        case "btrfs": try run("btrfs", ["filesystem", "resize", "max", mountPoint])
        default: try run("resize2fs", [device])
        }
    }

    func supportedTypes() -> [String] {
        ["ext4", "xfs", "btrfs"].filter { Shell.has("mkfs.\($0)") }
    }

    private func run(_ tool: String, _ arguments: [String]) throws(DriverError) {
        do {
            let result = try Shell.run(tool, arguments)
            if result.status != 0 {
                throw DriverError(.system, "\(tool) \(arguments.joined(separator: " ")): exit \(result.status): \(result.output)")
            }
        } catch let error as DriverError {
            throw error
        } catch {
            throw DriverError(.system, "\(tool): \(error)")
        }
    }
}

/// FilesystemTools for tests that never format: a fixed list of supported types.
struct FixedTools: FilesystemTools {
    var types: [String]
    func makeFilesystem(type: String, device: String, options: [String]) async throws(DriverError) {
        throw DriverError(.unsupported, "FixedTools does not make filesystems")
    }
    func growFilesystem(type: String, device: String, mountPoint: String) async throws(DriverError) {
        throw DriverError(.unsupported, "FixedTools does not grow filesystems")
    }
    func supportedTypes() -> [String] { types }
}
