import ArgumentParser
import PVDEnvironment

extension PVD {
    /// `pvd serve`: runs the controllers continuously, with health and metrics over HTTP. The
    /// flags are declared here, for `pvd`'s help; the daemon is `pvd-server`'s (`LinkedParts.serve`).
    public struct Serve: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Run the controllers continuously, with /healthz, /readyz and /metrics over HTTP and the Kubernetes API over HTTPS.",
            discussion: """
                Settings come from flags, then the config file, then PVD_ROOT, PVD_STORE, PVD_NODE, \
                PVD_ALLOWED_ROOTS and PVD_BUSY_TIMEOUT, then defaults. Durations: 500ms, 1.5s, 2m, 1h30m. SIGTERM or SIGINT stops it gracefully.
                """)

        @OptionGroup public var global: GlobalOptions

        @Option(help: ArgumentHelp("The YAML config file (default \(NodeEnvironment.defaultConfigFile); a missing default file is fine).", valueName: "file"))
        public var config: String?

        @Option(help: ArgumentHelp("Where the HTTP endpoint listens (default 127.0.0.1:9108).", valueName: "host:port"))
        public var listen: String?

        @Option(name: .customLong("log-level"), help: ArgumentHelp("trace, debug, info, notice, warning, error or critical (default info).", valueName: "level"))
        public var logLevel: String?

        @Option(name: .customLong("allowed-roots"), help: ArgumentHelp("Further directories a hostPath class's basePath may be in, colon-separated.", valueName: "dirs"))
        public var allowedRoots: String?

        @Option(name: .customLong("resync-interval"), help: ArgumentHelp("How often every object is looked at again (default 5m).", valueName: "duration"))
        public var resyncInterval: String?

        @Option(name: .customLong("poll-interval"), help: ArgumentHelp("Safety-net check for other processes' writes when no file change woke the daemon (default 2s).", valueName: "duration"))
        public var pollInterval: String?

        @Option(name: .customLong("orphan-grace"), help: ArgumentHelp("How long an unclaimed leftover may stay before recovery removes it.", valueName: "duration"))
        public var orphanGrace: String?

        @Option(name: .customLong("integrity-interval"), help: ArgumentHelp("How often the whole store is checked with PRAGMA integrity_check (default 1h; 0s: never).", valueName: "duration"))
        public var integrityInterval: String?

        @Option(name: .customLong("heartbeat-interval"), help: ArgumentHelp("How often this node's Ready heartbeat is renewed (default 10s).", valueName: "duration"))
        public var heartbeatInterval: String?

        @Option(name: .customLong("node-grace"), help: ArgumentHelp("How old a node's heartbeat may be before it counts as not Ready (default 40s).", valueName: "duration"))
        public var nodeGrace: String?

        @Option(name: .customLong("leader-lease"), help: ArgumentHelp("The leader's lease on an etcd store; a dead leader is replaced within about this long (default 10s).", valueName: "duration"))
        public var leaderLease: String?

        @Option(name: .customLong("api-listen"), help: ArgumentHelp("Where the Kubernetes API (HTTPS) listens, or off (default 127.0.0.1:6443).", valueName: "host:port|off"))
        public var apiListen: String?

        @Option(name: .customLong("tls-cert-file"), help: ArgumentHelp("The API's serving certificate (PEM) instead of the one pvd makes under <root>/api.", valueName: "file"))
        public var tlsCertFile: String?

        @Option(name: .customLong("tls-private-key-file"), help: ArgumentHelp("The key of --tls-cert-file (PEM).", valueName: "file"))
        public var tlsPrivateKeyFile: String?

        @Option(name: .customLong("token-auth-file"), help: ArgumentHelp("Bearer tokens, kube-apiserver's CSV: token,user,uid,\"group1,group2\".", valueName: "file"))
        public var tokenAuthFile: String?

        @Option(name: .customLong("authorization-mode"), help: ArgumentHelp("The API's authorizers in order, comma-separated: Node, RBAC, AlwaysAllow, AlwaysDeny (default Node,RBAC).", valueName: "modes"))
        public var authorizationMode: String?

        @Option(name: .customLong("runtime"), help: ArgumentHelp("none (default: Pods are consumer records) or runc (this node runs its Pods' containers through runc).", valueName: "runtime"))
        public var runtime: String?

        public init() {}

        public func run() async throws {
            try await runReportingErrors {
                guard let serve = LinkedParts.current.serve else { throw CLIError("pvd serve: this binary has no daemon (pvd-server has it)") }
                try await serve(self)
            }
        }
    }
}
