extension Quantity {
    /// Decodes a quantity from a JSON or YAML string ("10Gi") or number (`1024`, `1.5`). As
    /// Kubernetes' `UnmarshalJSON` does, surrounding whitespace in a string is ignored and null
    /// is zero.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self.init(0, format: .decimalSI)
            return
        }
        let text: String
        if let s = try? c.decode(String.self) {
            text = s.trimmingWhitespace()
        } else if let i = try? c.decode(Int64.self) {
            self.init(i, format: .decimalSI)
            return
        } else {
            text = String(try c.decode(Double.self))
        }
        do {
            self = try Quantity(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: error.description)
        }
    }

    /// Encodes the canonical string form.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

extension String {
    /// The string without leading and trailing ASCII whitespace.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }),
              let end = lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(self[start...end])
    }
}
