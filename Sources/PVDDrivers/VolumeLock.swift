#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock, shared by every pvd process on this node, around one driver's work
/// (flock on a file under pvd's root). Two processes provisioning or deleting the same volume at
/// once would otherwise format, mount or remove under each other's feet.
struct VolumeLock {
    let path: String

    /// Runs `body` holding the lock; waits for another process to release it first.
    func withLock<T>(_ body: () async throws(DriverError) -> T) async throws(DriverError) -> T {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try LoopFiles.makeDirectories(String(path[..<slash]), mode: 0o755)
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw DriverError.system("open lock", path, errno: errno) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw DriverError.system("flock", path, errno: errno) }
        }
        // The lock goes with the descriptor's close, even if the body throws.
        return try await body()
    }

    /// `withLock` around a recovery batch: when the lock cannot be taken, every volume of the
    /// batch fails with the reason.
    func recovering(
        _ volumes: [RecoveryRequest], _ body: () async throws(DriverError) -> [RecoveryResult]
    ) async -> [RecoveryResult] {
        guard !volumes.isEmpty else { return [] }
        do {
            return try await withLock(body)
        } catch {
            return volumes.map { RecoveryResult(name: $0.name, outcome: .failed(error.message)) }
        }
    }
}
