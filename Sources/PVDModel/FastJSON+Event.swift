extension Event: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("apiVersion", apiVersion)
        w.field("count", count)
        w.field("firstTimestamp", firstTimestamp)
        w.field("involvedObject", involvedObject)
        w.field("kind", kindName)
        w.field("lastTimestamp", lastTimestamp)
        w.field("message", message)
        w.field("metadata", metadata)
        w.field("reason", reason)
        w.field("source", source)
        w.field("type", type)
        w.endObject()
    }

    /// As `init(from:)`: missing metadata and involvedObject decode as empty ones.
    public init(json r: inout JSONReader) throws(FastJSONError) {
        var apiVersion: String?, kindName: String?, metadata: ObjectMeta?, involved: ObjectReference?
        var reason: String?, message: String?, type: String?, count: Int?
        var firstTimestamp: Time?, lastTimestamp: Time?, source: EventSource?
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("metadata") {
                try r.once(&seen, 1 << 0)
                metadata = try r.optional(ObjectMeta.self)
            } else if r.isKey("involvedObject") {
                try r.once(&seen, 1 << 1)
                involved = try r.optional(ObjectReference.self)
            } else if r.isKey("reason") {
                try r.once(&seen, 1 << 2)
                reason = try r.optionalString()
            } else if r.isKey("message") {
                try r.once(&seen, 1 << 3)
                message = try r.optionalString()
            } else if r.isKey("type") {
                try r.once(&seen, 1 << 4)
                type = try r.optionalString()
            } else if r.isKey("count") {
                try r.once(&seen, 1 << 5)
                count = try r.optionalInt()
            } else if r.isKey("firstTimestamp") {
                try r.once(&seen, 1 << 6)
                firstTimestamp = try r.optional(Time.self)
            } else if r.isKey("lastTimestamp") {
                try r.once(&seen, 1 << 7)
                lastTimestamp = try r.optional(Time.self)
            } else if r.isKey("source") {
                try r.once(&seen, 1 << 8)
                source = try r.optional(EventSource.self)
            } else if r.isKey("apiVersion") {
                try r.once(&seen, 1 << 9)
                apiVersion = try r.optionalString()
            } else if r.isKey("kind") {
                try r.once(&seen, 1 << 10)
                kindName = try r.optionalString()
            } else {
                try r.skipValue()
            }
        }
        self.init(
            name: "", namespace: "", involvedObject: involved ?? ObjectReference(), type: .normal,
            reason: "", message: "", at: Time(seconds: 0))
        self.apiVersion = apiVersion
        self.kindName = kindName
        self.metadata = metadata ?? ObjectMeta(name: "")
        self.reason = reason
        self.message = message
        self.type = type
        self.count = count
        self.firstTimestamp = firstTimestamp
        self.lastTimestamp = lastTimestamp
        self.source = source
    }
}

extension EventSource: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("component", component)
        w.field("host", host)
        w.endObject()
    }

    public init(json r: inout JSONReader) throws(FastJSONError) {
        self.init()
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("component") {
                try r.once(&seen, 1 << 0)
                component = try r.optionalString()
            } else if r.isKey("host") {
                try r.once(&seen, 1 << 1)
                host = try r.optionalString()
            } else {
                try r.skipValue()
            }
        }
    }
}
