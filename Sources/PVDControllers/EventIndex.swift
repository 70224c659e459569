import PVDModel
import Synchronization

/// The stored Events, by object key and by what makes two events the same one (object, type,
/// reason, message), kept current one watch event at a time, so that a controller run starts its
/// `EventRecorder` without going over every Event in the store.
///
/// Two stored events that fold together (written before folding, or by another component) share
/// one slot: the later one. Deleting it empties the slot, and the next repeat makes a new Event
/// instead of counting into the survivor, as Kubernetes' correlator does after a cache miss.
public struct EventIndex: Sendable {
    /// Every stored Event, by `namespace/name`.
    public private(set) var byKey: [String: Event] = [:]
    /// The Event each fold key counts into.
    private(set) var byFold: [String: Event] = [:]

    public init() {}

    public init(_ events: some Sequence<Event>) {
        for e in events { store(e) }
    }

    public var count: Int { byKey.count }

    /// Folds in a watch event's Event: stored (ADDED, MODIFIED) or removed (DELETED).
    public mutating func apply(_ event: Event, deleted: Bool) {
        if deleted { remove(key: event.key) } else { store(event) }
    }

    private mutating func store(_ event: Event) {
        remove(key: event.key)
        byKey[event.key] = event
        byFold[Self.foldKey(event)] = event
    }

    private mutating func remove(key: String) {
        guard let old = byKey.removeValue(forKey: key) else { return }
        let fold = Self.foldKey(old)
        if byFold[fold]?.key == key { byFold[fold] = nil }
    }

    /// What makes two events one: the same object, type, reason and message.
    static func foldKey(_ event: Event) -> String {
        foldKey(event.involvedObject, event.type, event.reason, event.message)
    }

    static func foldKey(_ ref: ObjectReference, _ type: String?, _ reason: String?, _ message: String?) -> String {
        "\(ref.kind ?? "")|\(ref.namespace ?? "")|\(ref.name ?? "")|\(ref.uid ?? "")|\(type ?? "")|\(reason ?? "")|\(message ?? "")"
    }
}

/// The informer's `EventIndex`, shared by reference with the recorders of the controller runs.
///
/// A value shared copy-on-write would be copied whole (every Event, twice over) the first time
/// the informer folds in a change while a run still holds it, and every run's own events come
/// back through the watch while it runs: with 10,000 Pending claims that copy was most of the
/// daemon's time under a bulk create. A recorder therefore reads the live index; it folds
/// repeats within its own run itself (`EventRecorder.seen`), so seeing its own writes arrive
/// changes nothing it decides.
public final class SharedEventIndex: Sendable {
    private let index: Mutex<EventIndex>

    public init(_ index: consuming EventIndex = EventIndex()) {
        self.index = Mutex(index)
    }

    public func apply(_ event: Event, deleted: Bool) {
        index.withLock { $0.apply(event, deleted: deleted) }
    }

    /// The stored Event a new one with this fold key would count into.
    func event(fold key: String) -> Event? { index.withLock { $0.byFold[key] } }

    public var count: Int { index.withLock { $0.count } }

    /// A copy of the whole index, for tests and tools.
    public var value: EventIndex { index.withLock { $0 } }
}
