extension PersistentVolume: FastJSONEncodable, FastJSONDecodable {
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
        var apiVersion: String?, kindName: String?, metadata: ObjectMeta?, spec: PersistentVolumeSpec?
        var status: PersistentVolumeStatus?
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("metadata") {
                try r.once(&seen, 1 << 0)
                metadata = try r.optional(ObjectMeta.self)
            } else if r.isKey("spec") {
                try r.once(&seen, 1 << 1)
                spec = try r.optional(PersistentVolumeSpec.self)
            } else if r.isKey("status") {
                try r.once(&seen, 1 << 2)
                status = try r.optional(PersistentVolumeStatus.self)
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
        box = SharedFields(Fields(
            apiVersion: apiVersion, kindName: kindName, metadata: metadata ?? ObjectMeta(name: ""),
            spec: spec ?? PersistentVolumeSpec(), status: status))
    }
}

extension PersistentVolumeSpec: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("accessModes", accessModes)
        w.field("capacity", capacity)
        w.field("claimRef", claimRef)
        w.field("hostPath", hostPath)
        w.field("local", local)
        w.field("mountOptions", mountOptions)
        w.field("nodeAffinity", nodeAffinity)
        w.field("persistentVolumeReclaimPolicy", persistentVolumeReclaimPolicy)
        w.field("storageClassName", storageClassName)
        w.field("volumeMode", volumeMode)
        w.endObject()
    }

    public init(json r: inout JSONReader) throws(FastJSONError) {
        self.init()
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("capacity") {
                try r.once(&seen, 1 << 0)
                capacity = try r.optionalMap(Quantity.self)
            } else if r.isKey("accessModes") {
                try r.once(&seen, 1 << 1)
                accessModes = try r.optionalArray(AccessMode.self)
            } else if r.isKey("persistentVolumeReclaimPolicy") {
                try r.once(&seen, 1 << 2)
                persistentVolumeReclaimPolicy = try r.optional(ReclaimPolicy.self)
            } else if r.isKey("storageClassName") {
                try r.once(&seen, 1 << 3)
                storageClassName = try r.optionalString()
            } else if r.isKey("volumeMode") {
                try r.once(&seen, 1 << 4)
                volumeMode = try r.optional(VolumeMode.self)
            } else if r.isKey("claimRef") {
                try r.once(&seen, 1 << 5)
                claimRef = try r.optional(ObjectReference.self)
            } else if r.isKey("nodeAffinity") {
                try r.once(&seen, 1 << 6)
                nodeAffinity = try r.optional(VolumeNodeAffinity.self)
            } else if r.isKey("mountOptions") {
                try r.once(&seen, 1 << 7)
                mountOptions = try r.optionalStringArray()
            } else if r.isKey("hostPath") {
                try r.once(&seen, 1 << 8)
                hostPath = try r.optional(HostPathVolumeSource.self)
            } else if r.isKey("local") {
                try r.once(&seen, 1 << 9)
                local = try r.optional(LocalVolumeSource.self)
            } else {
                try r.skipValue()
            }
        }
    }
}

extension PersistentVolumeStatus: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("lastPhaseTransitionTime", lastPhaseTransitionTime)
        w.field("message", message)
        w.field("phase", phase)
        w.field("reason", reason)
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
                phase = try r.optional(VolumePhase.self)
            } else if r.isKey("message") {
                try r.once(&seen, 1 << 1)
                message = try r.optionalString()
            } else if r.isKey("reason") {
                try r.once(&seen, 1 << 2)
                reason = try r.optionalString()
            } else if r.isKey("lastPhaseTransitionTime") {
                try r.once(&seen, 1 << 3)
                lastPhaseTransitionTime = try r.optional(Time.self)
            } else {
                try r.skipValue()
            }
        }
    }
}

extension HostPathVolumeSource: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("path", path)
        w.field("type", type)
        w.endObject()
    }

    /// `path` is required.
    public init(json r: inout JSONReader) throws(FastJSONError) {
        var path: String?, type: String?
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("path") {
                try r.once(&seen, 1 << 0)
                path = try r.readString()
            } else if r.isKey("type") {
                try r.once(&seen, 1 << 1)
                type = try r.optionalString()
            } else {
                try r.skipValue()
            }
        }
        guard let path else { throw FastJSONError() }
        self.init(path: path, type: type)
    }
}

extension LocalVolumeSource: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("fsType", fsType)
        w.field("path", path)
        w.endObject()
    }

    /// `path` is required.
    public init(json r: inout JSONReader) throws(FastJSONError) {
        var path: String?, fsType: String?
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("path") {
                try r.once(&seen, 1 << 0)
                path = try r.readString()
            } else if r.isKey("fsType") {
                try r.once(&seen, 1 << 1)
                fsType = try r.optionalString()
            } else {
                try r.skipValue()
            }
        }
        guard let path else { throw FastJSONError() }
        self.init(path: path, fsType: fsType)
    }
}
