import Foundation
import PVDDrivers

// Test-side helpers for the loop tests: an independent reader of /proc/self/mountinfo (so the
// tests check the kernel's view, not the mounter's own), and a FilesystemTools that never formats.

/// /proc/self/mountinfo, parsed.
enum CLIMountTable {
    static func read() -> [MountInfo] {
        // Read to the end: String(contentsOfFile:) stops at the first 4 KiB of a procfs file.
        guard let data = FileHandle(forReadingAtPath: "/proc/self/mountinfo")?.readDataToEndOfFile() else { return [] }
        let text = String(decoding: data, as: UTF8.self)
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
