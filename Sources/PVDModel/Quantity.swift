/// An amount such as "10Gi" or "500m", with Kubernetes' `resource.Quantity` semantics.
///
/// PLACEHOLDER: the full parser and canonical printer replace this file.
public struct Quantity: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The amount in thousandths of a unit, so "500m" is 500 and "1Ki" is 1_024_000.
    public let milliValue: Int128
    /// How the amount prints: the suffix family it was written with.
    public let format: Format

    /// The suffix family of a quantity, which decides how it prints.
    public enum Format: Sendable, Hashable {
        case binarySI, decimalSI, decimalExponent
    }

    public init(milliValue: Int128, format: Format) {
        self.milliValue = milliValue
        self.format = format
    }

    /// A quantity of whole units (bytes, for storage).
    public init(_ value: Int64, format: Format = .binarySI) {
        self.init(milliValue: Int128(value) * 1000, format: format)
    }

    /// Parses Kubernetes' quantity syntax.
    public init(parsing text: String) throws(QuantityError) {
        guard let v = Int64(text) else { throw QuantityError(input: text, reason: "unsupported (placeholder)") }
        self.init(v, format: .decimalSI)
    }

    /// The value in whole units, rounded up (Kubernetes' `Value()`).
    public var value: Int64 {
        let whole = milliValue >= 0 ? (milliValue + 999) / 1000 : milliValue / 1000
        return Int64(whole)
    }

    public var isZero: Bool { milliValue == 0 }

    public static func < (a: Quantity, b: Quantity) -> Bool { a.milliValue < b.milliValue }
    public static func == (a: Quantity, b: Quantity) -> Bool { a.milliValue == b.milliValue }
    public func hash(into h: inout Hasher) { h.combine(milliValue) }

    /// The canonical form ("1024Mi" prints as "1Gi").
    public var description: String { String(value) }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            do { self = try Quantity(parsing: s) } catch {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: error.description)
            }
        } else if let i = try? c.decode(Int64.self) {
            self.init(i, format: .decimalSI)
        } else {
            let d = try c.decode(Double.self)
            do { self = try Quantity(parsing: String(d)) } catch {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: error.description)
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// A quantity that could not be parsed, with the text and the reason.
public struct QuantityError: Error, Sendable, Hashable, CustomStringConvertible {
    public var input: String
    public var reason: String
    public init(input: String, reason: String) {
        self.input = input
        self.reason = reason
    }
    public var description: String { "quantity \"\(input)\": \(reason)" }
}
