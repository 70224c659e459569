import PVDModel

/// A set of the known access modes (RWO, ROX, RWX, RWOP), kept as a bit mask.
///
/// Kubernetes indexes volumes by the set of access modes they offer and only knows these four:
/// a mode it does not know is left out of a volume's set, and a claim that asks for one can
/// never be satisfied by the index.
public struct AccessModeSet: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Bit 0 RWO, bit 1 ROX, bit 2 RWX, bit 3 RWOP: Kubernetes' own listing order.
    public let rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue & 0x0F }

    /// The set a volume offers; modes pvd does not know are ignored, as Kubernetes does.
    public init(_ modes: [AccessMode]?) {
        var bits: UInt8 = 0
        for mode in modes ?? [] { bits |= Self.bit(for: mode) ?? 0 }
        self.rawValue = bits
    }

    /// The set a claim requests, or nil when it names a mode no volume can offer.
    public init?(requesting modes: [AccessMode]?) {
        var bits: UInt8 = 0
        for mode in modes ?? [] {
            guard let bit = Self.bit(for: mode) else { return nil }
            bits |= bit
        }
        self.rawValue = bits
    }

    private static func bit(for mode: AccessMode) -> UInt8? {
        switch mode {
        case .readWriteOnce: 1
        case .readOnlyMany: 2
        case .readWriteMany: 4
        case .readWriteOncePod: 8
        default: nil
        }
    }

    /// How many modes the set holds.
    public var count: Int { rawValue.nonzeroBitCount }

    /// Whether every mode of `other` is in this set (Kubernetes' ContainsAllAccessModes).
    public func isSuperset(of other: AccessModeSet) -> Bool { rawValue & other.rawValue == other.rawValue }

    /// The modes in Kubernetes' listing order.
    public var modes: [AccessMode] {
        [AccessMode.readWriteOnce, .readOnlyMany, .readWriteMany, .readWriteOncePod].enumerated()
            .filter { rawValue & (1 << UInt8($0.offset)) != 0 }.map(\.element)
    }

    /// "RWO,ROX", as Kubernetes' index key prints it.
    public var description: String { modes.map(\.short).joined(separator: ",") }

    /// The order in which a claim's candidate sets are tried: fewest modes first, as Kubernetes
    /// does. Kubernetes leaves the order of sets with equally many modes unspecified (it sorts
    /// map keys with an unstable sort); pvd breaks that tie by the bit mask, so RWO-based sets
    /// come before ROX-based ones.
    public static func < (a: AccessModeSet, b: AccessModeSet) -> Bool {
        a.count != b.count ? a.count < b.count : a.rawValue < b.rawValue
    }
}
