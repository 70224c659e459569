/// The part of the OCI runtime specification (config.json, runtime-spec 1.0.2) pvd writes for
/// runc: a Codable model, so a bundle is built as values and checked by the compiler, never
/// from a template string. Members pvd does not set are absent (the spec's defaults apply).
public struct OCISpec: Codable, Sendable, Hashable {
    public var ociVersion = "1.0.2"
    public var process: Process
    public var root: Root
    public var hostname: String?
    public var mounts: [Mount]
    public var linux: Linux

    public init(process: Process, root: Root, hostname: String?, mounts: [Mount], linux: Linux) {
        self.process = process
        self.root = root
        self.hostname = hostname
        self.mounts = mounts
        self.linux = linux
    }

    /// The container's first process.
    public struct Process: Codable, Sendable, Hashable {
        public var terminal = false
        public var user: User
        public var args: [String]
        public var env: [String]
        public var cwd: String
        public var capabilities: Capabilities
        public var rlimits: [Rlimit]
        public var noNewPrivileges = true
    }

    public struct User: Codable, Sendable, Hashable {
        public var uid: UInt32
        public var gid: UInt32
        public var additionalGids: [UInt32]?
    }

    public struct Capabilities: Codable, Sendable, Hashable {
        public var bounding: [String]
        public var effective: [String]
        public var permitted: [String]
    }

    /// `RLIMIT_*` with soft and hard values.
    public struct Rlimit: Codable, Sendable, Hashable {
        public var type: String
        public var hard: UInt64
        public var soft: UInt64
    }

    public struct Root: Codable, Sendable, Hashable {
        public var path: String
        public var readonly: Bool
    }

    public struct Mount: Codable, Sendable, Hashable {
        public var destination: String
        public var type: String
        public var source: String
        public var options: [String]
    }

    public struct Linux: Codable, Sendable, Hashable {
        public var namespaces: [Namespace]
        /// Device nodes runc makes in the container (volumeDevices).
        public var devices: [Device]?
        public var resources: Resources
        public var cgroupsPath: String
        public var maskedPaths: [String]
        public var readonlyPaths: [String]
    }

    /// A device node in the container: `type` "b" (block), its numbers, mode and owner.
    public struct Device: Codable, Sendable, Hashable {
        public var path: String
        public var type: String
        public var major: Int64
        public var minor: Int64
        public var fileMode: UInt32?
        public var uid: UInt32?
        public var gid: UInt32?
    }

    public struct Namespace: Codable, Sendable, Hashable {
        public var type: String
    }

    /// cgroup limits: memory in bytes, CPU as a CFS quota per period, a pids maximum.
    public struct Resources: Codable, Sendable, Hashable {
        /// The device cgroup's rules: what may be opened (runc starts from its own defaults).
        public var devices: [DeviceRule]?
        public var memory: Memory?
        public var cpu: CPU?
        public var pids: Pids?
        public struct DeviceRule: Codable, Sendable, Hashable {
            public var allow: Bool
            public var type: String
            public var major: Int64
            public var minor: Int64
            public var access: String
        }
        public struct Memory: Codable, Sendable, Hashable { public var limit: Int64 }
        public struct CPU: Codable, Sendable, Hashable {
            public var shares: UInt64?
            public var quota: Int64?
            public var period: UInt64?
        }
        public struct Pids: Codable, Sendable, Hashable { public var limit: Int64 }
    }
}
