import Foundation

/// The JSON encoder and decoder pvd uses for stored objects and `-o json`: sorted keys, so the
/// same object always encodes to the same bytes.
public struct JSONCoding: Sendable {
    public static let shared = JSONCoding()

    public init() {}

    /// Compact JSON with sorted keys.
    public func encode<T: Encodable>(_ value: T) throws -> Data {
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
        try JSONDecoder().decode(type, from: Data(data))
    }
}
