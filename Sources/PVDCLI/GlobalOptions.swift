import ArgumentParser
import Foundation
import Logging
import PVDControllers
import PVDEnvironment
import PVDStore

/// Options every command takes: where pvd keeps its files and which store it uses. What they
/// mean, and how they meet the `PVD_*` variables, is `NodeEnvironment`'s, shared with `pvd serve`.
public struct GlobalOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: ArgumentHelp("Where pvd keeps what it makes (env PVD_ROOT).", valueName: "dir"))
    public var root: String?

    @Option(name: .long, help: ArgumentHelp("The store: a SQLite file path or etcd://host:port[,host:port...][/prefix] (env PVD_STORE; default <root>/state.db).", valueName: "path|url"))
    public var store: String?

    @Option(name: .long, help: ArgumentHelp("This node's name (env PVD_NODE; default the hostname).", valueName: "name"))
    public var node: String?

    public init() {}

    /// What the flags say, before the variables and defaults are consulted.
    public var settings: NodeSettings { NodeSettings(root: root, store: store, node: node) }

    /// The node's environment: these flags over `PVD_*` over defaults. A value that cannot be
    /// read is an error naming its flag or variable.
    public func environment() throws -> NodeEnvironment {
        do {
            return try NodeEnvironment.resolve(flags: settings, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw CLIError(error.description)
        }
    }

    /// This node and its drivers, rooted at the resolved root.
    public func nodeAgent(logger: Logger) throws -> NodeAgent {
        do {
            return try environment().nodeAgent(logger: logger)
        } catch let error as NodeEnvironmentError {
            throw CLIError(error.message)
        }
    }

    /// Opens the store. Commands that only read pass `create: false`, so a mistyped path is an
    /// error rather than a new empty store.
    public func openStore(create: Bool) async throws -> any ObjectStore {
        let env = try environment()
        return try await Self.openStore(env.store, options: env.storeOptions(create: create))
    }

    /// Opens the store at `location`, a SQLite file or an etcd URL, with a command's defaults.
    public static func openStore(_ location: String, create: Bool) async throws -> any RestorableStore {
        try await openStore(location, options: StoreOptions(create: create))
    }

    /// `NodeEnvironment.openStore` with the etcd client this binary links (none in `pvd`, which
    /// has handed etcd commands to `pvd-server` before they run), and for etcd a check that the
    /// cluster answers and that the prefix is pvd's (claimed for pvd when `create` and empty)
    /// before anything is read.
    static func openStore(_ location: String, options: StoreOptions) async throws -> any RestorableStore {
        let parts = LinkedParts.current
        let store: any RestorableStore
        do {
            store = try NodeEnvironment.openStore(at: location, options, etcd: parts.etcd)
        } catch {
            throw CLIError(error.message)
        }
        if EtcdStoreURL.isEtcd(location), let verify = parts.verifyEtcd {
            do {
                try await verify(store, options.create)
            } catch {
                throw CLIError("\(error)")
            }
        }
        return store
    }
}

/// An error the CLI prints as `error: <message>` before exiting with status 1.
public struct CLIError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
