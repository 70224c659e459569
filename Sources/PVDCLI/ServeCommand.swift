import ArgumentParser
import Foundation
import Logging
import PVDEnvironment
import PVDServer

extension PVD {
    /// `pvd serve`: runs the controllers continuously, with health and metrics over HTTP.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Run the controllers continuously, with /healthz, /readyz and /metrics over HTTP and the Kubernetes API over HTTPS.",
            discussion: """
                Settings come from flags, then the config file, then PVD_ROOT, PVD_STORE, PVD_NODE, \
                PVD_ALLOWED_ROOTS and PVD_BUSY_TIMEOUT, then defaults. Durations: 500ms, 1.5s, 2m, 1h30m. SIGTERM or SIGINT stops it gracefully.
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("The YAML config file (default \(ServerConfig.defaultPath); a missing default file is fine).", valueName: "file"))
        var config: String?

        @Option(help: ArgumentHelp("Where the HTTP endpoint listens (default 127.0.0.1:9108).", valueName: "host:port"))
        var listen: String?

        @Option(name: .customLong("log-level"), help: ArgumentHelp("trace, debug, info, notice, warning, error or critical (default info).", valueName: "level"))
        var logLevel: String?

        @Option(name: .customLong("allowed-roots"), help: ArgumentHelp("Further directories a hostPath class's basePath may be in, colon-separated.", valueName: "dirs"))
        var allowedRoots: String?

        @Option(name: .customLong("resync-interval"), help: ArgumentHelp("How often every object is looked at again (default 5m).", valueName: "duration"))
        var resyncInterval: String?

        @Option(name: .customLong("poll-interval"), help: ArgumentHelp("Safety-net check for other processes' writes when no file change woke the daemon (default 2s).", valueName: "duration"))
        var pollInterval: String?

        @Option(name: .customLong("orphan-grace"), help: ArgumentHelp("How long an unclaimed leftover may stay before recovery removes it.", valueName: "duration"))
        var orphanGrace: String?

        @Option(name: .customLong("integrity-interval"), help: ArgumentHelp("How often the whole store is checked with PRAGMA integrity_check (default 1h; 0s: never).", valueName: "duration"))
        var integrityInterval: String?

        @Option(name: .customLong("heartbeat-interval"), help: ArgumentHelp("How often this node's Ready heartbeat is renewed (default 10s).", valueName: "duration"))
        var heartbeatInterval: String?

        @Option(name: .customLong("node-grace"), help: ArgumentHelp("How old a node's heartbeat may be before it counts as not Ready (default 40s).", valueName: "duration"))
        var nodeGrace: String?

        @Option(name: .customLong("leader-lease"), help: ArgumentHelp("The leader's lease on an etcd store; a dead leader is replaced within about this long (default 10s).", valueName: "duration"))
        var leaderLease: String?

        @Option(name: .customLong("api-listen"), help: ArgumentHelp("Where the Kubernetes API (HTTPS) listens, or off (default 127.0.0.1:6443).", valueName: "host:port|off"))
        var apiListen: String?

        @Option(name: .customLong("tls-cert-file"), help: ArgumentHelp("The API's serving certificate (PEM) instead of the one pvd makes under <root>/api.", valueName: "file"))
        var tlsCertFile: String?

        @Option(name: .customLong("tls-private-key-file"), help: ArgumentHelp("The key of --tls-cert-file (PEM).", valueName: "file"))
        var tlsPrivateKeyFile: String?

        @Option(name: .customLong("token-auth-file"), help: ArgumentHelp("Bearer tokens, kube-apiserver's CSV: token,user,uid,\"group1,group2\".", valueName: "file"))
        var tokenAuthFile: String?

        @Option(name: .customLong("authorization-mode"), help: ArgumentHelp("The API's authorizers in order, comma-separated: AlwaysAllow, AlwaysDeny, RBAC (default RBAC).", valueName: "modes"))
        var authorizationMode: String?

        @Option(name: .customLong("runtime"), help: ArgumentHelp("none (default: Pods are consumer records) or runc (this node runs its Pods' containers through runc).", valueName: "runtime"))
        var runtime: String?

        func run() async throws {
            try await runReportingErrors {
                let settings = try resolvedConfig()
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
        }

        /// Flags over the config file over the environment over defaults, each value checked
        /// where it was found so an error names the flag, field or variable it came from.
        func resolvedConfig() throws -> ServerConfig {
            var flags = ServerSettings(
                environment: global.settings, listen: listen, logLevel: logLevel, resyncInterval: resyncInterval,
                pollInterval: pollInterval, orphanGrace: orphanGrace, integrityInterval: integrityInterval,
                heartbeatInterval: heartbeatInterval, nodeGrace: nodeGrace, leaderLease: leaderLease, apiListen: apiListen,
                tlsCertFile: tlsCertFile, tlsPrivateKeyFile: tlsPrivateKeyFile, tokenAuthFile: tokenAuthFile, authorizationMode: authorizationMode,
                runtime: runtime)
            flags.environment.allowedRoots = allowedRoots.map { $0.split(separator: ":").map(String.init) }
            do {
                let path = config ?? ServerConfig.defaultPath
                let file = try ServerSettings.load(file: path, required: config != nil)
                return try ServerSettings.resolve([
                    (flags, .flags), (file, .file(path: path)), (.environment(ProcessInfo.processInfo.environment), .environment),
                ])
            } catch {
                throw CLIError("\(error)")
            }
        }
    }
}
