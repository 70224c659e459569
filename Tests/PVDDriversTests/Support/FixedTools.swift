import Foundation
import PVDDrivers

// Test-side helpers for the loop tests: a FilesystemTools that never formats. (Mounts are read
// with PVDDrivers.MountTable, which parses /proc/self/mountinfo itself, not through libmount.)

/// FilesystemTools for tests that never format: a fixed list of supported types.
struct FixedTools: FilesystemTools {
    var types: [String]
    func makeFilesystem(type: String, device: String, options: [String]) async throws(DriverError) {
        throw DriverError(.unsupported, "FixedTools does not make filesystems")
    }
    func growFilesystem(type: String, device: String, mountPoint: String) async throws(DriverError) {
        throw DriverError(.unsupported, "FixedTools does not grow filesystems")
    }
    func growUnmountedFilesystem(type: String, device: String) async throws(DriverError) {
        throw DriverError(.unsupported, "FixedTools does not grow filesystems")
    }
    func supportedTypes() -> [String] { types }
}
