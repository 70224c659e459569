// The string-wrapper enumerations encode and decode as their raw string, as their Codable
// implementations do.

extension AccessMode: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) { w.string(rawValue) }
    public init(json r: inout JSONReader) throws(FastJSONError) { self.init(rawValue: try r.readString()) }
}

extension ReclaimPolicy: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) { w.string(rawValue) }
    public init(json r: inout JSONReader) throws(FastJSONError) { self.init(rawValue: try r.readString()) }
}

extension VolumeMode: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) { w.string(rawValue) }
    public init(json r: inout JSONReader) throws(FastJSONError) { self.init(rawValue: try r.readString()) }
}

extension VolumeBindingMode: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) { w.string(rawValue) }
    public init(json r: inout JSONReader) throws(FastJSONError) { self.init(rawValue: try r.readString()) }
}

extension VolumePhase: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) { w.string(rawValue) }
    public init(json r: inout JSONReader) throws(FastJSONError) { self.init(rawValue: try r.readString()) }
}

extension ClaimPhase: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) { w.string(rawValue) }
    public init(json r: inout JSONReader) throws(FastJSONError) { self.init(rawValue: try r.readString()) }
}
