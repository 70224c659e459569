import PVDModel

/// An Event the binder wants recorded: what it is about, Normal or Warning, a reason and a message.
public struct BinderEvent: Sendable, Hashable {
    /// The object the event is about (its `involvedObject`).
    public var object: ObjectReference
    public var type: EventType
    /// A CamelCase reason, as Kubernetes' (`FailedBinding`, `ProvisioningFailed`, ...).
    public var reason: String
    public var message: String

    public init(object: ObjectReference, type: EventType, reason: String, message: String) {
        self.object = object
        self.type = type
        self.reason = reason
        self.message = message
    }
}

/// Event reasons, spelled as Kubernetes' PV controller spells them, plus pvd's own
/// `VolumeBound` (Kubernetes records no event when a bind succeeds).
public enum BinderReason {
    public static let failedBinding = "FailedBinding"
    public static let volumeMismatch = "VolumeMismatch"
    public static let waitForFirstConsumer = "WaitForFirstConsumer"
    public static let externalProvisioning = "ExternalProvisioning"
    public static let provisioningFailed = "ProvisioningFailed"
    public static let claimLost = "ClaimLost"
    public static let claimMisbound = "ClaimMisbound"
    /// pvd's addition: a Normal event on the claim each time it becomes Bound.
    public static let volumeBound = "VolumeBound"
}

/// What the binder decided for one claim: the objects to write and the events to record.
///
/// The controller writes `volume` first and `claim` second (Kubernetes' order: a crash in
/// between leaves a PV pointing at a claim, which the next sync completes), then records
/// `events`. A nil object means that object is already as it should be.
public struct ClaimAction: Sendable, Equatable {
    /// The gist of the decision.
    public enum Outcome: Sendable, Equatable {
        /// Bound, or stays bound, to this volume.
        case bound(volume: String)
        /// Stays Pending; the events say why, if anything is worth saying.
        case pending
        /// A WaitForFirstConsumer claim no Pod has been scheduled for yet.
        case waitForFirstConsumer
        /// No volume fits: the class's provisioner should make one.
        case provision(provisioner: String)
        /// Lost its volume, for good.
        case lost
    }

    /// "namespace/name" of the claim.
    public var claimKey: String
    /// The gist of the decision.
    public var outcome: Outcome
    /// The volume as it must now be written, or nil.
    public var volume: PersistentVolume? {
        get { written?.volume }
        set { written = Written.make(volume: newValue, claim: claim) }
    }
    /// The claim as it must now be written, or nil.
    public var claim: PersistentVolumeClaim? {
        get { written?.claim }
        set { written = Written.make(volume: volume, claim: newValue) }
    }
    /// Events to record, in order.
    public var events: [BinderEvent]
    /// The objects to write, kept out of line: a batch holds one action per claim, and inline
    /// objects would make each action several hundred bytes.
    private var written: Written?
    /// The default class given to a claim that named none, already part of `claim`.
    public var assignedDefaultClass: String?

    public init(
        claimKey: String, outcome: Outcome, volume: PersistentVolume? = nil, claim: PersistentVolumeClaim? = nil,
        events: [BinderEvent] = [], assignedDefaultClass: String? = nil
    ) {
        self.claimKey = claimKey
        self.outcome = outcome
        self.written = Written.make(volume: volume, claim: claim)
        self.events = events
        self.assignedDefaultClass = assignedDefaultClass
    }

    /// Whether anything must be written or recorded.
    public var isNoOp: Bool { volume == nil && claim == nil && events.isEmpty }

    /// An immutable box for the objects an action writes.
    private final class Written: Sendable, Equatable {
        let volume: PersistentVolume?
        let claim: PersistentVolumeClaim?

        init(volume: PersistentVolume?, claim: PersistentVolumeClaim?) {
            self.volume = volume
            self.claim = claim
        }

        /// A box for these objects, or nil when there is nothing to write.
        static func make(volume: PersistentVolume?, claim: PersistentVolumeClaim?) -> Written? {
            volume == nil && claim == nil ? nil : Written(volume: volume, claim: claim)
        }

        static func == (a: Written, b: Written) -> Bool { a.volume == b.volume && a.claim == b.claim }
    }
}

/// What the binder decided for one volume.
public struct VolumeAction: Sendable, Equatable {
    /// The gist of the decision.
    public enum Outcome: Sendable, Equatable {
        /// Free (or pre-bound to a claim that has not bound yet): Available.
        case available
        /// Bound to a claim that is bound to it.
        case bound
        /// Its claim is gone: Released, for the reclaim policy to act on.
        case released
        /// Bound by the controller to a claim that took another volume: the binding is undone
        /// and the volume is Available again.
        case unbound
        /// Points at a claim that has not finished binding; the claim's sync will complete it.
        case waitingForClaim(claimKey: String)
        /// Left as it is (a Failed or Released volume whose claim is gone stays so).
        case unchanged
    }

    /// The name of the volume decided on.
    public var volumeName: String
    /// The gist of the decision.
    public var outcome: Outcome
    /// The volume as it must now be written, or nil.
    public var volume: PersistentVolume?
    /// Events to record, in order (on the volume, and sometimes on its claim).
    public var events: [BinderEvent]

    public init(volumeName: String, outcome: Outcome, volume: PersistentVolume? = nil, events: [BinderEvent] = []) {
        self.volumeName = volumeName
        self.outcome = outcome
        self.volume = volume
        self.events = events
    }
}
