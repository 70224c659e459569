import Foundation
import Logging
import PVDCLI
import PVDEnvironment
import PVDServer

/// `pvd serve`'s work once its flags are parsed: the settings resolved, logging set up, the
/// daemon run until it is told to stop.
enum ServeRun {
    static func run(_ command: PVD.Serve) async throws {
        let settings = try resolvedConfig(command)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = settings.logLevel
            return handler
        }
        var logger = Logger(label: "pvd.serve")
        logger.logLevel = settings.logLevel
        let daemon: Daemon
        do {
            daemon = try Daemon(config: settings, logger: logger)
        } catch {
            throw CLIError("\(error)")
        }
        try await daemon.run()
    }

    /// Flags over the config file over the environment over defaults, each value checked where
    /// it was found so an error names the flag, field or variable it came from.
    static func resolvedConfig(_ c: PVD.Serve) throws(CLIError) -> ServerConfig {
        var flags = ServerSettings(
            environment: c.global.settings, listen: c.listen, logLevel: c.logLevel, resyncInterval: c.resyncInterval,
            pollInterval: c.pollInterval, orphanGrace: c.orphanGrace, integrityInterval: c.integrityInterval,
            heartbeatInterval: c.heartbeatInterval, nodeGrace: c.nodeGrace, leaderLease: c.leaderLease, apiListen: c.apiListen,
            tlsCertFile: c.tlsCertFile, tlsPrivateKeyFile: c.tlsPrivateKeyFile, tokenAuthFile: c.tokenAuthFile,
            authorizationMode: c.authorizationMode, runtime: c.runtime)
        flags.environment.allowedRoots = c.allowedRoots.map { $0.split(separator: ":").map(String.init) }
        do {
            let path = c.config ?? ServerConfig.defaultPath
            let file = try ServerSettings.load(file: path, required: c.config != nil)
            return try ServerSettings.resolve([
                (flags, .flags), (file, .file(path: path)), (.environment(ProcessInfo.processInfo.environment), .environment),
            ])
        } catch {
            throw CLIError("\(error)")
        }
    }
}
