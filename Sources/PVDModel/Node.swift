/// A machine that runs pvd (v1 Node), registered by its daemon; its labels decide which
/// volumes' node affinity it satisfies.
public struct Node: Resource {
    public static let kind = ResourceKind.node
    public var apiVersion: String?
    public var kindName: String?
    public var metadata: ObjectMeta
    public var spec: NodeSpec?
    public var status: NodeStatus?

    enum CodingKeys: String, CodingKey { case apiVersion, kindName = "kind", metadata, spec, status }

    public init(name: String, labels: [String: String]? = nil) {
        self.metadata = ObjectMeta(name: name, labels: labels)
        setTypeMeta()
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        kindName = try c.decodeIfPresent(String.self, forKey: .kindName)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta(name: "")
        spec = try c.decodeIfPresent(NodeSpec.self, forKey: .spec)
        status = try c.decodeIfPresent(NodeStatus.self, forKey: .status)
    }
}

/// The parts of a Node's spec pvd keeps.
public struct NodeSpec: Codable, Sendable, Hashable {
    public var unschedulable: Bool?
    public init(unschedulable: Bool? = nil) { self.unschedulable = unschedulable }
}

/// A Node's status: its conditions, of which pvd writes Ready with a heartbeat.
public struct NodeStatus: Codable, Sendable, Hashable {
    public var conditions: [NodeCondition]?
    public init(conditions: [NodeCondition]? = nil) { self.conditions = conditions }
}

/// One Node condition.
public struct NodeCondition: Codable, Sendable, Hashable {
    public var type: String
    public var status: String
    public var lastHeartbeatTime: Time?
    public var reason: String?
    public var message: String?
    public init(type: String, status: String, lastHeartbeatTime: Time? = nil, reason: String? = nil, message: String? = nil) {
        self.type = type
        self.status = status
        self.lastHeartbeatTime = lastHeartbeatTime
        self.reason = reason
        self.message = message
    }
}
