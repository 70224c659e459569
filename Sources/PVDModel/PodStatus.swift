/// The observed state of a Pod: its phase and, on a node that runs it, each container's state,
/// as the kubelet reports them. Codecs: `Schema/Pod.json`.
public struct PodStatus: Codable, Sendable, Hashable {
    /// Pending, Running, Succeeded or Failed.
    public var phase: String?
    public var message: String?
    public var reason: String?
    public var startTime: Time?
    public var containerStatuses: [ContainerStatus]?
    public var initContainerStatuses: [ContainerStatus]?
    public init(phase: String? = nil) { self.phase = phase }
}

/// The phases of a Pod, as Kubernetes spells them.
public enum PodPhase {
    public static let pending = "Pending"
    public static let running = "Running"
    public static let succeeded = "Succeeded"
    public static let failed = "Failed"
}

/// One container's state, restarts and readiness.
public struct ContainerStatus: Codable, Sendable, Hashable {
    public var name: String
    public var image: String?
    public var state: ContainerState?
    /// The state of the run before the current one (what `logs --previous` shows).
    public var lastState: ContainerState?
    public var ready: Bool
    public var restartCount: Int32
    public var started: Bool?
    /// `runc://<id>`.
    public var containerID: String?
    public init(name: String, ready: Bool = false, restartCount: Int32 = 0) {
        self.name = name
        self.ready = ready
        self.restartCount = restartCount
    }
}

/// Exactly one of waiting, running, terminated is set.
public struct ContainerState: Codable, Sendable, Hashable {
    public var waiting: ContainerStateWaiting?
    public var running: ContainerStateRunning?
    public var terminated: ContainerStateTerminated?
    public init(waiting: ContainerStateWaiting? = nil, running: ContainerStateRunning? = nil, terminated: ContainerStateTerminated? = nil) {
        self.waiting = waiting
        self.running = running
        self.terminated = terminated
    }
}

/// Not running yet, and why (`ContainerCreating`, `ErrImageNeverPull`, `CrashLoopBackOff`, …).
public struct ContainerStateWaiting: Codable, Sendable, Hashable {
    public var reason: String?
    public var message: String?
    public init(reason: String? = nil, message: String? = nil) {
        self.reason = reason
        self.message = message
    }
}

/// Running since `startedAt`.
public struct ContainerStateRunning: Codable, Sendable, Hashable {
    public var startedAt: Time?
    public init(startedAt: Time? = nil) { self.startedAt = startedAt }
}

/// Exited: `exitCode` and `reason` (`Completed`, `Error`, `OOMKilled`).
public struct ContainerStateTerminated: Codable, Sendable, Hashable {
    public var exitCode: Int32
    public var signal: Int32?
    public var reason: String?
    public var message: String?
    public var startedAt: Time?
    public var finishedAt: Time?
    public init(exitCode: Int32 = 0, reason: String? = nil, startedAt: Time? = nil, finishedAt: Time? = nil) {
        self.exitCode = exitCode
        self.reason = reason
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}
