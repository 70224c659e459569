import PVDModel

#if canImport(Glibc)
import Glibc
#endif

/// Turns the events controllers report into Event objects to write, folding a repeat of an
/// existing event (same object, type, reason and message) into a count, as Kubernetes' event
/// correlator does, instead of piling up copies.
///
/// A repeat is written only when the stored event last said it `repeatInterval` or more ago, as
/// Kubernetes' spam filter holds back an object's repeats: the daemon's passes are driven by
/// changes, and a pass re-decides every claim of a lane, so without it every change anywhere
/// rewrote the FailedBinding event of every Pending claim (10,000 writes per API create with
/// 10,000 Pending claims).
public struct EventRecorder: Sendable {
    /// How often one stored event's count and lastTimestamp are raised at most.
    public static let repeatInterval: Int64 = 60

    /// The stored events: the informer's live index, or one of the recorder's own.
    private let existing: SharedEventIndex
    private var sequence: UInt64 = 0
    /// Events already recorded by this recorder: a controller that decides the same thing on
    /// every pass of one run reports it once.
    private var seen: Set<String> = []
    private let component: String

    /// Starts from the events already in the store, so repeats across runs are folded too.
    public init(index: SharedEventIndex, component: String = "pvd") {
        self.existing = index
        self.component = component
    }

    /// Starts from an index of its own.
    public init(index: EventIndex, component: String = "pvd") {
        self.init(index: SharedEventIndex(index), component: component)
    }

    /// Starts from a list of the store's events (a one-off run, recovery).
    public init(existing events: [Event], component: String = "pvd") {
        self.init(index: EventIndex(events), component: component)
    }

    /// The write recording one event: a new Event, or the existing one with its count raised;
    /// nil for a repeat within this recorder's lifetime, or of an event stored less than
    /// `repeatInterval` ago.
    public mutating func record(_ e: BinderEvent, at now: Time) -> StoreWriteIntent? {
        let k = EventIndex.foldKey(e.object, e.type.rawValue, e.reason, e.message)
        // From here on `seen` answers for this key, so a repeat never reaches the stored event.
        guard seen.insert(k).inserted else { return nil }
        if var old = existing.event(fold: k) {
            if let last = old.lastTimestamp, now.seconds - last.seconds < Self.repeatInterval { return nil }
            old.count = (old.count ?? 1) + 1
            old.lastTimestamp = now
            return .update(old)
        }
        sequence += 1
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let nanos = UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec) &+ sequence
        let name = "\(e.object.name ?? "object").\(String(nanos, radix: 16))"
        let ns = e.object.namespace ?? "default"
        let event = Event(name: name, namespace: ns, involvedObject: e.object, type: e.type, reason: e.reason,
                          message: e.message, at: now, component: component)
        return .create(event)
    }
}

/// An Event write before it is handed to the store.
public enum StoreWriteIntent: Sendable {
    case create(Event)
    case update(Event)
}
