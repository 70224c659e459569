import Foundation
import Logging
import PVDStore

/// How a store is opened beyond its location: the defaults are a short-lived command's.
public struct StoreOptions: Sendable {
    /// Create the store (and its directory) if missing. Commands that only read pass false, so
    /// a mistyped path is an error rather than a new empty store.
    public var create: Bool
    /// How long a write waits for another process's write lock.
    public var busyTimeout: Duration
    /// The safety-net check for other processes' writes while a watch runs (see SQLiteStore).
    public var fallbackPollInterval: Duration = .seconds(2)
    /// The connection's page cache; a daemon reading through an informer keeps it small.
    public var cacheMiB = 64
    public var logger = Logger(label: "pvd.store")

    public init(create: Bool, busyTimeout: Duration = NodeEnvironment.defaultBusyTimeout) {
        self.create = create
        self.busyTimeout = busyTimeout
    }
}

/// Makes the store an etcd URL names (`EtcdStore.init`), passed in by the binaries that link
/// the etcd client so that this module, and `pvd` above it, need not.
public typealias EtcdOpener = @Sendable (_ location: String, _ logger: Logger) throws -> any RestorableStore

extension NodeEnvironment {
    /// The options for this environment's store: its busy timeout, `create` as asked.
    public func storeOptions(create: Bool) -> StoreOptions {
        StoreOptions(create: create, busyTimeout: busyTimeout)
    }

    /// Opens the store a location names, for the CLI and the daemon alike: an etcd URL, through
    /// `etcd` (nothing is sent yet: `EtcdStore.verify` checks it answers and is pvd's), or a
    /// SQLite file path. Backends are told apart by their scheme here, and only here. `etcd` is
    /// nil in a binary that leaves the etcd client out (`pvd`: see `LinkedParts`); an etcd URL
    /// is then an error saying so.
    public static func openStore(
        at location: String, _ options: StoreOptions, etcd: EtcdOpener?
    ) throws(NodeEnvironmentError) -> any RestorableStore {
        if EtcdStoreURL.isEtcd(location) {
            guard let etcd else {
                throw NodeEnvironmentError("store \(location): this binary has no etcd client (pvd-server has it)")
            }
            do {
                return try etcd(location, options.logger)
            } catch {
                throw NodeEnvironmentError("\(error)")
            }
        }
        if options.create {
            let dir = (location as NSString).deletingLastPathComponent
            if !dir.isEmpty {
                do {
                    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                } catch {
                    throw NodeEnvironmentError("store \(location): cannot create directory \(dir): \(error.localizedDescription)")
                }
            }
        } else if !FileManager.default.fileExists(atPath: location) {
            throw NodeEnvironmentError("store \(location) does not exist (nothing applied yet? pass --store or set PVD_STORE)")
        }
        do {
            return try SQLiteStore(
                path: location, createIfMissing: options.create, busyTimeout: options.busyTimeout,
                fallbackPollInterval: options.fallbackPollInterval, cacheMiB: options.cacheMiB, logger: options.logger)
        } catch {
            throw NodeEnvironmentError(error.description)
        }
    }
}

/// Makes a store that is a client of a Kubernetes API server (`APIClientStore.init`), passed in
/// by `pvd-server`, which links the HTTP client, so that `pvd` need not.
public typealias APIClientOpener = @Sendable (_ endpoint: APIEndpoint) throws -> any ObjectStore
