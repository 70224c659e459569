#if canImport(Glibc)
import Glibc
#endif
@testable import PVDDrivers

/// Scratch space for the mount, probe and mkfs tests: temp dirs from mkdtemp, image files,
/// loop devices from `losetup --find --show` (detached by exactly that name), and a small
/// synchronous command runner so cleanup can run in `defer`.
enum MountFixture {
    static var isRoot: Bool { geteuid() == 0 }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// A fresh directory under /tmp.
    static func makeTempDir() throws -> String {
        var template = Array("/tmp/pvd-mount-test.XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return false }
            return mkdtemp(base) != nil
        }
        guard made else { throw Failure(description: "mkdtemp: errno \(errno)") }
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Removes a temp dir made by `makeTempDir`, never crossing into a mount under it.
    static func removeTempDir(_ dir: String) {
        guard dir.hasPrefix("/tmp/pvd-mount-test.") else { return }
        _ = try? run("rm", ["-rf", "--one-file-system", dir])
    }

    /// A sparse file of `size` bytes (all zeroes), or an existing file resized to `size`.
    @discardableResult
    static func makeImage(_ path: String, size: Int64) throws -> String {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(description: "open \(path): errno \(errno)") }
        defer { close(fd) }
        guard ftruncate(fd, off_t(size)) == 0 else { throw Failure(description: "ftruncate \(path): errno \(errno)") }
        return path
    }

    /// Writes `bytes` at `offset` into a file.
    static func write(_ bytes: [UInt8], to path: String, at offset: Int64) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(description: "open \(path): errno \(errno)") }
        defer { close(fd) }
        let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
        guard n == bytes.count else { throw Failure(description: "pwrite \(path): errno \(errno)") }
    }

    /// Reads `count` bytes at `offset` from a file.
    static func read(_ path: String, at offset: Int64, count: Int) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(description: "open \(path): errno \(errno)") }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: count)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
        guard n == count else { throw Failure(description: "pread \(path): errno \(errno)") }
        return bytes
    }

    /// Attaches `image` to a free loop device and returns its name ("/dev/loop5").
    static func attach(_ image: String) throws -> String {
        let printed = try run("losetup", ["--find", "--show", image]).stdout
        let device = printed.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        guard device.hasPrefix("/dev/loop") else { throw Failure(description: "losetup printed \"\(printed)\"") }
        return device
    }

    /// Detaches exactly the device `attach` returned.
    static func detach(_ device: String) {
        guard device.hasPrefix("/dev/loop") else { return }
        _ = try? run("losetup", ["-d", device])
    }

    /// The size of the filesystem mounted at `path`, in bytes (statvfs).
    static func filesystemBytes(_ path: String) throws -> Int64 {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { throw Failure(description: "statvfs \(path): errno \(errno)") }
        return Int64(info.f_blocks) * Int64(info.f_frsize)
    }

    /// Runs a command to completion and returns its output; throws on a non-zero exit. Output
    /// is read to the end before waiting, stdout first, so it is meant for tools that print little.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> (stdout: String, stderr: String) {
        guard let executable = ToolInvocation.locate(tool) else { throw Failure(description: "\(tool) not found") }
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard pipe(&outPipe) == 0 else { throw Failure(description: "pipe: errno \(errno)") }
        guard pipe(&errPipe) == 0 else {
            close(outPipe[0]); close(outPipe[1])
            throw Failure(description: "pipe: errno \(errno)")
        }
        // Glibc's module has no pipe2; close-on-exec right away keeps these ends out of
        // commands other tests spawn meanwhile (which would hold our pipes open).
        for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        close(outPipe[1])
        close(errPipe[1])
        defer { close(outPipe[0]); close(errPipe[0]) }
        guard rc == 0 else { throw Failure(description: "posix_spawn \(tool): errno \(rc)") }
        let stdout = drain(outPipe[0])
        let stderr = drain(errPipe[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = (status & 0x7f) == 0
        let code = (status >> 8) & 0xff
        guard exited && code == 0 else {
            throw Failure(description: "\(tool) \(arguments.joined(separator: " ")) failed (status \(status)): \(stderr)")
        }
        return (stdout, stderr)
    }

    private static func drain(_ fd: Int32) -> String {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                data += buffer[0..<n]
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        return String(decoding: data, as: UTF8.self)
    }
}
