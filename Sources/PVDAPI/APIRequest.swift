import Foundation
import PVDModel

/// One HTTP request as the API handler sees it, apart from any server framework: so the
/// handler's rules are tested as plain values, and the server only carries bytes.
public struct APIRequest: Sendable {
    public var method: String
    /// The path without the query, percent-decoded.
    public var path: String
    public var query: [String: String]
    public var accept: String
    public var contentType: String
    public var authorization: String?
    /// The client certificate's DER bytes, when the client presented one.
    public var peerCertificate: [UInt8]?
    /// The `Impersonate-*` headers.
    public var impersonation: Impersonation
    /// The `User-Agent` header: who writes, for managed fields, when the request names no `fieldManager`.
    public var userAgent: String
    public var body: [UInt8]

    public init(
        method: String, path: String, query: [String: String] = [:], accept: String = "application/json", contentType: String = "",
        authorization: String? = nil, peerCertificate: [UInt8]? = nil, impersonation: Impersonation = Impersonation(), userAgent: String = "",
        body: [UInt8] = []
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.accept = accept
        self.contentType = contentType
        self.authorization = authorization
        self.peerCertificate = peerCertificate
        self.impersonation = impersonation
        self.userAgent = userAgent
        self.body = body
    }

    /// The query of a URL (`a=1&b=x+y`), decoded as a form: `+` is a space, then percent escapes.
    public static func parseQuery(_ text: Substring) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = formDecode(parts[0])
            out[key] = parts.count > 1 ? formDecode(parts[1]) : ""
        }
        return out
    }

    static func formDecode(_ s: Substring) -> String {
        let spaced = s.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// Whether the client asked for a meta.k8s.io Table (every human-readable `kubectl get`).
    var wantsTable: Bool { accept.contains("as=Table") }
    /// Whether the client asked for aggregated discovery.
    var wantsAggregatedDiscovery: Bool { accept.contains("as=APIGroupDiscoveryList") }
}

/// What the handler answers: a status, headers and either bytes or a watch to stream.
public struct APIResponse: Sendable {
    public var status: Int
    public var contentType: String
    /// Extra headers (`Warning`).
    public var headers: [(String, String)]
    public var body: Body

    public enum Body: Sendable {
        case bytes([UInt8])
        case watch(WatchStream)
    }

    public init(status: Int, contentType: String = "application/json", headers: [(String, String)] = [], body: Body) {
        self.status = status
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }

    static func json(_ status: Int, _ value: JSONValue, contentType: String = "application/json", headers: [(String, String)] = []) -> APIResponse {
        APIResponse(status: status, contentType: contentType, headers: headers, body: .bytes(RESTObjects.bytes(value)))
    }

    static func status(_ s: APIStatus) -> APIResponse { json(s.code, s.json) }

    /// The body's bytes (empty for a watch), for tests.
    public var bytes: [UInt8] {
        if case .bytes(let b) = body { return b }
        return []
    }
}
