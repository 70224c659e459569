/// The line `/readyz` ends with: who leads the cluster-wide controllers, and whether that is the
/// daemon answering (`leader: node-2 (this daemon)`, or `leader: none`). The endpoint writes it
/// with `line`; tests and pvd-bench read it back with `parse`, so the two never drift apart.
public struct ReadinessLeader: Sendable, Equatable {
    /// The leader's identity; nil when nobody leads.
    public var name: String?
    public var isThisDaemon: Bool

    public init(name: String?, isThisDaemon: Bool) {
        self.name = name
        self.isThisDaemon = isThisDaemon
    }

    static let prefix = "leader: "
    static let thisDaemon = " (this daemon)"

    public var line: String {
        guard let name else { return Self.prefix + "none" }
        return Self.prefix + name + (isThisDaemon ? Self.thisDaemon : "")
    }

    /// The leader line of a `/readyz` body; nil when it has none.
    public static func parse(_ body: String) -> ReadinessLeader? {
        guard let line = body.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else { return nil }
        let rest = line.dropFirst(prefix.count)
        let name = String(rest.split(separator: " ").first ?? "")
        return name == "none" || name.isEmpty ? ReadinessLeader(name: nil, isThisDaemon: false)
            : ReadinessLeader(name: name, isThisDaemon: rest.hasSuffix(thisDaemon))
    }
}
