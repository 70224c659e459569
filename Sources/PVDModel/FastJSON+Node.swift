extension Node: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("apiVersion", apiVersion)
        w.field("kind", kindName)
        w.field("metadata", metadata)
        w.field("spec", spec)
        w.field("status", status)
        w.endObject()
    }

    /// As `init(from:)`: missing metadata decodes as empty; spec and status stay optional.
    public init(json r: inout JSONReader) throws(FastJSONError) {
        var apiVersion: String?, kindName: String?, metadata: ObjectMeta?, spec: NodeSpec?, status: NodeStatus?
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("metadata") {
                try r.once(&seen, 1 << 0)
                metadata = try r.optional(ObjectMeta.self)
            } else if r.isKey("spec") {
                try r.once(&seen, 1 << 1)
                spec = try r.optional(NodeSpec.self)
            } else if r.isKey("status") {
                try r.once(&seen, 1 << 2)
                status = try r.optional(NodeStatus.self)
            } else if r.isKey("apiVersion") {
                try r.once(&seen, 1 << 3)
                apiVersion = try r.optionalString()
            } else if r.isKey("kind") {
                try r.once(&seen, 1 << 4)
                kindName = try r.optionalString()
            } else {
                try r.skipValue()
            }
        }
        self.init(name: "")
        self.apiVersion = apiVersion
        self.kindName = kindName
        self.metadata = metadata ?? ObjectMeta(name: "")
        self.spec = spec
        self.status = status
    }
}

extension NodeSpec: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("unschedulable", unschedulable)
        w.endObject()
    }

    public init(json r: inout JSONReader) throws(FastJSONError) {
        self.init()
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("unschedulable") {
                try r.once(&seen, 1 << 0)
                unschedulable = try r.optionalBool()
            } else {
                try r.skipValue()
            }
        }
    }
}

extension NodeStatus: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("conditions", conditions)
        w.endObject()
    }

    public init(json r: inout JSONReader) throws(FastJSONError) {
        self.init()
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("conditions") {
                try r.once(&seen, 1 << 0)
                conditions = try r.optionalArray(NodeCondition.self)
            } else {
                try r.skipValue()
            }
        }
    }
}

extension NodeCondition: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("lastHeartbeatTime", lastHeartbeatTime)
        w.field("message", message)
        w.field("reason", reason)
        w.field("status", status)
        w.field("type", type)
        w.endObject()
    }

    /// `type` and `status` are required.
    public init(json r: inout JSONReader) throws(FastJSONError) {
        var type: String?, status: String?, heartbeat: Time?, reason: String?, message: String?
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("type") {
                try r.once(&seen, 1 << 0)
                type = try r.readString()
            } else if r.isKey("status") {
                try r.once(&seen, 1 << 1)
                status = try r.readString()
            } else if r.isKey("lastHeartbeatTime") {
                try r.once(&seen, 1 << 2)
                heartbeat = try r.optional(Time.self)
            } else if r.isKey("reason") {
                try r.once(&seen, 1 << 3)
                reason = try r.optionalString()
            } else if r.isKey("message") {
                try r.once(&seen, 1 << 4)
                message = try r.optionalString()
            } else {
                try r.skipValue()
            }
        }
        guard let type, let status else { throw FastJSONError() }
        self.init(type: type, status: status, lastHeartbeatTime: heartbeat, reason: reason, message: message)
    }
}
