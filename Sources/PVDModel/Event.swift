/// Something that happened to an object (v1 Event), shown by `pvd describe` and `pvd get events`.
public struct Event: Resource {
    public static let kind = ResourceKind.event
    public var apiVersion: String?
    public var kindName: String?
    public var metadata: ObjectMeta
    public var involvedObject: ObjectReference
    public var reason: String?
    public var message: String?
    public var type: String?
    public var count: Int?
    public var firstTimestamp: Time?
    public var lastTimestamp: Time?
    public var source: EventSource?

    enum CodingKeys: String, CodingKey {
        case apiVersion, kindName = "kind", metadata, involvedObject, reason, message, type, count
        case firstTimestamp, lastTimestamp, source
    }

    public init(
        name: String, namespace: String, involvedObject: ObjectReference, type: EventType,
        reason: String, message: String, at time: Time, component: String = "pvd"
    ) {
        self.metadata = ObjectMeta(name: name, namespace: namespace)
        self.involvedObject = involvedObject
        self.type = type.rawValue
        self.reason = reason
        self.message = message
        self.count = 1
        self.firstTimestamp = time
        self.lastTimestamp = time
        self.source = EventSource(component: component)
        setTypeMeta()
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        kindName = try c.decodeIfPresent(String.self, forKey: .kindName)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta(name: "")
        involvedObject = try c.decodeIfPresent(ObjectReference.self, forKey: .involvedObject) ?? ObjectReference()
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
        message = try c.decodeIfPresent(String.self, forKey: .message)
        type = try c.decodeIfPresent(String.self, forKey: .type)
        count = try c.decodeIfPresent(Int.self, forKey: .count)
        firstTimestamp = try c.decodeIfPresent(Time.self, forKey: .firstTimestamp)
        lastTimestamp = try c.decodeIfPresent(Time.self, forKey: .lastTimestamp)
        source = try c.decodeIfPresent(EventSource.self, forKey: .source)
    }
}

/// Normal or Warning.
public enum EventType: String, Sendable {
    case normal = "Normal"
    case warning = "Warning"
}

/// The component that reported an Event.
public struct EventSource: Codable, Sendable, Hashable {
    public var component: String?
    public var host: String?
    public init(component: String? = nil, host: String? = nil) {
        self.component = component
        self.host = host
    }
}
