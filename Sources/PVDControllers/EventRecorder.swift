import PVDModel

#if canImport(Glibc)
import Glibc
#endif

/// Turns the events controllers report into Event objects to write, folding a repeat of an
/// existing event (same object, type, reason and message) into a count, as Kubernetes' event
/// correlator does, instead of piling up copies.
public struct EventRecorder: Sendable {
    private var existing: [String: Event] = [:]
    private var sequence: UInt64 = 0
    /// Events already recorded by this recorder: a controller that decides the same thing on
    /// every pass of one run reports it once.
    private var seen: Set<String> = []
    private let component: String

    /// Starts from the events already in the store, so repeats across runs are folded too.
    public init(existing events: [Event], component: String = "pvd") {
        self.component = component
        for e in events { existing[Self.key(e.involvedObject, e.type, e.reason, e.message)] = e }
    }

    private static func key(_ ref: ObjectReference, _ type: String?, _ reason: String?, _ message: String?) -> String {
        "\(ref.kind ?? "")|\(ref.namespace ?? "")|\(ref.name ?? "")|\(ref.uid ?? "")|\(type ?? "")|\(reason ?? "")|\(message ?? "")"
    }

    /// The write recording one event: a new Event, or the existing one with its count raised;
    /// nil for a repeat within this recorder's lifetime.
    public mutating func record(_ e: BinderEvent, at now: Time) -> StoreWriteIntent? {
        let k = Self.key(e.object, e.type.rawValue, e.reason, e.message)
        guard seen.insert(k).inserted else { return nil }
        // From here on `seen` answers for this key, so the recorder keeps no copy of the event:
        // on a big bind that would be one more Event held per claim for the whole run.
        if var old = existing.removeValue(forKey: k) {
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

    /// Records that a write of `event` committed, so a later repeat updates the stored version.
    /// A repeat of an event this recorder recorded itself is folded by `seen` and never looks the
    /// stored version up, so only other events are kept.
    public mutating func committed(_ event: Event) {
        let k = Self.key(event.involvedObject, event.type, event.reason, event.message)
        if !seen.contains(k) { existing[k] = event }
    }
}

/// An Event write before it is handed to the store.
public enum StoreWriteIntent: Sendable {
    case create(Event)
    case update(Event)
}
