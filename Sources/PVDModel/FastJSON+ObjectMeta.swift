extension ObjectMeta: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("annotations", annotations)
        w.field("creationTimestamp", creationTimestamp)
        w.field("deletionTimestamp", deletionTimestamp)
        w.field("finalizers", finalizers)
        w.field("generation", generation)
        w.field("labels", labels)
        w.field("name", name)
        w.field("namespace", namespace)
        w.field("resourceVersion", resourceVersion)
        w.field("uid", uid)
        w.endObject()
    }

    /// As `init(from:)`: every member optional, a missing name is "".
    public init(json r: inout JSONReader) throws(FastJSONError) {
        self.init(name: "")
        var name: String?
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("name") {
                try r.once(&seen, 1 << 0)
                name = try r.optionalString()
            } else if r.isKey("namespace") {
                try r.once(&seen, 1 << 1)
                namespace = try r.optionalString()
            } else if r.isKey("uid") {
                try r.once(&seen, 1 << 2)
                uid = try r.optionalString()
            } else if r.isKey("resourceVersion") {
                try r.once(&seen, 1 << 3)
                resourceVersion = try r.optionalString()
            } else if r.isKey("generation") {
                try r.once(&seen, 1 << 4)
                generation = try r.optionalInt64()
            } else if r.isKey("creationTimestamp") {
                try r.once(&seen, 1 << 5)
                creationTimestamp = try r.optional(Time.self)
            } else if r.isKey("deletionTimestamp") {
                try r.once(&seen, 1 << 6)
                deletionTimestamp = try r.optional(Time.self)
            } else if r.isKey("labels") {
                try r.once(&seen, 1 << 7)
                labels = try r.optionalStringMap()
            } else if r.isKey("annotations") {
                try r.once(&seen, 1 << 8)
                annotations = try r.optionalStringMap()
            } else if r.isKey("finalizers") {
                try r.once(&seen, 1 << 9)
                finalizers = try r.optionalStringArray()
            } else {
                try r.skipValue()
            }
        }
        self.name = name ?? ""
    }
}

extension ObjectReference: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("apiVersion", apiVersion)
        w.field("fieldPath", fieldPath)
        w.field("kind", kind)
        w.field("name", name)
        w.field("namespace", namespace)
        w.field("resourceVersion", resourceVersion)
        w.field("uid", uid)
        w.endObject()
    }

    public init(json r: inout JSONReader) throws(FastJSONError) {
        self.init()
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("apiVersion") {
                try r.once(&seen, 1 << 0)
                apiVersion = try r.optionalString()
            } else if r.isKey("kind") {
                try r.once(&seen, 1 << 1)
                kind = try r.optionalString()
            } else if r.isKey("namespace") {
                try r.once(&seen, 1 << 2)
                namespace = try r.optionalString()
            } else if r.isKey("name") {
                try r.once(&seen, 1 << 3)
                name = try r.optionalString()
            } else if r.isKey("uid") {
                try r.once(&seen, 1 << 4)
                uid = try r.optionalString()
            } else if r.isKey("resourceVersion") {
                try r.once(&seen, 1 << 5)
                resourceVersion = try r.optionalString()
            } else if r.isKey("fieldPath") {
                try r.once(&seen, 1 << 6)
                fieldPath = try r.optionalString()
            } else {
                try r.skipValue()
            }
        }
    }
}
