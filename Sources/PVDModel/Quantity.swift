/// An amount such as "10Gi", "500m" or "1e9", with the semantics of Kubernetes' `resource.Quantity`.
///
/// The syntax is `<sign><digits>[.<digits>]<suffix>`, where the suffix is binary (`Ki Mi Gi Ti Pi Ei`),
/// decimal (`n u m`, none, `k M G T P E`) or a decimal exponent (`e3`, `E-3`, `e+6`). The amount is
/// kept exactly, in billionths of a unit as Kubernetes does; anything finer is rounded up, away from
/// zero, to the next billionth ("0.1n" is "1n"). The suffix family is remembered as `format` and
/// decides how the amount prints; `description` is Kubernetes' canonical form ("1024Mi" prints as
/// "1Gi", "1.5" as "1500m", "1500000" as "1500k", "1e3" as "1e3").
///
/// Amounts past Int64 are kept exactly, as Kubernetes' arbitrary-precision path keeps them ("800E"
/// compares and prints as itself), and a binary amount above 2^63-1 units is capped there, as
/// Kubernetes caps it. `value` saturates; sizes that must be a byte count use `int64Value`.
///
/// Deliberate differences from Kubernetes:
/// - A magnitude of 10^29 whole units or more (a hundred billion E) fails to parse: billionths
///   of it would not fit 128 bits. Kubernetes keeps any size.
/// - A number needs at least one digit: Kubernetes' scanner reads "Gi", "-" and "." as zero,
///   against its own documented grammar; here they are errors.
/// - `description` and encoding are always canonical. Kubernetes echoes the text as written when
///   it happens to look canonical, so "+1Gi" or "01Gi" may be written back unchanged.
public struct Quantity: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The amount in billionths of a unit (Kubernetes' finest scale), so "1n" is 1 and "1" is 10^9.
    public let nanoValue: Int128
    /// How the amount prints: the suffix family it was written with.
    public let format: Format

    /// The suffix family of a quantity, which decides how it prints.
    public enum Format: Sendable, Hashable {
        /// Powers of 1024: Ki, Mi, Gi, Ti, Pi, Ei.
        case binarySI
        /// Powers of 1000: n, u, m, (none), k, M, G, T, P, E.
        case decimalSI
        /// A power of ten written as an exponent: 1e3, 5e-3.
        case decimalExponent
    }

    static let nanosPerUnit: Int128 = 1_000_000_000
    /// The most decimal digits a parsed amount may have in billionths: below 10^38 fits Int128
    /// (whose bound is 1.7 × 10^38) with room for rounding up.
    static let maxNanoDigits = 38
    /// Where Kubernetes caps a binary amount: 2^63-1 whole units.
    static let maxBinaryNanos: Int128 = Int128(Int64.max) * nanosPerUnit
    static let tooLarge = "too large: pvd keeps a quantity exactly below 10^29 units"

    /// A quantity of exactly `nanoValue` billionths of a unit.
    public init(nanoValue: Int128, format: Format) {
        self.nanoValue = nanoValue
        self.format = format
    }

    /// A quantity of `milliValue` thousandths of a unit. Values beyond Int128's range once scaled
    /// to billionths saturate.
    public init(milliValue: Int128, format: Format) {
        let (n, overflow) = milliValue.multipliedReportingOverflow(by: 1_000_000)
        self.init(nanoValue: overflow ? (milliValue < 0 ? .min : .max) : n, format: format)
    }

    /// A quantity of whole units (bytes, for storage).
    public init(_ value: Int64, format: Format = .binarySI) {
        self.init(nanoValue: Int128(value) * Self.nanosPerUnit, format: format)
    }

    /// The amount in thousandths of a unit, rounded up away from zero (Kubernetes' `MilliValue()`).
    public var milliValue: Int128 { Self.divideAwayFromZero(nanoValue, by: 1_000_000) }

    /// The amount in whole units, rounded up away from zero (Kubernetes' `Value()`), saturating at
    /// Int64's bounds.
    public var value: Int64 {
        let units = Self.divideAwayFromZero(nanoValue, by: Self.nanosPerUnit)
        if units > Int128(Int64.max) { return .max }
        if units < Int128(Int64.min) { return .min }
        return Int64(units)
    }

    /// The amount in whole units, rounded up away from zero as `value`, or nil when that is
    /// beyond Int64 (Kubernetes' `AsInt64` failing): what a byte count that must be real needs.
    public var int64Value: Int64? {
        let units = Self.divideAwayFromZero(nanoValue, by: Self.nanosPerUnit)
        return units > Int128(Int64.max) || units < Int128(Int64.min) ? nil : Int64(units)
    }

    public var isZero: Bool { nanoValue == 0 }

    public static func < (a: Quantity, b: Quantity) -> Bool { a.nanoValue < b.nanoValue }
    public static func == (a: Quantity, b: Quantity) -> Bool { a.nanoValue == b.nanoValue }
    public func hash(into h: inout Hasher) { h.combine(nanoValue) }

    /// The sum, in the left operand's format unless that is zero (as Kubernetes' `Add`).
    /// Saturates instead of trapping at Int128's bounds.
    public static func + (a: Quantity, b: Quantity) -> Quantity {
        let (sum, overflow) = a.nanoValue.addingReportingOverflow(b.nanoValue)
        let n = overflow ? (b.nanoValue < 0 ? Int128.min : .max) : sum
        return Quantity(nanoValue: n, format: a.isZero ? b.format : a.format)
    }

    /// The difference, in the left operand's format unless that is zero (as Kubernetes' `Sub`).
    /// Saturates instead of trapping at Int128's bounds.
    public static func - (a: Quantity, b: Quantity) -> Quantity {
        let (diff, overflow) = a.nanoValue.subtractingReportingOverflow(b.nanoValue)
        let n = overflow ? (b.nanoValue > 0 ? Int128.min : .max) : diff
        return Quantity(nanoValue: n, format: a.isZero ? b.format : a.format)
    }

    static func divideAwayFromZero(_ n: Int128, by d: Int128) -> Int128 {
        let (q, r) = n.quotientAndRemainder(dividingBy: d)
        if r == 0 { return q }
        return n > 0 ? q + 1 : q - 1
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
