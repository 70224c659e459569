extension Quantity {
    /// The canonical form, as Kubernetes' `CanonicalizeBytes` prints it: "0" for zero; binary
    /// amounts as the largest exact power of 1024 ("1536Mi"), falling back to decimal below 1024
    /// or when not a whole number; decimal amounts with the exponent rounded down to a multiple
    /// of three and no fractional digits ("1500m", "1500k"); exponent amounts as "1e3".
    public var description: String {
        if nanoValue == 0 { return "0" }
        var fmt = format
        if fmt == .binarySI {
            let magnitude = nanoValue.magnitude
            if magnitude < 1024 * UInt128(Self.nanosPerUnit) || nanoValue % Self.nanosPerUnit != 0 {
                fmt = .decimalSI
            }
        }
        switch fmt {
        case .binarySI:
            var units = nanoValue / Self.nanosPerUnit
            var power = 0
            while power < Self.binarySuffixes.count - 1, units % 1024 == 0 {
                units /= 1024
                power += 1
            }
            return "\(units)\(Self.binarySuffixes[power])"
        case .decimalSI, .decimalExponent:
            var mantissa = nanoValue
            var exponent = -9
            while mantissa % 10 == 0 {
                mantissa /= 10
                exponent += 1
            }
            while exponent % 3 != 0 {
                mantissa *= 10
                exponent -= 1
            }
            if fmt == .decimalExponent {
                return exponent == 0 ? "\(mantissa)" : "\(mantissa)e\(exponent)"
            }
            // Beyond exa (only reachable through arithmetic), keep the largest suffix.
            while exponent > 18 {
                mantissa *= 10
                exponent -= 1
            }
            return "\(mantissa)\(Self.decimalSuffixes[(exponent + 9) / 3])"
        }
    }

    private static let binarySuffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
    private static let decimalSuffixes = ["n", "u", "m", "", "k", "M", "G", "T", "P", "E"]
}
