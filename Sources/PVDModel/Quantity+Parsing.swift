extension Quantity {
    /// Parses Kubernetes' quantity syntax: `<sign><digits>[.<digits>]<suffix>` with a binary,
    /// decimal or exponent suffix ("10Gi", "+1.5G", ".5Ki", "1.Mi", "100m", "1e9", "1.5E-3").
    ///
    /// Whitespace anywhere, a missing number, an unknown suffix or a malformed exponent is an error;
    /// so is a magnitude of 10^29 whole units or more. A binary amount above 2^63-1 units is capped
    /// there, as Kubernetes caps it. Precision finer than a billionth of a unit is rounded up, away
    /// from zero.
    public init(parsing text: String) throws(QuantityError) {
        func fail(_ reason: String) -> QuantityError { QuantityError(input: text, reason: reason) }
        let b = Array(text.utf8)
        if b.isEmpty { throw fail("must not be empty") }
        if b.contains(where: { $0 == 0x20 || (0x09...0x0D).contains($0) }) {
            throw fail("must not contain whitespace")
        }

        var i = 0
        var negative = false
        if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            negative = b[i] == UInt8(ascii: "-")
            i += 1
        }
        let intStart = i
        while i < b.count, Self.isDigit(b[i]) { i += 1 }
        let intDigits = b[intStart..<i]
        var fracDigits = b[i..<i]
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            let fracStart = i
            while i < b.count, Self.isDigit(b[i]) { i += 1 }
            fracDigits = b[fracStart..<i]
        }
        if intDigits.isEmpty && fracDigits.isEmpty {
            throw fail("expected a number, such as \"10Gi\" or \"500m\"")
        }

        let suffix = String(decoding: b[i...], as: UTF8.self)
        let parsed: (format: Format, decimalExponent: Int, binaryPower: Int)
        switch Self.interpret(suffix: suffix) {
        case .some(let p): parsed = p
        case .none:
            if let first = suffix.first, first == "e" || first == "E" {
                throw fail("malformed exponent \"\(suffix)\": expected e or E, an optional sign and digits, as in \"1e3\"")
            }
            if suffix.first.map({ $0 == "." || $0.isNumber }) == true {
                throw fail("malformed number")
            }
            throw fail("unknown suffix \"\(suffix)\": expected one of Ki Mi Gi Ti Pi Ei, n u m k M G T P E, or an exponent such as e3")
        }

        // digits × 10^exponent × 1024^(binaryPower/10), as a plain decimal digit string.
        var digits = Array(intDigits) + Array(fracDigits)
        digits = digits.map { $0 - UInt8(ascii: "0") }
        var exponent = parsed.decimalExponent - fracDigits.count
        for _ in 0..<(parsed.binaryPower / 10) { Self.multiply(&digits, by: 1024) }
        if let firstNonZero = digits.firstIndex(where: { $0 != 0 }) {
            digits.removeFirst(firstNonZero)
        } else {
            digits = []
        }
        while let last = digits.last, last == 0 {
            digits.removeLast()
            exponent += 1
        }

        var nanos: Int128 = 0
        if !digits.isEmpty {
            // Number of digits before the decimal point once scaled to billionths.
            let integerDigits = digits.count + exponent + 9
            if integerDigits > Self.maxNanoDigits { throw fail(Self.tooLarge) }
            if integerDigits <= 0 {
                nanos = 1
            } else {
                for k in 0..<integerDigits {
                    nanos = nanos * 10 + Int128(k < digits.count ? digits[k] : 0)
                }
                if integerDigits < digits.count { nanos += 1 }  // a non-zero remainder rounds up
            }
            // Kubernetes' rule: a binary amount is capped at 2^63-1 units; a decimal one is kept.
            if parsed.format == .binarySI, nanos > Self.maxBinaryNanos { nanos = Self.maxBinaryNanos }
        }

        var format = parsed.format
        if format == .binarySI, nanos > 0, nanos < Self.nanosPerUnit { format = .decimalSI }
        self.init(nanoValue: negative ? -nanos : nanos, format: format)
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    /// The format, decimal exponent and binary power a suffix stands for, or nil when it is unknown.
    private static func interpret(suffix: String) -> (format: Format, decimalExponent: Int, binaryPower: Int)? {
        switch suffix {
        case "n": return (.decimalSI, -9, 0)
        case "u": return (.decimalSI, -6, 0)
        case "m": return (.decimalSI, -3, 0)
        case "": return (.decimalSI, 0, 0)
        case "k": return (.decimalSI, 3, 0)
        case "M": return (.decimalSI, 6, 0)
        case "G": return (.decimalSI, 9, 0)
        case "T": return (.decimalSI, 12, 0)
        case "P": return (.decimalSI, 15, 0)
        case "E": return (.decimalSI, 18, 0)
        case "Ki": return (.binarySI, 0, 10)
        case "Mi": return (.binarySI, 0, 20)
        case "Gi": return (.binarySI, 0, 30)
        case "Ti": return (.binarySI, 0, 40)
        case "Pi": return (.binarySI, 0, 50)
        case "Ei": return (.binarySI, 0, 60)
        default: break
        }
        var rest = Array(suffix.utf8)
        guard rest.count > 1, rest[0] == UInt8(ascii: "e") || rest[0] == UInt8(ascii: "E") else { return nil }
        rest.removeFirst()
        var sign = 1
        if rest[0] == UInt8(ascii: "+") || rest[0] == UInt8(ascii: "-") {
            sign = rest[0] == UInt8(ascii: "-") ? -1 : 1
            rest.removeFirst()
        }
        guard !rest.isEmpty, rest.allSatisfy(isDigit) else { return nil }
        // Saturate: any exponent past a few hundred already overflows or rounds up to 1n.
        var e = 0
        for c in rest { e = min(e * 10 + Int(c - UInt8(ascii: "0")), 1_000_000) }
        return (.decimalExponent, sign * e, 0)
    }

    /// Multiplies a big-endian array of decimal digits in place.
    private static func multiply(_ digits: inout [UInt8], by factor: Int) {
        var carry = 0
        for k in digits.indices.reversed() {
            let v = Int(digits[k]) * factor + carry
            digits[k] = UInt8(v % 10)
            carry = v / 10
        }
        var head: [UInt8] = []
        while carry > 0 {
            head.append(UInt8(carry % 10))
            carry /= 10
        }
        digits.insert(contentsOf: head.reversed(), at: 0)
    }
}
