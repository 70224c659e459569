import Foundation

/// Byte-level access to the top-level members of a compact JSON object, so writes can compare
/// objects outside `metadata` and `status`, and swap in new metadata, without decoding or
/// re-encoding the whole object.
///
/// Comparing bytes is exact because both sides come from `JSONCoding` (sorted keys, no
/// whitespace): equal values always encode to equal bytes.
enum JSONMembers {
    /// Where one member sits: its key (with quotes) and its value, as byte offsets.
    struct Member {
        var key: Range<Int>
        var value: Range<Int>
    }

    /// The top-level members of a JSON object, in order; nil when the bytes are not one.
    static func members(_ b: UnsafeRawBufferPointer) -> [Member]? {
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
                while i < n, b[i] != 0x2C, b[i] != 0x7D, b[i] != 0x5D, b[i] != 0x20, b[i] != 0x0A { i += 1 }
                return true
            }
        }

        skipSpace()
        guard i < n, b[i] == 0x7B else { return nil }
        i += 1
        var result: [Member] = []
        while true {
            skipSpace()
            guard i < n else { return nil }
            if b[i] == 0x7D { return result }
            if b[i] == 0x2C { i += 1; continue }
            guard b[i] == 0x22 else { return nil }
            let keyStart = i
            guard skipString() else { return nil }
            let key = keyStart..<i
            skipSpace()
            guard i < n, b[i] == 0x3A else { return nil }
            i += 1
            skipSpace()
            let valueStart = i
            guard skipValue() else { return nil }
            result.append(Member(key: key, value: valueStart..<i))
        }
    }

    static func isKey(_ b: UnsafeRawBufferPointer, _ m: Member, _ name: String) -> Bool {
        b[(m.key.lowerBound + 1)..<(m.key.upperBound - 1)].elementsEqual(name.utf8)
    }

    /// The members other than `metadata` and `status`, concatenated; nil when not a JSON object.
    static func specBytes(_ data: Data) -> [UInt8]? {
        data.withUnsafeBytes { (b: UnsafeRawBufferPointer) -> [UInt8]? in
            guard let members = members(b) else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(b.count)
            for m in members where !isKey(b, m, "metadata") && !isKey(b, m, "status") {
                out.append(contentsOf: b[m.key.lowerBound..<m.value.upperBound])
                out.append(0x2C)
            }
            return out
        }
    }

    /// Whether two encodings differ outside `metadata` and `status`; undecidable input counts as a
    /// change, which at worst bumps a generation.
    static func specChanged(_ old: Data, _ new: Data) -> Bool {
        specChanged(old, newSpec: specBytes(new))
    }

    /// `specChanged`, with the new side's spec bytes already taken out (nil: undecidable).
    static func specChanged(_ old: Data, newSpec: [UInt8]?) -> Bool {
        old.withUnsafeBytes { specChanged($0, newSpec: newSpec) }
    }

    /// `specChanged` over bytes held elsewhere (a column SQLite still holds).
    static func specChanged(_ b: UnsafeRawBufferPointer, newSpec: [UInt8]?) -> Bool {
        guard let newSpec else { return true }
        // Compared in place, member by member, without gathering the old side's bytes first.
        guard let members = members(b) else { return true }
        return newSpec.withUnsafeBytes { (n: UnsafeRawBufferPointer) -> Bool in
            var at = 0
            for m in members where !isKey(b, m, "metadata") && !isKey(b, m, "status") {
                let count = m.value.upperBound - m.key.lowerBound
                guard at + count < n.count, n[at + count] == 0x2C,
                      memcmp(b.baseAddress! + m.key.lowerBound, n.baseAddress! + at, count) == 0
                else { return true }
                at += count + 1
            }
            return at != n.count
        }
    }

    /// `object` with the value of its `metadata` member replaced by `metadata`; nil when it has none.
    static func replacingMetadata(in object: Data, with metadata: Data) -> Data? {
        object.withUnsafeBytes { (b: UnsafeRawBufferPointer) -> Data? in
            guard let m = members(b)?.first(where: { isKey(b, $0, "metadata") }) else { return nil }
            var out = Data(capacity: b.count - m.value.count + metadata.count)
            out.append(contentsOf: b[..<m.value.lowerBound])
            out.append(metadata)
            out.append(contentsOf: b[m.value.upperBound...])
            return out
        }
    }

    /// Where `metadata.resourceVersion` (a string) and `metadata.generation` sit in an encoded
    /// object, as offsets into the whole object, so patching them needs no second scan.
    struct PatchPoints: Sendable {
        var resourceVersion: Range<Int>
        var generation: Range<Int>?
    }

    /// The patch points of `object`; nil when it has no metadata or no string resourceVersion.
    /// Only metadata's own members are looked at, never labels or annotations that happen to
    /// share a key.
    static func patchPoints(in object: Data) -> PatchPoints? {
        object.withUnsafeBytes { (b: UnsafeRawBufferPointer) -> PatchPoints? in
            guard let meta = members(b)?.first(where: { isKey(b, $0, "metadata") }) else { return nil }
            let metaBytes = UnsafeRawBufferPointer(rebasing: b[meta.value])
            guard let fields = members(metaBytes) else { return nil }
            guard let rv = fields.first(where: { isKey(metaBytes, $0, "resourceVersion") }),
                  metaBytes[rv.value.lowerBound] == 0x22
            else { return nil }
            let base = meta.value.lowerBound
            let g = fields.first(where: { isKey(metaBytes, $0, "generation") })
            return PatchPoints(
                resourceVersion: (base + rv.value.lowerBound)..<(base + rv.value.upperBound),
                generation: g.map { (base + $0.value.lowerBound)..<(base + $0.value.upperBound) })
        }
    }

    /// `object` with the values at `points` replaced: the resourceVersion and, if given, the
    /// generation; nil when a generation is given but `object` has none.
    static func patching(_ object: Data, at points: PatchPoints, resourceVersion: String, generation: Int64?) -> Data? {
        var patches: [(Range<Int>, [UInt8])] = [(points.resourceVersion, Array("\"\(resourceVersion)\"".utf8))]
        if let generation {
            guard let g = points.generation else { return nil }
            patches.append((g, Array(String(generation).utf8)))
        }
        patches.sort { $0.0.lowerBound < $1.0.lowerBound }
        return object.withUnsafeBytes { (b: UnsafeRawBufferPointer) -> Data in
            var out = Data(capacity: b.count + 32)
            var at = 0
            for (range, bytes) in patches {
                out.append(contentsOf: b[at..<range.lowerBound])
                out.append(contentsOf: bytes)
                at = range.upperBound
            }
            out.append(contentsOf: b[at...])
            return out
        }
    }

    /// `object` with the string value of `metadata.resourceVersion` and, if given, the number value
    /// of `metadata.generation` replaced; nil when either member is missing, so the caller can
    /// encode the metadata instead.
    static func patchingMetadata(in object: Data, resourceVersion: String, generation: Int64?) -> Data? {
        guard let points = patchPoints(in: object) else { return nil }
        return patching(object, at: points, resourceVersion: resourceVersion, generation: generation)
    }
}
