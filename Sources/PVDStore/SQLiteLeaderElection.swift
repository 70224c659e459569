#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization

/// Leader election among the processes of one machine that share a SQLite store: the term is
/// an exclusive `flock(2)` on a lock file beside the database (`<database>.leader`), held by an
/// open file description the term keeps.
///
/// The kernel drops the lock when that description is closed, which a dying process does
/// whatever killed it, so the term cannot end while its process lives and a dead leader never
/// blocks the others. Hence no lease, no renewal, and no fence: `store` is the store itself, and
/// `ended()` returns only once the term resigns. `flock` locks belong to open file
/// descriptions, not processes, so two elections in one process (two `SQLiteStore`s on the
/// file) exclude each other as two processes do. The file's first line names the holder.
public final class SQLiteLeaderElection: LeaderElection {
    public let identity: String
    /// `<database>.leader`.
    public let lockPath: String
    let store: SQLiteStore
    let logger: Logger

    /// How often a waiting candidate tries the lock again. `flock` without LOCK_NB would block
    /// a thread of the cooperative pool for as long as another daemon leads.
    static let pollInterval: Duration = .milliseconds(100)

    /// An election on `store`'s file. The config is checked as the etcd backend checks it, so
    /// settings that work here work there too; its TTL has no use here.
    public init(store: SQLiteStore, config: LeaderElectionConfig, logger: Logger) throws(StoreError) {
        self.identity = try config.validated().identity
        self.store = store
        self.lockPath = store.path + ".leader"
        self.logger = logger
    }

    public func campaign() async throws -> any LeaderTerm {
        let fd = try LeaderLockFile.open(lockPath, writable: true)
        var announced = false
        do {
            while try !LeaderLockFile.tryLock(fd, exclusive: true, path: lockPath) {
                if !announced {
                    announced = true
                    let holder = (try? await currentLeader()) ?? nil
                    logger.info("waiting to lead", metadata: [
                        "pvd.candidate": "\(identity)", "pvd.leader": "\(holder ?? "none")", "pvd.lock": "\(lockPath)",
                    ])
                }
                try await Task.sleep(for: Self.pollInterval)
            }
            try LeaderLockFile.record(identity, fd, path: lockPath)
        } catch {
            close(fd)
            throw error
        }
        logger.info("leading", metadata: ["pvd.leader": "\(identity)", "pvd.lock": "\(lockPath)"])
        return SQLiteLeaderTerm(identity: identity, store: store, descriptor: fd, lockPath: lockPath, logger: logger)
    }

    /// The lock file's first line while some description holds the lock; nil when none does
    /// (the file may still name a holder that died: the kernel dropped its lock, not its words).
    public func currentLeader() async throws(StoreError) -> String? {
        guard let fd = try LeaderLockFile.openIfPresent(lockPath) else { return nil }
        defer { close(fd) }
        // Getting a shared lock at once means nobody holds the exclusive one. A candidate
        // trying for it at this very moment fails once and tries again a poll later.
        if try LeaderLockFile.tryLock(fd, exclusive: false, path: lockPath) {
            _ = flock(fd, LOCK_UN)
            return nil
        }
        let holder = try LeaderLockFile.firstLine(fd, path: lockPath)
        // Empty while a new holder has the lock but has not written its name yet.
        return holder.isEmpty ? nil : holder
    }
}

/// A SQLite store's term: the open file description that holds the lock.
final class SQLiteLeaderTerm: LeaderTerm {
    let identity: String
    let store: any ObjectStore
    let lockPath: String
    let logger: Logger
    /// Nil once resigned.
    private let descriptor: Mutex<Int32?>
    private let over = ChangeSignal()

    init(identity: String, store: any ObjectStore, descriptor: Int32, lockPath: String, logger: Logger) {
        self.identity = identity
        self.store = store
        self.descriptor = Mutex(descriptor)
        self.lockPath = lockPath
        self.logger = logger
    }

    /// A term dropped without resigning lets the lock go as a dead process would: the file
    /// keeps naming it, `currentLeader` sees the lock free.
    deinit {
        if let fd = descriptor.withLock({ $0 }) { close(fd) }
    }

    func ended() async {
        await over.wait(since: 0)
    }

    func resign() async {
        guard let fd = descriptor.withLock({ d -> Int32? in
            defer { d = nil }
            return d
        }) else { return }
        // Forget the name while still holding the lock, so the file never names a holder that left.
        _ = ftruncate(fd, 0)
        _ = flock(fd, LOCK_UN)
        close(fd)
        logger.info("resigned", metadata: ["pvd.leader": "\(identity)", "pvd.lock": "\(lockPath)"])
        over.notify()
    }
}

/// The lock file's system calls, each failure a `StoreError` naming the file and errno.
enum LeaderLockFile {
    static func failure(_ call: String, _ path: String, _ code: Int32) -> StoreError {
        StoreError(.unavailable, "leader lock \(path): \(call): \(String(cString: strerror(code))) (errno \(code))")
    }

    static func open(_ path: String, writable: Bool) throws(StoreError) -> Int32 {
        while true {
            let fd = writable ? Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644) : Glibc.open(path, O_RDONLY | O_CLOEXEC)
            if fd >= 0 { return fd }
            if errno != EINTR { throw failure("open", path, errno) }
        }
    }

    /// Nil when there is no lock file: nobody ever campaigned on this store.
    static func openIfPresent(_ path: String) throws(StoreError) -> Int32? {
        do {
            return try open(path, writable: false)
        } catch {
            if access(path, F_OK) != 0 && errno == ENOENT { return nil }
            throw error
        }
    }

    /// `flock` with LOCK_NB: true when taken, false when another description holds it.
    static func tryLock(_ fd: Int32, exclusive: Bool, path: String) throws(StoreError) -> Bool {
        while true {
            if flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0 { return true }
            switch errno {
            case EINTR: continue
            case EWOULDBLOCK: return false
            default: throw failure("flock", path, errno)
            }
        }
    }

    /// Replaces the file's content with the holder's name.
    static func record(_ identity: String, _ fd: Int32, path: String) throws(StoreError) {
        guard ftruncate(fd, 0) == 0 else { throw failure("ftruncate", path, errno) }
        let line = Array((identity + "\n").utf8)
        var written = 0
        while written < line.count {
            let n = line[written...].withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(written)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("write", path, errno)
            }
            written += n
        }
    }

    /// The first line of the file (a name is short: 4 KiB is plenty).
    static func firstLine(_ fd: Int32, path: String) throws(StoreError) -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        var n: Int
        repeat {
            n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        } while n < 0 && errno == EINTR
        guard n >= 0 else { throw failure("read", path, errno) }
        let bytes = buffer[..<n]
        let end = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
        return String(decoding: bytes[..<end], as: UTF8.self)
    }
}

extension SQLiteStore {
    /// An election among the processes on this machine that share the file (see
    /// `SQLiteLeaderElection`).
    public func leaderElection(_ config: LeaderElectionConfig, logger: Logger) throws(StoreError) -> (any LeaderElection)? {
        try SQLiteLeaderElection(store: self, config: config, logger: logger)
    }
}
