import Foundation
import PVDModel

/// Where objects live in etcd, laid out as kube-apiserver lays them out:
/// `<prefix>/<resource>/<namespace>/<name>` for namespaced kinds and
/// `<prefix>/<resource>/<name>` for cluster-scoped ones, `<resource>` being the plural
/// ("persistentvolumeclaims").
struct EtcdKeys: Sendable {
    /// Without a trailing slash.
    let prefix: String

    /// The marker that says this prefix belongs to a pvd store (see `EtcdStore.verify`).
    var marker: Data { Data("\(prefix)/pvd-store".utf8) }
    /// The key the compactors of every daemon take turns through, as Kubernetes' compact_rev_key.
    var compactRevision: Data { Data("\(prefix)/compact_rev_key".utf8) }
    /// Names the daemon that runs the cluster-wide controllers, attached to its lease (see
    /// `EtcdLeaderElection`). Like the marker, not under any kind's keys, so lists, watches and
    /// `pvd store copy` never meet it.
    var leader: Data { Data("\(prefix)/pvd-leader".utf8) }
    /// Everything under the prefix.
    var all: Data { Data("\(prefix)/".utf8) }

    func object(_ kind: ResourceKind, namespace: String, name: String) -> Data {
        if kind.isNamespaced { return Data("\(prefix)/\(kind.plural)/\(namespace)/\(name)".utf8) }
        return Data("\(prefix)/\(kind.plural)/\(name)".utf8)
    }

    /// Every object of `kind`, or of `kind` in one namespace.
    func kind(_ kind: ResourceKind, namespace: String? = nil) -> Data {
        if kind.isNamespaced, let namespace { return Data("\(prefix)/\(kind.plural)/\(namespace)/".utf8) }
        return Data("\(prefix)/\(kind.plural)/".utf8)
    }

    /// The kind a key belongs to; nil for keys that are not objects' (the marker, foreign keys).
    func kind(of key: Data) -> ResourceKind? {
        let p = Array(prefix.utf8) + [UInt8(ascii: "/")]
        guard key.count > p.count, key.starts(with: p) else { return nil }
        let rest = key.dropFirst(p.count)
        guard let slash = rest.firstIndex(of: UInt8(ascii: "/")) else { return nil }
        let plural = String(decoding: rest[rest.startIndex..<slash], as: UTF8.self)
        return Self.kindsByPlural[plural]
    }

    static let kindsByPlural: [String: ResourceKind] = Dictionary(uniqueKeysWithValues: ResourceKind.allCases.map { ($0.plural, $0) })

    /// The range end that makes `[key, end)` every key starting with `key`: its last byte
    /// plus one (bytes of 0xff dropped first), as etcd's clients compute it.
    static func rangeEnd(_ key: Data) -> Data {
        var bytes = Array(key)
        while let last = bytes.last {
            if last < 0xff {
                bytes[bytes.count - 1] = last + 1
                return Data(bytes)
            }
            bytes.removeLast()
        }
        // All 0xff: to the end of the key space.
        return Data([0])
    }

    static func text(_ key: Data) -> String { String(decoding: key, as: UTF8.self) }
}
