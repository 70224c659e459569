import CLinux

#if canImport(Glibc)
import Glibc
#endif

/// Blocks a thread until the store's files change, a timeout passes, or `stop` is called:
/// inotify (`inotify_init1`, `inotify_add_watch`) on the directory that holds the database, for
/// writes to the database file and its `-wal` file, plus a pipe that `stop` writes to.
///
/// The directory is watched rather than the two files, so a `-wal` file that SQLite removes
/// and makes again (when the last connection of every process closes) is still seen.
final class FileChangeWake: Sendable {
    /// Why `wait` returned.
    enum Wake { case changed, timedOut, stopped }

    private let inotify: Int32
    private let stopRead: Int32
    private let stopWrite: Int32
    private let names: Set<String>

    /// Nil when inotify cannot be set up (no kernel support, the per-user limit reached, a
    /// directory that cannot be watched): the caller then polls instead.
    init?(databasePath: String) {
        let slash = databasePath.lastIndex(of: "/")
        let directory = slash.map { $0 == databasePath.startIndex ? "/" : String(databasePath[..<$0]) } ?? "."
        let file = slash.map { String(databasePath[databasePath.index(after: $0)...]) } ?? databasePath
        names = [file, file + "-wal"]
        inotify = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard inotify >= 0 else { return nil }
        var fds: [Int32] = [-1, -1]
        guard inotify_add_watch(inotify, directory, UInt32(IN_MODIFY | IN_CREATE | IN_MOVED_TO)) >= 0, pipe(&fds) == 0 else {
            close(inotify)
            if fds[0] >= 0 { close(fds[0]); close(fds[1]) }
            return nil
        }
        stopRead = fds[0]
        stopWrite = fds[1]
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    }

    deinit {
        close(inotify)
        close(stopRead)
        close(stopWrite)
    }

    /// Wakes a thread blocked in `wait`, now and for every later call.
    func stop() {
        var byte: UInt8 = 1
        _ = write(stopWrite, &byte, 1)
    }

    /// Waits up to `timeout` (to the microsecond: ppoll, not poll) for a write to one of the
    /// store's files.
    func wait(timeout: Duration) -> Wake {
        var fds = [pollfd(fd: inotify, events: Int16(POLLIN), revents: 0), pollfd(fd: stopRead, events: Int16(POLLIN), revents: 0)]
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let ready = pvd_ppoll(&fds, 2, nanoseconds.overflow ? Int64.max : nanoseconds.partialValue &+ attoseconds / 1_000_000_000)
        if ready < 0 { return errno == EINTR ? .changed : .timedOut }
        if fds[1].revents != 0 { return .stopped }
        if ready == 0 { return .timedOut }
        return drain() ? .changed : .timedOut
    }

    /// Reads every pending inotify event; true when one of them names a store file.
    private func drain() -> Bool {
        var relevant = false
        let size = 4096
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: MemoryLayout<inotify_event>.alignment)
        defer { buffer.deallocate() }
        while true {
            let n = read(inotify, buffer, size)
            if n <= 0 { break }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= n {
                let event = buffer.load(fromByteOffset: offset, as: inotify_event.self)
                let nameStart = offset + MemoryLayout<inotify_event>.size
                if event.len > 0 {
                    // The name is NUL-padded to `len` bytes.
                    let bytes = UnsafeRawBufferPointer(start: buffer + nameStart, count: Int(event.len))
                    let name = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
                    if names.contains(name) { relevant = true }
                } else if event.mask & UInt32(IN_Q_OVERFLOW) != 0 {
                    relevant = true
                }
                offset = nameStart + Int(event.len)
            }
        }
        return relevant
    }
}
