// Kubernetes' string enumerations. Each decodes any string, so a manifest with an unknown value
// reaches validation, which names the object and field, instead of failing inside the decoder.

/// A Kubernetes enumeration carried as its string: encodes and decodes as that string (the
/// standard library's Codable for String-backed RawRepresentable types) and prints as it.
public protocol StringValue: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible, FastJSONEncodable, FastJSONDecodable
where RawValue == String {
    init(rawValue: String)
}

extension StringValue {
    public var description: String { rawValue }
    public func writeJSON(to w: inout JSONWriter) { w.string(rawValue) }
    public init(json r: inout JSONReader) throws(FastJSONError) { self.init(rawValue: try r.readString()) }
}

/// How a volume may be mounted: ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod.
public struct AccessMode: StringValue, Comparable {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    public static let readWriteOnce = AccessMode(rawValue: "ReadWriteOnce")
    public static let readOnlyMany = AccessMode(rawValue: "ReadOnlyMany")
    public static let readWriteMany = AccessMode(rawValue: "ReadWriteMany")
    public static let readWriteOncePod = AccessMode(rawValue: "ReadWriteOncePod")
    public static let known: [AccessMode] = [.readWriteOnce, .readOnlyMany, .readWriteMany, .readWriteOncePod]

    /// kubectl's abbreviation (RWO, ROX, RWX, RWOP).
    public var short: String {
        switch rawValue {
        case "ReadWriteOnce": "RWO"
        case "ReadOnlyMany": "ROX"
        case "ReadWriteMany": "RWX"
        case "ReadWriteOncePod": "RWOP"
        default: rawValue
        }
    }
}

/// What happens to a volume once its claim is gone: Retain, Delete or Recycle.
public struct ReclaimPolicy: StringValue {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let retain = ReclaimPolicy(rawValue: "Retain")
    public static let delete = ReclaimPolicy(rawValue: "Delete")
    public static let recycle = ReclaimPolicy(rawValue: "Recycle")
    public static let known: [ReclaimPolicy] = [.retain, .delete, .recycle]
}

/// Whether a volume is used as a filesystem or as a raw block device.
public struct VolumeMode: StringValue {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let filesystem = VolumeMode(rawValue: "Filesystem")
    public static let block = VolumeMode(rawValue: "Block")
    public static let known: [VolumeMode] = [.filesystem, .block]
}

/// When a StorageClass binds and provisions: Immediate or WaitForFirstConsumer.
public struct VolumeBindingMode: StringValue {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let immediate = VolumeBindingMode(rawValue: "Immediate")
    public static let waitForFirstConsumer = VolumeBindingMode(rawValue: "WaitForFirstConsumer")
    public static let known: [VolumeBindingMode] = [.immediate, .waitForFirstConsumer]
}

/// The phase of a PersistentVolume: Pending, Available, Bound, Released, Failed.
public struct VolumePhase: StringValue {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let pending = VolumePhase(rawValue: "Pending")
    public static let available = VolumePhase(rawValue: "Available")
    public static let bound = VolumePhase(rawValue: "Bound")
    public static let released = VolumePhase(rawValue: "Released")
    public static let failed = VolumePhase(rawValue: "Failed")
}

/// The phase of a PersistentVolumeClaim: Pending, Bound, Lost.
public struct ClaimPhase: StringValue {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let pending = ClaimPhase(rawValue: "Pending")
    public static let bound = ClaimPhase(rawValue: "Bound")
    public static let lost = ClaimPhase(rawValue: "Lost")
}
