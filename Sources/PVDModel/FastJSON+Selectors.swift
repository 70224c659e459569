// Selectors and affinity. Members Codable synthesizes as non-optional (`key`, `operator`,
// `nodeSelectorTerms`, ...) are required and may not be null; the readers throw otherwise.

extension LabelSelector: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("matchExpressions", matchExpressions)
        w.field("matchLabels", matchLabels)
        w.endObject()
    }

    public init(json r: inout JSONReader) throws(FastJSONError) {
        self.init()
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("matchLabels") {
                try r.once(&seen, 1 << 0)
                matchLabels = try r.optionalStringMap()
            } else if r.isKey("matchExpressions") {
                try r.once(&seen, 1 << 1)
                matchExpressions = try r.optionalArray(LabelSelectorRequirement.self)
            } else {
                try r.skipValue()
            }
        }
    }
}

extension LabelSelectorRequirement: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("key", key)
        w.field("operator", `operator`)
        w.field("values", values)
        w.endObject()
    }

    public init(json r: inout JSONReader) throws(FastJSONError) {
        let (key, op, values) = try readRequirement(&r)
        self.init(key: key, operator: op, values: values)
    }
}

extension NodeSelectorRequirement: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("key", key)
        w.field("operator", `operator`)
        w.field("values", values)
        w.endObject()
    }

    public init(json r: inout JSONReader) throws(FastJSONError) {
        let (key, op, values) = try readRequirement(&r)
        self.init(key: key, operator: op, values: values)
    }
}

/// The members of a label or node selector requirement: required key and operator, optional values.
private func readRequirement(_ r: inout JSONReader) throws(FastJSONError) -> (String, String, [String]?) {
    var key: String?
    var op: String?
    var values: [String]?
    var seen: UInt32 = 0
    try r.beginObject()
    var first = true
    while try r.nextKey(&first) {
        if r.isKey("key") {
            try r.once(&seen, 1 << 0)
            key = try r.readString()
        } else if r.isKey("operator") {
            try r.once(&seen, 1 << 1)
            op = try r.readString()
        } else if r.isKey("values") {
            try r.once(&seen, 1 << 2)
            values = try r.optionalStringArray()
        } else {
            try r.skipValue()
        }
    }
    guard let key, let op else { throw FastJSONError() }
    return (key, op, values)
}

extension NodeSelector: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("nodeSelectorTerms", nodeSelectorTerms)
        w.endObject()
    }

    public init(json r: inout JSONReader) throws(FastJSONError) {
        var terms: [NodeSelectorTerm]?
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("nodeSelectorTerms") {
                try r.once(&seen, 1 << 0)
                terms = try r.readArray(NodeSelectorTerm.self)
            } else {
                try r.skipValue()
            }
        }
        guard let terms else { throw FastJSONError() }
        self.init(nodeSelectorTerms: terms)
    }
}

extension NodeSelectorTerm: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("matchExpressions", matchExpressions)
        w.field("matchFields", matchFields)
        w.endObject()
    }

    public init(json r: inout JSONReader) throws(FastJSONError) {
        self.init()
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("matchExpressions") {
                try r.once(&seen, 1 << 0)
                matchExpressions = try r.optionalArray(NodeSelectorRequirement.self)
            } else if r.isKey("matchFields") {
                try r.once(&seen, 1 << 1)
                matchFields = try r.optionalArray(NodeSelectorRequirement.self)
            } else {
                try r.skipValue()
            }
        }
    }
}

extension VolumeNodeAffinity: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("required", required)
        w.endObject()
    }

    public init(json r: inout JSONReader) throws(FastJSONError) {
        self.init()
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("required") {
                try r.once(&seen, 1 << 0)
                required = try r.optional(NodeSelector.self)
            } else {
                try r.skipValue()
            }
        }
    }
}

extension TopologySelectorTerm: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("matchLabelExpressions", matchLabelExpressions)
        w.endObject()
    }

    public init(json r: inout JSONReader) throws(FastJSONError) {
        self.init()
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("matchLabelExpressions") {
                try r.once(&seen, 1 << 0)
                matchLabelExpressions = try r.optionalArray(TopologySelectorLabelRequirement.self)
            } else {
                try r.skipValue()
            }
        }
    }
}

extension TopologySelectorLabelRequirement: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        w.beginObject()
        w.field("key", key)
        w.field("values", values)
        w.endObject()
    }

    public init(json r: inout JSONReader) throws(FastJSONError) {
        var key: String?
        var values: [String]?
        var seen: UInt32 = 0
        try r.beginObject()
        var first = true
        while try r.nextKey(&first) {
            if r.isKey("key") {
                try r.once(&seen, 1 << 0)
                key = try r.readString()
            } else if r.isKey("values") {
                try r.once(&seen, 1 << 1)
                values = try r.readStringArray()
            } else {
                try r.skipValue()
            }
        }
        guard let key, let values else { throw FastJSONError() }
        self.init(key: key, values: values)
    }
}
