/// One entry of `spec.containers` or `spec.initContainers`: what to run, from which image, with
/// which volumes mounted where. Codecs: `Schema/Pod.json`.
public struct Container: Codable, Sendable, Hashable {
    public var name: String
    /// An image reference, normalised as Kubernetes does (`alpine` is `docker.io/library/alpine:latest`).
    public var image: String?
    /// Replaces the image's ENTRYPOINT.
    public var command: [String]?
    /// Replaces the image's CMD.
    public var args: [String]?
    public var env: [EnvVar]?
    public var workingDir: String?
    public var volumeMounts: [VolumeMount]?
    /// Block claims as device nodes (`volumeMode: Block`).
    public var volumeDevices: [VolumeDevice]?
    public var securityContext: SecurityContext?
    public var resources: ResourceRequirements?

    public init(name: String, image: String? = nil, command: [String]? = nil, args: [String]? = nil, volumeMounts: [VolumeMount]? = nil) {
        self.name = name
        self.image = image
        self.command = command
        self.args = args
        self.volumeMounts = volumeMounts
    }
}

/// `env[]` of a container: literal values only (`valueFrom` is not read).
public struct EnvVar: Codable, Sendable, Hashable {
    public var name: String
    public var value: String?
    public init(name: String, value: String? = nil) {
        self.name = name
        self.value = value
    }
}

/// `volumeMounts[]`: one of the Pod's volumes at `mountPath`, optionally only its `subPath`.
public struct VolumeMount: Codable, Sendable, Hashable {
    public var name: String
    public var mountPath: String
    public var readOnly: Bool?
    public var subPath: String?
    public init(name: String, mountPath: String, readOnly: Bool? = nil, subPath: String? = nil) {
        self.name = name
        self.mountPath = mountPath
        self.readOnly = readOnly
        self.subPath = subPath
    }
}

/// `volumeDevices[]`: one of the Pod's Block claims as a block device node at `devicePath`.
public struct VolumeDevice: Codable, Sendable, Hashable {
    public var name: String
    public var devicePath: String
    public init(name: String, devicePath: String) {
        self.name = name
        self.devicePath = devicePath
    }
}

/// A container's `securityContext`: the user and group its process runs as.
public struct SecurityContext: Codable, Sendable, Hashable {
    public var runAsUser: Int64?
    public var runAsGroup: Int64?
    public init(runAsUser: Int64? = nil, runAsGroup: Int64? = nil) {
        self.runAsUser = runAsUser
        self.runAsGroup = runAsGroup
    }
}

/// The Pod's `securityContext`: defaults for every container, and `fsGroup`, a supplementary
/// group of every container's process that also owns the Pod's `local` volumes (as the kubelet
/// sets volume ownership), walked every time or only when the volume's root does not match
/// (`fsGroupChangePolicy`: `Always`, the default, or `OnRootMismatch`).
public struct PodSecurityContext: Codable, Sendable, Hashable {
    public var runAsUser: Int64?
    public var runAsGroup: Int64?
    public var fsGroup: Int64?
    public var fsGroupChangePolicy: String?
    public init(runAsUser: Int64? = nil, runAsGroup: Int64? = nil, fsGroup: Int64? = nil, fsGroupChangePolicy: String? = nil) {
        self.runAsUser = runAsUser
        self.runAsGroup = runAsGroup
        self.fsGroup = fsGroup
        self.fsGroupChangePolicy = fsGroupChangePolicy
    }
}

/// A container's `resources`: `limits.memory`, `limits.cpu` (and `limits.pids`, pvd's own) become
/// cgroup limits; requests are kept, not used (there is no scheduler).
public struct ResourceRequirements: Codable, Sendable, Hashable {
    public var limits: [String: Quantity]?
    public var requests: [String: Quantity]?
    public init(limits: [String: Quantity]? = nil, requests: [String: Quantity]? = nil) {
        self.limits = limits
        self.requests = requests
    }
}
