import ArgumentParser
import Foundation
import Logging
import PVDControllers
import PVDDrivers
import PVDEtcd
import PVDModel
import PVDStore

/// Options every command takes: where pvd keeps its files and which store it uses.
public struct GlobalOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: ArgumentHelp("Where pvd keeps what it makes (env PVD_ROOT).", valueName: "dir"))
    public var root: String?

    @Option(name: .long, help: ArgumentHelp("The store: a SQLite file path or etcd://host:port[,host:port...][/prefix] (env PVD_STORE; default <root>/state.db).", valueName: "path|url"))
    public var store: String?

    @Option(name: .long, help: ArgumentHelp("This node's name (env PVD_NODE; default the hostname).", valueName: "name"))
    public var node: String?

    public init() {}

    /// The root directory: `--root`, `$PVD_ROOT`, or /var/lib/pvd.
    public var resolvedRoot: String {
        root ?? ProcessInfo.processInfo.environment["PVD_ROOT"] ?? "/var/lib/pvd"
    }

    /// The store location: `--store`, `$PVD_STORE`, or `<root>/state.db`.
    public var resolvedStore: String {
        store ?? ProcessInfo.processInfo.environment["PVD_STORE"] ?? (resolvedRoot as NSString).appendingPathComponent("state.db")
    }

    /// This node's name: `--node`, `$PVD_NODE`, or the hostname.
    public var resolvedNode: String {
        if let node { return node }
        if let env = ProcessInfo.processInfo.environment["PVD_NODE"], !env.isEmpty { return env }
        return ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"
    }

    /// This node and its drivers, rooted at the resolved root.
    public func nodeAgent(logger: Logger) throws -> NodeAgent {
        do {
            // Further directories a hostPath class's basePath may name ($PVD_ALLOWED_ROOTS, colon-separated).
            let allowed = (ProcessInfo.processInfo.environment["PVD_ALLOWED_ROOTS"] ?? "").split(separator: ":").map(String.init)
            return NodeAgent(
                nodeName: resolvedNode, drivers: try StandardDrivers.make(root: resolvedRoot, allowedRoots: allowed, logger: logger),
                pods: try PodVolumeTree(root: resolvedRoot))
        } catch {
            throw CLIError("root \(resolvedRoot): \(error.message)")
        }
    }

    /// Opens the store. Commands that only read pass `create: false`, so a mistyped path is an
    /// error rather than a new empty store.
    public func openStore(create: Bool) async throws -> any ObjectStore {
        try await Self.openStore(resolvedStore, create: create)
    }

    /// Opens the store at `location`: an etcd URL (checked to answer and to be pvd's, and
    /// claimed for pvd when `create` and empty) or a SQLite file.
    public static func openStore(_ location: String, create: Bool) async throws -> any RestorableStore {
        if EtcdStoreURL.isEtcd(location) {
            do {
                let store = try EtcdStore(location)
                try await store.verify(claiming: create)
                return store
            } catch {
                throw CLIError(error.description)
            }
        }
        if create {
            let dir = (location as NSString).deletingLastPathComponent
            if !dir.isEmpty {
                do {
                    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                } catch {
                    throw CLIError("store \(location): cannot create directory \(dir): \(error.localizedDescription)")
                }
            }
        } else if !FileManager.default.fileExists(atPath: location) {
            throw CLIError("store \(location) does not exist (nothing applied yet? pass --store or set PVD_STORE)")
        }
        do {
            // How long to wait for another process's write lock ($PVD_BUSY_TIMEOUT, default 5s).
            let wait = ProcessInfo.processInfo.environment["PVD_BUSY_TIMEOUT"].flatMap(WaitDuration.parse) ?? 5
            return try SQLiteStore(path: location, createIfMissing: create, busyTimeout: .milliseconds(Int(wait * 1000)))
        } catch {
            throw CLIError(error.description)
        }
    }
}

/// An error the CLI prints as `error: <message>` before exiting with status 1.
public struct CLIError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
