import Foundation
import Logging
import Synchronization

extension SQLiteStore {
    /// The fault that stopped this store's writes, if one did.
    public var fault: StoreFault? { faultState.withLock { $0 } }

    /// Checks that the database and its log are still the files this store opened (see
    /// `StoreFileIdentity`) and returns the store's fault: one found now, or an earlier one.
    /// Cheap (two `stat` calls); `commit` runs it first, and the daemon runs it on a timer so
    /// it goes not-ready while idle too.
    @discardableResult
    public func checkFiles() -> StoreFault? {
        if let fault { return fault }
        guard let found = files.check() else { return nil }
        return stopWrites(found)
    }

    /// Stops every later commit for `fault` (the first fault stays; later ones are ignored)
    /// and returns the fault that holds.
    @discardableResult
    public func stopWrites(_ fault: StoreFault) -> StoreFault {
        let first = faultState.withLock { s -> Bool in
            guard s == nil else { return false }
            s = fault
            return true
        }
        guard first else { return self.fault ?? fault }
        logger.error("store writes stopped", metadata: [
            "pvd.store": "\(path)", "pvd.reason": "\(fault.reason.rawValue)", "pvd.error": "\(fault.message)",
        ])
        if fault.reason != .corrupt {
            // Never closed from here on. Closing the last connection of the process makes SQLite
            // checkpoint the log it has open into the file it has open; once those are not the
            // files at the paths, another process may already have started a new log whose frame
            // numbers the shared index now describes, and that checkpoint would copy stale pages
            // from our old log over its commits. The process ends without closing instead.
            _ = Unmanaged.passRetained(self)
        }
        return fault
    }
}
