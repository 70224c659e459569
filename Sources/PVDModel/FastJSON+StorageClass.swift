extension StorageClass: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        // UTF-8 order: "allowVolumeExpansion" sorts before "allowedTopologies" ('V' < 'e').
        w.beginObject()
        w.field("allowVolumeExpansion", allowVolumeExpansion)
        w.field("allowedTopologies", allowedTopologies)
        w.field("apiVersion", apiVersion)
        w.field("kind", kindName)
        w.field("metadata", metadata)
        w.field("mountOptions", mountOptions)
        w.field("parameters", parameters)
        w.field("provisioner", provisioner)
        w.field("reclaimPolicy", reclaimPolicy)
        w.field("volumeBindingMode", volumeBindingMode)
        w.endObject()
    }

    /// As `init(from:)`: missing metadata decodes as empty, a missing provisioner as "".
    public init(json r: inout JSONReader) throws(FastJSONError) {
        var apiVersion: String?, kindName: String?, metadata: ObjectMeta?, provisioner: String?
        var parameters: [String: String]?, reclaimPolicy: ReclaimPolicy?, bindingMode: VolumeBindingMode?
        var allowExpansion: Bool?, mountOptions: [String]?, topologies: [TopologySelectorTerm]?
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("metadata") {
                try r.once(&seen, 1 << 0)
                metadata = try r.optional(ObjectMeta.self)
            } else if r.isKey("provisioner") {
                try r.once(&seen, 1 << 1)
                provisioner = try r.optionalString()
            } else if r.isKey("parameters") {
                try r.once(&seen, 1 << 2)
                parameters = try r.optionalStringMap()
            } else if r.isKey("reclaimPolicy") {
                try r.once(&seen, 1 << 3)
                reclaimPolicy = try r.optional(ReclaimPolicy.self)
            } else if r.isKey("volumeBindingMode") {
                try r.once(&seen, 1 << 4)
                bindingMode = try r.optional(VolumeBindingMode.self)
            } else if r.isKey("allowVolumeExpansion") {
                try r.once(&seen, 1 << 5)
                allowExpansion = try r.optionalBool()
            } else if r.isKey("mountOptions") {
                try r.once(&seen, 1 << 6)
                mountOptions = try r.optionalStringArray()
            } else if r.isKey("allowedTopologies") {
                try r.once(&seen, 1 << 7)
                topologies = try r.optionalArray(TopologySelectorTerm.self)
            } else if r.isKey("apiVersion") {
                try r.once(&seen, 1 << 8)
                apiVersion = try r.optionalString()
            } else if r.isKey("kind") {
                try r.once(&seen, 1 << 9)
                kindName = try r.optionalString()
            } else {
                try r.skipValue()
            }
        }
        self.init(name: "", provisioner: provisioner ?? "")
        self.apiVersion = apiVersion
        self.kindName = kindName
        self.metadata = metadata ?? ObjectMeta(name: "")
        self.parameters = parameters
        self.reclaimPolicy = reclaimPolicy
        self.volumeBindingMode = bindingMode
        self.allowVolumeExpansion = allowExpansion
        self.mountOptions = mountOptions
        self.allowedTopologies = topologies
    }
}
