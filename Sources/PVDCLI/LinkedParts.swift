import PVDEnvironment
import PVDStore

/// What the binary running pvd's command tree links beyond the store file, the drivers and the
/// pod runtime: the daemon, the Kubernetes API's certificates, the etcd client and the API client. Those bring
/// SwiftNIO, Hummingbird and swift-crypto, whose type metadata alone costs every process a few
/// milliseconds to start, so `pvd` links none of them and `pvd-server` links all of them. A
/// command that needs a part its binary lacks is handed to `pvd-server` whole (see `Handoff`)
/// before it reads or writes anything.
public struct LinkedParts: Sendable {
    /// Runs `pvd serve` with the command's flags until it is told to stop.
    public var serve: (@Sendable (PVD.Serve) async throws -> Void)?
    /// `pvd kubeconfig`'s kubeconfig, as YAML.
    public var kubeconfig: (@Sendable (PVD.Kubeconfig) async throws -> String)?
    /// Makes the store an etcd URL names (nothing sent yet).
    public var etcd: EtcdOpener?
    /// Checks, for a command, that an etcd store answers and is pvd's (claiming an empty prefix
    /// when `claiming`) before anything is read.
    public var verifyEtcd: (@Sendable (_ store: any RestorableStore, _ claiming: Bool) async throws -> Void)?
    /// Makes a client of an API server, for a command given `--server` or `--kubeconfig`.
    public var apiClient: APIClientOpener?

    public init(
        serve: (@Sendable (PVD.Serve) async throws -> Void)? = nil,
        kubeconfig: (@Sendable (PVD.Kubeconfig) async throws -> String)? = nil,
        etcd: EtcdOpener? = nil,
        verifyEtcd: (@Sendable (_ store: any RestorableStore, _ claiming: Bool) async throws -> Void)? = nil,
        apiClient: APIClientOpener? = nil
    ) {
        self.serve = serve
        self.kubeconfig = kubeconfig
        self.etcd = etcd
        self.verifyEtcd = verifyEtcd
        self.apiClient = apiClient
    }

    /// `pvd`'s: the store file, the drivers and the runtime, nothing else.
    public static let local = LinkedParts()

    /// The parts of the binary running this command (set once by `PVD.runFromCommandLine`).
    @TaskLocal public static var current = LinkedParts.local

    /// One part a command may need.
    public enum Part: String, Sendable, CaseIterable {
        case daemon = "the daemon", apiCertificates = "the API's certificate authority", etcd = "the etcd client"
        case apiClient = "the API client"
    }

    public func has(_ part: Part) -> Bool {
        switch part {
        case .daemon: serve != nil
        case .apiCertificates: kubeconfig != nil
        case .etcd: etcd != nil && verifyEtcd != nil
        case .apiClient: apiClient != nil
        }
    }
}

/// A command that needs parts `pvd` leaves out, for all its uses or some (a store named by an
/// etcd URL). Asked after parsing, before `run`, so the answer can hand the command over
/// before it has done anything.
protocol NeedsLinkedParts {
    var neededParts: Set<LinkedParts.Part> { get }
}

extension GlobalOptions {
    /// The etcd client when the store these options lead to is an etcd URL. A store option or
    /// variable that cannot be read needs nothing: the command reports it when it runs.
    var neededParts: Set<LinkedParts.Part> {
        guard let env = try? environment() else { return [] }
        return EtcdStoreURL.isEtcd(env.store) ? [.etcd] : []
    }
}
