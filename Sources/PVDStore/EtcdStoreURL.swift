/// Where an `EtcdStore` is and how to talk to it, parsed from a store URL:
///
///     etcd://h1:2379,h2:2379,h3:2379[/prefix][?option=value&...]
///     etcds://h1:2379[/prefix]?ca=CA.pem&cert=CLIENT.pem&key=CLIENT-KEY.pem
///
/// `etcds` speaks TLS to every endpoint; `ca` is the CA bundle that signed the members'
/// certificates (the system's trust store when absent), `cert` and `key` a client certificate
/// for members started with `--client-cert-auth`. The prefix defaults to `/registry`, as
/// kube-apiserver's does. Further options: `max-txn-ops` and `max-request-bytes` (what the
/// members were started with, default 128 and 1.5 MiB), `compaction-interval` (default 5m,
/// 0 turns the daemon's compactor off) and `timeout` (one request, with fail-over, default 10s).
public struct EtcdStoreURL: Sendable, Equatable, CustomStringConvertible {
    /// One member's client address.
    public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// The TLS material an `etcds://` URL names (paths to PEM files).
    public struct TLSFiles: Sendable, Equatable, Hashable {
        public var caFile: String?
        public var certFile: String?
        public var keyFile: String?
    }

    public var endpoints: [Endpoint]
    /// The key prefix, without a trailing slash ("/registry").
    public var prefix: String
    /// nil: plain HTTP.
    public var tls: TLSFiles?
    public var maxTxnOps = 128
    /// etcd's default `--max-request-bytes` (1.5 MiB).
    public var maxRequestBytes = 1_572_864
    public var compactionInterval: Duration = .seconds(300)
    public var requestTimeout: Duration = .seconds(10)

    /// The URL as given, for messages.
    public let text: String

    public var description: String { text }

    /// Whether `location` is an etcd store URL rather than a file path.
    public static func isEtcd(_ location: String) -> Bool {
        location.hasPrefix("etcd://") || location.hasPrefix("etcds://")
    }

    /// Parses a store URL; the error names the part that is wrong.
    public init(_ text: String) throws(StoreError) {
        self.text = text
        func bad(_ why: String) -> StoreError { StoreError(.invalid, "store \(text): \(why)") }
        let rest: Substring
        if text.hasPrefix("etcd://") {
            rest = text.dropFirst("etcd://".count)
        } else if text.hasPrefix("etcds://") {
            rest = text.dropFirst("etcds://".count)
            tls = TLSFiles()
        } else {
            throw bad("want etcd://host:port[,host:port...][/prefix] or etcds://...")
        }
        var hostsAndPath = rest
        var query: Substring = ""
        if let q = rest.firstIndex(of: "?") {
            hostsAndPath = rest[..<q]
            query = rest[rest.index(after: q)...]
        }
        var hosts = hostsAndPath
        prefix = "/registry"
        if let slash = hostsAndPath.firstIndex(of: "/") {
            hosts = hostsAndPath[..<slash]
            var p = String(hostsAndPath[slash...])
            while p.hasSuffix("/") { p.removeLast() }
            if !p.isEmpty { prefix = p }
        }
        endpoints = []
        for part in hosts.split(separator: ",", omittingEmptySubsequences: false) {
            guard let e = Self.endpoint(part) else { throw bad("bad endpoint \"\(part)\": want host:port") }
            endpoints.append(e)
        }
        guard !endpoints.isEmpty else { throw bad("no endpoint") }
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(kv[0])
            let value = kv.count > 1 ? String(kv[1]) : ""
            switch name {
            case "ca", "cert", "key":
                guard tls != nil else { throw bad("\(name)= needs TLS: write etcds:// instead of etcd://") }
                guard !value.isEmpty else { throw bad("\(name)= wants a file path") }
                if name == "ca" { tls?.caFile = value } else if name == "cert" { tls?.certFile = value } else { tls?.keyFile = value }
            case "max-txn-ops":
                guard let n = Int(value), n >= 1 else { throw bad("max-txn-ops wants a positive number, got \"\(value)\"") }
                maxTxnOps = n
            case "max-request-bytes":
                guard let n = Int(value), n >= 4096 else { throw bad("max-request-bytes wants a number of at least 4096, got \"\(value)\"") }
                maxRequestBytes = n
            case "compaction-interval":
                guard let d = Self.duration(value) else { throw bad("compaction-interval wants a duration such as 5m, got \"\(value)\"") }
                compactionInterval = d
            case "timeout":
                guard let d = Self.duration(value), d >= .milliseconds(100) else {
                    throw bad("timeout wants a duration of at least 100ms such as 10s, got \"\(value)\"")
                }
                requestTimeout = d
            default:
                throw bad("unknown option \"\(name)\" (known: ca, cert, key, max-txn-ops, max-request-bytes, compaction-interval, timeout)")
            }
        }
        if let t = tls, (t.certFile == nil) != (t.keyFile == nil) {
            throw bad("cert= and key= go together")
        }
    }

    static func endpoint(_ text: Substring) -> Endpoint? {
        var host = Substring(text)
        var port = 2379
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let after = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let p = Int(after.dropFirst()) else { return nil }
                port = p
            }
        } else if let colon = host.lastIndex(of: ":") {
            guard let p = Int(host[host.index(after: colon)...]) else { return nil }
            port = p
            host = host[..<colon]
        }
        guard !host.isEmpty, (1...65535).contains(port),
              host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":" })
        else { return nil }
        return Endpoint(host: String(host), port: port)
    }

    /// "500ms", "30s", "5m", "1h", or a bare number of seconds.
    static func duration(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        var number = Substring(text)
        var scale = 1.0
        for (suffix, s) in units where text.hasSuffix(suffix) {
            number = text.dropLast(suffix.count)
            scale = s
            break
        }
        guard let v = Double(number), v.isFinite, v >= 0, v * scale <= 1e7 else { return nil }
        return .milliseconds(Int64((v * scale * 1000).rounded()))
    }
}
