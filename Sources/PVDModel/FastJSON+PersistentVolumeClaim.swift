extension PersistentVolumeClaim: FastJSONEncodable, FastJSONDecodable {
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
        var apiVersion: String?, kindName: String?, metadata: ObjectMeta?, spec: PersistentVolumeClaimSpec?
        var status: PersistentVolumeClaimStatus?
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("metadata") {
                try r.once(&seen, 1 << 0)
                metadata = try r.optional(ObjectMeta.self)
            } else if r.isKey("spec") {
                try r.once(&seen, 1 << 1)
                spec = try r.optional(PersistentVolumeClaimSpec.self)
            } else if r.isKey("status") {
                try r.once(&seen, 1 << 2)
                status = try r.optional(PersistentVolumeClaimStatus.self)
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
            spec: spec ?? PersistentVolumeClaimSpec(), status: status))
    }
}

extension PersistentVolumeClaimSpec: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("accessModes", accessModes)
        w.field("resources", resources)
        w.field("selector", selector)
        w.field("storageClassName", storageClassName)
        w.field("volumeMode", volumeMode)
        w.field("volumeName", volumeName)
        w.endObject()
    }

    public init(json r: inout JSONReader) throws(FastJSONError) {
        self.init()
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("accessModes") {
                try r.once(&seen, 1 << 0)
                accessModes = try r.optionalArray(AccessMode.self)
            } else if r.isKey("resources") {
                try r.once(&seen, 1 << 1)
                resources = try r.optional(VolumeResourceRequirements.self)
            } else if r.isKey("storageClassName") {
                try r.once(&seen, 1 << 2)
                storageClassName = try r.optionalString()
            } else if r.isKey("selector") {
                try r.once(&seen, 1 << 3)
                selector = try r.optional(LabelSelector.self)
            } else if r.isKey("volumeMode") {
                try r.once(&seen, 1 << 4)
                volumeMode = try r.optional(VolumeMode.self)
            } else if r.isKey("volumeName") {
                try r.once(&seen, 1 << 5)
                volumeName = try r.optionalString()
            } else {
                try r.skipValue()
            }
        }
    }
}

extension VolumeResourceRequirements: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("limits", limits)
        w.field("requests", requests)
        w.endObject()
    }

    public init(json r: inout JSONReader) throws(FastJSONError) {
        self.init()
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("requests") {
                try r.once(&seen, 1 << 0)
                requests = try r.optionalMap(Quantity.self)
            } else if r.isKey("limits") {
                try r.once(&seen, 1 << 1)
                limits = try r.optionalMap(Quantity.self)
            } else {
                try r.skipValue()
            }
        }
    }
}

extension PersistentVolumeClaimStatus: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("accessModes", accessModes)
        w.field("allocatedResources", allocatedResources)
        w.field("capacity", capacity)
        w.field("conditions", conditions)
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
                phase = try r.optional(ClaimPhase.self)
            } else if r.isKey("accessModes") {
                try r.once(&seen, 1 << 1)
                accessModes = try r.optionalArray(AccessMode.self)
            } else if r.isKey("capacity") {
                try r.once(&seen, 1 << 2)
                capacity = try r.optionalMap(Quantity.self)
            } else if r.isKey("conditions") {
                try r.once(&seen, 1 << 3)
                conditions = try r.optionalArray(PersistentVolumeClaimCondition.self)
            } else if r.isKey("allocatedResources") {
                try r.once(&seen, 1 << 4)
                allocatedResources = try r.optionalMap(Quantity.self)
            } else {
                try r.skipValue()
            }
        }
    }
}

extension PersistentVolumeClaimCondition: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("lastProbeTime", lastProbeTime)
        w.field("lastTransitionTime", lastTransitionTime)
        w.field("message", message)
        w.field("reason", reason)
        w.field("status", status)
        w.field("type", type)
        w.endObject()
    }

    /// `type` and `status` are required, as in Kubernetes.
    public init(json r: inout JSONReader) throws(FastJSONError) {
        var type: String?, status: String?, probe: Time?, transition: Time?, reason: String?, message: String?
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
            } else if r.isKey("lastProbeTime") {
                try r.once(&seen, 1 << 2)
                probe = try r.optional(Time.self)
            } else if r.isKey("lastTransitionTime") {
                try r.once(&seen, 1 << 3)
                transition = try r.optional(Time.self)
            } else if r.isKey("reason") {
                try r.once(&seen, 1 << 4)
                reason = try r.optionalString()
            } else if r.isKey("message") {
                try r.once(&seen, 1 << 5)
                message = try r.optionalString()
            } else {
                try r.skipValue()
            }
        }
        guard let type, let status else { throw FastJSONError() }
        self.init(type: type, status: status, lastProbeTime: probe, lastTransitionTime: transition, reason: reason, message: message)
    }
}
