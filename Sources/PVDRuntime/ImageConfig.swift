/// What an image says about running it (the `config` of an OCI image configuration blob):
/// ENTRYPOINT, CMD, environment, working directory and user.
public struct ImageConfig: Codable, Sendable, Hashable {
    public var entrypoint: [String]?
    public var cmd: [String]?
    public var env: [String]?
    public var workingDir: String?
    public var user: String?

    enum CodingKeys: String, CodingKey {
        case entrypoint = "Entrypoint", cmd = "Cmd", env = "Env", workingDir = "WorkingDir", user = "User"
    }

    public init(entrypoint: [String]? = nil, cmd: [String]? = nil, env: [String]? = nil, workingDir: String? = nil) {
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.env = env
        self.workingDir = workingDir
    }

    /// The OCI configuration blob: only its `config` member matters here.
    struct Blob: Codable { var config: ImageConfig? }
}
