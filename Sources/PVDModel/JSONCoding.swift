import Foundation

/// The JSON encoder and decoder pvd uses for stored objects and `-o json`: sorted keys, so the
/// same object always encodes to the same bytes.
///
/// Model types (`FastJSONEncodable` / `FastJSONDecodable`) take a direct path, generated from
/// `Schema/*.json` by `Scripts/generate-codecs.py` over `JSONReader` / `JSONWriter`, that is
/// several times faster than Foundation's and produces the same bytes and values; anything it
/// declines, and every other type, goes through Foundation, whose errors callers show.
public struct JSONCoding: Sendable {
    public static let shared = JSONCoding()

    public init() {}

    /// Compact JSON with sorted keys.
    public func encode<T: Encodable>(_ value: T) throws -> Data {
        if let fast = value as? any FastJSONEncodable {
            var w = JSONWriter()
            fast.writeJSON(to: &w)
            if !w.unsupported { return Data(w.bytes) }
        }
        return try foundationEncode(value)
    }

    /// `encode` through Foundation only: what the fast path must match byte for byte.
    public func foundationEncode<T: Encodable>(_ value: T) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try e.encode(value)
    }

    /// Indented JSON with sorted keys, for people.
    public func encodePretty<T: Encodable>(_ value: T) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try e.encode(value)
    }

    public func decode<T: Decodable>(_ type: T.Type, from data: some Collection<UInt8>) throws -> T {
        if let fastType = T.self as? any FastJSONDecodable.Type,
           let v = Self.fastDecode(fastType, as: T.self, from: data) {
            return v
        }
        return try foundationDecode(type, from: data)
    }

    /// `decode` through Foundation only.
    public func foundationDecode<T: Decodable>(_ type: T.Type, from data: some Collection<UInt8>) throws -> T {
        try JSONDecoder().decode(type, from: Data(data))
    }

    /// The fast decoder alone: nil when it declines the input (Foundation may still read it).
    public func fastDecode<T: FastJSONDecodable>(_ type: T.Type, from data: some Collection<UInt8>) -> T? {
        Self.fastDecode(type, as: T.self, from: data)
    }

    private static func fastDecode<F: FastJSONDecodable, T>(_: F.Type, as: T.Type, from data: some Collection<UInt8>) -> T? {
        let parsed: F?? = data.withContiguousStorageIfAvailable { try? JSONReader.decode(F.self, from: $0) }
        let value: F?
        if let parsed {
            value = parsed
        } else {
            value = Array(data).withUnsafeBufferPointer { try? JSONReader.decode(F.self, from: $0) }
        }
        return value as? T
    }
}
