import Foundation

/// Byte-level look at the top-level members of a compact JSON object, so a write can tell whether
/// anything outside `metadata` and `status` changed without decoding either version.
///
/// This is exact because both sides come from `JSONCoding` (sorted keys, no whitespace): equal
/// values always encode to equal bytes.
enum JSONMembers {
    /// The members of the top-level object other than `metadata` and `status`, concatenated as they
    /// appear; nil when the bytes are not a JSON object.
    static func specBytes(_ data: Data) -> [UInt8]? {
        data.withUnsafeBytes { (b: UnsafeRawBufferPointer) -> [UInt8]? in
            let n = b.count
            var i = 0
            func skipSpace() {
                while i < n, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
            }
            // At an opening quote; leaves i after the closing one.
            func skipString() -> Bool {
                i += 1
                while i < n {
                    let c = b[i]
                    if c == 0x5C { i += 2; continue }
                    i += 1
                    if c == 0x22 { return true }
                }
                return false
            }
            func skipValue() -> Bool {
                skipSpace()
                guard i < n else { return false }
                switch b[i] {
                case 0x22:
                    return skipString()
                case 0x7B, 0x5B:
                    var depth = 0
                    while i < n {
                        let c = b[i]
                        if c == 0x22 {
                            if !skipString() { return false }
                            continue
                        }
                        if c == 0x7B || c == 0x5B {
                            depth += 1
                        } else if c == 0x7D || c == 0x5D {
                            depth -= 1
                            if depth == 0 { i += 1; return true }
                        }
                        i += 1
                    }
                    return false
                default:
                    // A number, true, false or null runs to the next separator.
                    while i < n, b[i] != 0x2C, b[i] != 0x7D, b[i] != 0x5D { i += 1 }
                    return true
                }
            }

            skipSpace()
            guard i < n, b[i] == 0x7B else { return nil }
            i += 1
            var out: [UInt8] = []
            out.reserveCapacity(n)
            while true {
                skipSpace()
                guard i < n else { return nil }
                if b[i] == 0x7D { return out }
                if b[i] == 0x2C { i += 1; continue }
                guard b[i] == 0x22 else { return nil }
                let keyStart = i
                guard skipString() else { return nil }
                let key = b[(keyStart + 1)..<(i - 1)]
                skipSpace()
                guard i < n, b[i] == 0x3A else { return nil }
                i += 1
                guard skipValue() else { return nil }
                if key.elementsEqual("metadata".utf8) || key.elementsEqual("status".utf8) { continue }
                out.append(contentsOf: b[keyStart..<i])
                out.append(0x2C)
            }
        }
    }

    /// Whether two encodings differ outside `metadata` and `status`; undecidable input counts as a
    /// change, which at worst bumps a generation.
    static func specChanged(_ old: Data, _ new: Data) -> Bool {
        guard let a = specBytes(old), let b = specBytes(new) else { return true }
        return a != b
    }
}
