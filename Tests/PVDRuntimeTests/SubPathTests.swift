import CLinux
import Foundation
import PVDRuntime
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// subPath resolution inside its volume with openat2: `..` and symlinks out are refused.
struct SubPathTests {
    let dir: String
    let volume: String

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-subpath-\(UUID().uuidString)").path
        volume = dir + "/volume"
        try FileManager.default.createDirectory(atPath: volume + "/inside/deeper", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/outside", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: volume + "/up", withDestinationPath: "../outside")
        try FileManager.default.createSymbolicLink(atPath: volume + "/abs", withDestinationPath: dir + "/outside")
        try FileManager.default.createSymbolicLink(atPath: volume + "/ok", withDestinationPath: "inside")
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: dir) }

    func resolved(_ fd: Int32) -> String {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/fd/\(fd)", &buf, buf.count - 1)
        return n > 0 ? String(decoding: buf[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
    }

    @Test(arguments: ["../outside", "up", "abs", "inside/../../outside", "up/x"])
    func escapesAreRefused(sub: String) {
        defer { cleanup() }
        #expect(throws: RuntimeError.self) { _ = try SubPath.open(sub, in: volume) }
        #expect(!FileManager.default.fileExists(atPath: dir + "/outside/x"))
    }

    @Test(arguments: [("inside/deeper", "/inside/deeper"), ("ok", "/inside"), ("new/dir", "/new/dir")])
    func insideIsOpened(sub: String, expected: String) throws {
        defer { cleanup() }
        let fd = try SubPath.open(sub, in: volume)
        defer { close(fd) }
        #expect(resolved(fd) == volume + expected)
        #expect(SubPath.isDirectory(fd))
    }
}
