extension Pod: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("apiVersion", apiVersion)
        w.field("kind", kindName)
        w.field("metadata", metadata)
        w.field("spec", spec)
        w.field("status", status)
        w.endObject()
    }

    /// As `init(from:)`: missing metadata and spec decode as empty ones.
    public init(json r: inout JSONReader) throws(FastJSONError) {
        var apiVersion: String?, kindName: String?, metadata: ObjectMeta?, spec: PodSpec?, status: PodStatus?
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("metadata") {
                try r.once(&seen, 1 << 0)
                metadata = try r.optional(ObjectMeta.self)
            } else if r.isKey("spec") {
                try r.once(&seen, 1 << 1)
                spec = try r.optional(PodSpec.self)
            } else if r.isKey("status") {
                try r.once(&seen, 1 << 2)
                status = try r.optional(PodStatus.self)
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
        self.init(name: "", spec: spec ?? PodSpec())
        self.apiVersion = apiVersion
        self.kindName = kindName
        self.metadata = metadata ?? ObjectMeta(name: "")
        self.status = status
    }
}

extension PodSpec: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("containers", containers)
        w.field("nodeName", nodeName)
        w.field("volumes", volumes)
        w.endObject()
    }

    public init(json r: inout JSONReader) throws(FastJSONError) {
        self.init()
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("nodeName") {
                try r.once(&seen, 1 << 0)
                nodeName = try r.optionalString()
            } else if r.isKey("volumes") {
                try r.once(&seen, 1 << 1)
                volumes = try r.optionalArray(PodVolume.self)
            } else if r.isKey("containers") {
                try r.once(&seen, 1 << 2)
                containers = try r.optionalArray(JSONValue.self)
            } else {
                try r.skipValue()
            }
        }
    }
}

extension PodVolume: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("name", name)
        w.field("persistentVolumeClaim", persistentVolumeClaim)
        w.endObject()
    }

    /// `name` is required.
    public init(json r: inout JSONReader) throws(FastJSONError) {
        var name: String?, claim: PersistentVolumeClaimVolumeSource?
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("name") {
                try r.once(&seen, 1 << 0)
                name = try r.readString()
            } else if r.isKey("persistentVolumeClaim") {
                try r.once(&seen, 1 << 1)
                claim = try r.optional(PersistentVolumeClaimVolumeSource.self)
            } else {
                try r.skipValue()
            }
        }
        guard let name else { throw FastJSONError() }
        self.init(name: name, persistentVolumeClaim: claim)
    }
}

extension PersistentVolumeClaimVolumeSource: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("claimName", claimName)
        w.field("readOnly", readOnly)
        w.endObject()
    }

    /// `claimName` is required.
    public init(json r: inout JSONReader) throws(FastJSONError) {
        var claimName: String?, readOnly: Bool?
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("claimName") {
                try r.once(&seen, 1 << 0)
                claimName = try r.readString()
            } else if r.isKey("readOnly") {
                try r.once(&seen, 1 << 1)
                readOnly = try r.optionalBool()
            } else {
                try r.skipValue()
            }
        }
        guard let claimName else { throw FastJSONError() }
        self.init(claimName: claimName, readOnly: readOnly)
    }
}

extension PodStatus: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("phase", phase)
        w.endObject()
    }

    public init(json r: inout JSONReader) throws(FastJSONError) {
        self.init()
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("phase") {
                try r.once(&seen, 1 << 0)
                phase = try r.optionalString()
            } else {
                try r.skipValue()
            }
        }
    }
}
