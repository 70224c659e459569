import PVDModel

/// Builds the OCI runtime spec of one container, as values: the process as Kubernetes composes
/// it, the read-only root (the container's overlay), the Pod's /etc files and volumes as bind
/// mounts, namespaces, cgroup limits and rlimits. Pure: everything it needs is given, so every
/// rule is a plain-value test.
public struct BundleBuilder: Sendable {
    /// A Pod volume as one container mounts it: `source` is the published volume (or the
    /// subPath's resolved place in it).
    public struct VolumeBind: Sendable, Hashable {
        public var destination: String
        public var source: String
        public var readOnly: Bool
        public init(destination: String, source: String, readOnly: Bool) {
            self.destination = destination
            self.source = source
            self.readOnly = readOnly
        }
    }

    /// A Block claim as one container gets it: a block device node at `path`.
    public struct DeviceNode: Sendable, Hashable {
        public var path: String
        public var major: Int64
        public var minor: Int64
        public init(path: String, major: Int64, minor: Int64) {
            self.path = path
            self.major = major
            self.minor = minor
        }
    }

    public var podName: String
    public var containerID: String
    public var container: Container
    public var podSecurity: PodSecurityContext?
    public var image: ImageConfig
    /// The container's root: its overlay of the image, mounted by the runtime.
    public var rootfs: String
    /// The Pod directory's `hosts`, `hostname` and `resolv.conf`.
    public var etcDirectory: String
    public var volumes: [VolumeBind]
    /// The container's volumeDevices: the published Block volume's device numbers.
    public var devices: [DeviceNode] = []
    /// The host's hard RLIMIT_NOFILE: the container's limit is never above it (runc fails then).
    public var hostNofileHard: UInt64
    /// The container's pids.max (Kubernetes' pod pids limit is a node setting).
    public var pidsLimit: Int64

    public init(
        podName: String, containerID: String, container: Container, podSecurity: PodSecurityContext?, image: ImageConfig,
        rootfs: String, etcDirectory: String, volumes: [VolumeBind], hostNofileHard: UInt64, pidsLimit: Int64
    ) {
        self.podName = podName
        self.containerID = containerID
        self.container = container
        self.podSecurity = podSecurity
        self.image = image
        self.rootfs = rootfs
        self.etcDirectory = etcDirectory
        self.volumes = volumes
        self.hostNofileHard = hostNofileHard
        self.pidsLimit = pidsLimit
    }

    /// Docker's default capability set: what containers under Kubernetes get by default.
    public static let defaultCapabilities = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ]

    /// The cgroup every container gets, under each controller's root: one per container, so
    /// `runc delete` leaves nothing.
    public static func cgroupsPath(containerID: String) -> String { "/pvd-\(containerID)" }

    public func spec() throws(RuntimeError) -> OCISpec {
        guard let args = CommandLineComposition.arguments(command: container.command, args: container.args, image: image) else {
            throw RuntimeError(.invalid, "container \(container.name): no command: the Pod gives none and the image has no ENTRYPOINT or CMD")
        }
        let env = CommandLineComposition.environment(
            hostname: podName, image: image.env, container: (container.env ?? []).map { ($0.name, $0.value ?? "") })
        let uid = container.securityContext?.runAsUser ?? podSecurity?.runAsUser ?? 0
        let gid = container.securityContext?.runAsGroup ?? podSecurity?.runAsGroup ?? 0
        guard let u = UInt32(exactly: uid), let g = UInt32(exactly: gid) else {
            throw RuntimeError(.invalid, "container \(container.name): runAsUser \(uid) / runAsGroup \(gid) out of range")
        }
        let groups = podSecurity?.fsGroup.flatMap { UInt32(exactly: $0) }.map { [$0] }
        let caps = Self.defaultCapabilities
        let nofile = min(1_048_576, hostNofileHard)
        let process = OCISpec.Process(
            user: OCISpec.User(uid: u, gid: g, additionalGids: groups),
            args: args, env: env, cwd: container.workingDir ?? image.workingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/",
            capabilities: OCISpec.Capabilities(bounding: caps, effective: caps, permitted: caps),
            rlimits: [OCISpec.Rlimit(type: "RLIMIT_NOFILE", hard: nofile, soft: nofile)])
        var resources = try resources()
        if !devices.isEmpty {
            resources.devices = devices.map { .init(allow: true, type: "b", major: $0.major, minor: $0.minor, access: "rwm") }
        }
        // Owned by root and the Pod's fsGroup, read-write for both, as the kubelet's block volumes.
        let nodes = devices.map {
            OCISpec.Device(path: $0.path, type: "b", major: $0.major, minor: $0.minor, fileMode: 0o660, uid: 0, gid: groups?.first ?? 0)
        }
        let linux = OCISpec.Linux(
            namespaces: ["pid", "network", "ipc", "uts", "mount"].map { OCISpec.Namespace(type: $0) },
            devices: nodes.isEmpty ? nil : nodes,
            resources: resources,
            cgroupsPath: Self.cgroupsPath(containerID: containerID),
            maskedPaths: [
                "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
            ],
            readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"])
        return OCISpec(
            process: process, root: OCISpec.Root(path: rootfs, readonly: false), hostname: podName,
            mounts: Self.systemMounts + etcMounts() + volumeMounts(), linux: linux)
    }

    /// `/proc`, `/dev`, `/sys` and friends, as runc's own `runc spec` sets them.
    static let systemMounts: [OCISpec.Mount] = [
        .init(destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"]),
        .init(destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
        .init(destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]),
        .init(destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
        .init(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
        .init(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]),
        .init(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"]),
        .init(destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777"]),
    ]

    func etcMounts() -> [OCISpec.Mount] {
        [("hosts", "/etc/hosts"), ("hostname", "/etc/hostname"), ("resolv.conf", "/etc/resolv.conf")].map {
            OCISpec.Mount(destination: $0.1, type: "bind", source: "\(etcDirectory)/\($0.0)", options: ["rbind", "rprivate", "rw"])
        }
    }

    func volumeMounts() -> [OCISpec.Mount] {
        volumes.map {
            OCISpec.Mount(destination: $0.destination, type: "bind", source: $0.source, options: ["rbind", "rprivate", $0.readOnly ? "ro" : "rw"])
        }
    }

    /// limits.memory in bytes; limits.cpu as a CFS quota over a 100 ms period (Kubernetes'
    /// milli-CPU × 100); pids from the node's setting or `limits.pids`.
    func resources() throws(RuntimeError) -> OCISpec.Resources {
        var r = OCISpec.Resources()
        let limits = container.resources?.limits ?? [:]
        if let memory = limits["memory"] {
            guard let bytes = memory.int64Value, bytes > 0 else {
                throw RuntimeError(.invalid, "container \(container.name): limits.memory \(memory) is not a byte count above zero")
            }
            r.memory = .init(limit: bytes)
        }
        if let cpu = limits["cpu"] {
            let milli = cpu.milliValue
            guard milli > 0, milli < Int128(Int64.max / 100) else {
                throw RuntimeError(.invalid, "container \(container.name): limits.cpu \(cpu) is not a CPU amount above zero")
            }
            // At least 1 ms per period: the kernel refuses less.
            r.cpu = .init(shares: nil, quota: max(1000, Int64(milli) * 100), period: 100_000)
        }
        var pids = pidsLimit
        if let p = limits["pids"], let n = p.int64Value, n > 0 { pids = n }
        r.pids = .init(limit: pids)
        return r
    }
}
