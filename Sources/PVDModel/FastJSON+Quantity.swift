extension Quantity: FastJSONEncodable, FastJSONDecodable {
    /// Writes `description`. Whole amounts that fit Int64 (nearly every stored quantity) are
    /// formatted here with the same algorithm on Int64, since `description` works on Int128 and
    /// builds Strings; the tests compare the two.
    public func writeJSON(to w: inout JSONWriter) {
        let (units, rest) = nanoValue.quotientAndRemainder(dividingBy: Self.nanosPerUnit)
        guard rest == 0, units != 0, let u = Int64(exactly: units), u != .min else {
            w.string(description)
            return
        }
        w.plainString { out in Self.appendCanonical(units: u, format: format, to: &out) }
    }

    /// `description` for a non-zero whole amount that fits Int64 (not Int64.min).
    static func appendCanonical(units: Int64, format: Format, to out: inout [UInt8]) {
        if format == .binarySI, units.magnitude >= 1024 {
            var v = units
            var power = 0
            while power < 6, v % 1024 == 0 {
                v /= 1024
                power += 1
            }
            JSONWriter.appendDecimal(v, to: &out)
            if power > 0 {
                out.append(Self.binaryLetters[power - 1])
                out.append(UInt8(ascii: "i"))
            }
            return
        }
        // Decimal (or a binary amount below 1Ki): strip trailing zeros, then give back zeros
        // until the exponent is a multiple of three, as `description` does from billionths.
        var mantissa = units
        var exponent = 0
        while mantissa % 10 == 0 {
            mantissa /= 10
            exponent += 1
        }
        while exponent % 3 != 0 {
            mantissa *= 10
            exponent -= 1
        }
        JSONWriter.appendDecimal(mantissa, to: &out)
        if format == .decimalExponent {
            if exponent != 0 {
                out.append(UInt8(ascii: "e"))
                JSONWriter.appendDecimal(Int64(exponent), to: &out)
            }
        } else if exponent > 0 {
            out.append(Self.decimalLetters[exponent / 3 - 1])
        }
    }

    private static let binaryLetters: [UInt8] = Array("KMGTPE".utf8)
    private static let decimalLetters: [UInt8] = Array("kMGTPE".utf8)

    /// As `init(from:)`: null is zero, a string is parsed (surrounding whitespace ignored), a
    /// plain integer is whole units. Other numbers Foundation reads through Double; left to it.
    public init(json r: inout JSONReader) throws(FastJSONError) {
        if r.consumeNull() {
            self.init(0, format: .decimalSI)
            return
        }
        guard r.atString() else {
            self.init(try r.readInt64(), format: .decimalSI)
            return
        }
        if let q = try r.withRawString(Self.parseSimple) {
            self = q
            return
        }
        var text = try r.readString()
        if let f = text.utf8.first, let l = text.utf8.last, Self.isSpace(f) || Self.isSpace(l) {
            text = text.trimmingWhitespace()
        }
        do {
            self = try Quantity(parsing: text)
        } catch {
            throw FastJSONError()
        }
    }

    @inline(__always)
    private static func isSpace(_ c: UInt8) -> Bool {
        c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r")
    }

    /// `Quantity(parsing:)` for the common shape "<digits><suffix>" (no sign, no fraction, no
    /// leading zero, at most 15 digits) with a binary or decimal suffix of at least one unit;
    /// nil for anything else, which the general parser then reads. Avoids its allocations.
    static func parseSimple(_ b: UnsafeBufferPointer<UInt8>) -> Quantity? {
        var i = 0
        var v: Int64 = 0
        while i < b.count, b[i] &- UInt8(ascii: "0") < 10 {
            v = v * 10 + Int64(b[i] &- UInt8(ascii: "0"))
            i += 1
            if i > 15 { return nil }
        }
        guard i > 0, b[0] != UInt8(ascii: "0") || i == 1 else { return nil }
        let unit: Int128
        let format: Format
        switch b.count - i {
        case 0:
            unit = 1
            format = .decimalSI
        case 1:
            switch b[i] {
            case UInt8(ascii: "k"): unit = 1_000
            case UInt8(ascii: "M"): unit = 1_000_000
            case UInt8(ascii: "G"): unit = 1_000_000_000
            case UInt8(ascii: "T"): unit = 1_000_000_000_000
            case UInt8(ascii: "P"): unit = 1_000_000_000_000_000
            case UInt8(ascii: "E"): unit = 1_000_000_000_000_000_000
            default: return nil
            }
            format = .decimalSI
        case 2:
            guard b[i + 1] == UInt8(ascii: "i") else { return nil }
            switch b[i] {
            case UInt8(ascii: "K"): unit = 1 << 10
            case UInt8(ascii: "M"): unit = 1 << 20
            case UInt8(ascii: "G"): unit = 1 << 30
            case UInt8(ascii: "T"): unit = 1 << 40
            case UInt8(ascii: "P"): unit = 1 << 50
            case UInt8(ascii: "E"): unit = 1 << 60
            default: return nil
            }
            format = .binarySI
        default:
            return nil
        }
        // 10^15 × 2^60 fits Int128 easily; past Int64 the general parser decides (binary amounts
        // are capped there, decimal ones kept).
        let (whole, overflow) = Int128(v).multipliedReportingOverflow(by: unit)
        guard !overflow, whole <= Int128(Int64.max) else { return nil }
        return Quantity(nanoValue: whole * nanosPerUnit, format: format)
    }
}
