extension JSONValue: FastJSONEncodable, FastJSONDecodable {
    public func writeJSON(to w: inout JSONWriter) {
        switch self {
        case .null: w.null()
        case .bool(let b): w.bool(b)
        case .int(let i): w.int(i)
        case .double(let d): w.double(d)
        case .string(let s): w.string(s)
        case .array(let a): w.array(a)
        case .object(let o): w.object(o)
        }
    }

    public init(json r: inout JSONReader) throws(FastJSONError) {
        self = try r.readJSONValue()
    }
}
