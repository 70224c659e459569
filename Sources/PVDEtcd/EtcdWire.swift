import Foundation

// The JSON shapes of etcd 3.4's gRPC gateway (`/v3/...`), only the fields pvd uses. The gateway
// writes every int64 as a string, omits zero values (a missing `count`, `kvs`, `succeeded` or
// `type` means zero, none, false, PUT), and base64-encodes keys and values (Foundation's default
// for `Data`).

/// An int64 as the gateway writes it: a JSON string (a bare number is taken too).
struct WireInt: Codable, Sendable, Equatable {
    var value: Int64
    init(_ value: Int64) { self.value = value }
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self), let v = Int64(s) {
            value = v
        } else {
            value = try c.decode(Int64.self)
        }
    }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(String(value))
    }
}

struct ResponseHeader: Decodable, Sendable {
    var revision: WireInt?
    var rev: Int64 { revision?.value ?? 0 }
}

struct KeyValue: Decodable, Sendable {
    var key: Data
    var create_revision: WireInt?
    var mod_revision: WireInt?
    var version: WireInt?
    var value: Data?
    /// The lease the key is attached to; missing for none.
    var lease: WireInt?
    var modRevision: Int64 { mod_revision?.value ?? 0 }
    var createRevision: Int64 { create_revision?.value ?? 0 }
}

struct RangeRequest: Encodable, Sendable {
    var key: Data
    var range_end: Data?
    var limit: WireInt?
    var revision: WireInt?
    var keys_only: Bool?
    var count_only: Bool?
}

struct RangeResponse: Decodable, Sendable {
    var header: ResponseHeader?
    var kvs: [KeyValue]?
    var more: Bool?
    var count: WireInt?
}

struct PutRequest: Encodable, Sendable {
    var key: Data
    var value: Data
    /// The key goes when the lease does.
    var lease: WireInt?
}

struct DeleteRangeRequest: Encodable, Sendable {
    var key: Data
}

/// One compare of a txn: a key's create or mod revision against a number.
struct Compare: Encodable, Sendable {
    enum Target: String, Encodable, Sendable { case CREATE, MOD, VERSION }
    var target: Target
    var key: Data
    var result = "EQUAL"
    var create_revision: WireInt?
    var mod_revision: WireInt?
    var version: WireInt?

    static func absent(_ key: Data) -> Compare { Compare(target: .CREATE, key: key, create_revision: WireInt(0)) }
    static func modified(_ key: Data, at revision: Int64) -> Compare {
        Compare(target: .MOD, key: key, mod_revision: WireInt(revision))
    }
}

/// One operation of a txn branch.
struct RequestOp: Encodable, Sendable {
    var request_range: RangeRequest?
    var request_put: PutRequest?
    var request_delete_range: DeleteRangeRequest?

    static func get(_ key: Data) -> RequestOp { RequestOp(request_range: RangeRequest(key: key)) }
    static func put(_ key: Data, _ value: Data, lease: Int64? = nil) -> RequestOp {
        RequestOp(request_put: PutRequest(key: key, value: value, lease: lease.map(WireInt.init)))
    }
    static func delete(_ key: Data) -> RequestOp { RequestOp(request_delete_range: DeleteRangeRequest(key: key)) }
}

struct TxnRequest: Encodable, Sendable {
    var compare: [Compare] = []
    var success: [RequestOp] = []
    var failure: [RequestOp] = []
}

struct ResponseOp: Decodable, Sendable {
    var response_range: RangeResponse?
}

struct TxnResponse: Decodable, Sendable {
    var header: ResponseHeader?
    var succeeded: Bool?
    var responses: [ResponseOp]?
}

struct CompactionRequest: Encodable, Sendable {
    var revision: WireInt
    var physical: Bool
}

struct WatchCreateRequest: Encodable, Sendable {
    var key: Data
    /// nil: the one key.
    var range_end: Data?
    var start_revision: WireInt
    var prev_kv = true
    var progress_notify = true
}

struct WatchRequest: Encodable, Sendable {
    var create_request: WatchCreateRequest
}

struct WatchEventWire: Decodable, Sendable {
    /// Missing for PUT.
    var type: String?
    var kv: KeyValue?
    var prev_kv: KeyValue?
}

struct WatchResult: Decodable, Sendable {
    var header: ResponseHeader?
    var created: Bool?
    var canceled: Bool?
    var compact_revision: WireInt?
    var cancel_reason: String?
    var events: [WatchEventWire]?
}

/// One line of a watch stream: a result, or an error the gateway sends inside the stream.
struct WatchMessage: Decodable, Sendable {
    var result: WatchResult?
    var error: StreamError?
}

struct StreamError: Decodable, Sendable {
    var grpc_code: Int?
    var http_code: Int?
    var message: String?
}

/// `/v3/lease/grant`'s request and answer; the gateway spells these names in capitals.
struct LeaseGrantRequest: Encodable, Sendable {
    var TTL: WireInt
}

struct LeaseGrantResponse: Decodable, Sendable {
    var ID: WireInt?
    var TTL: WireInt?
}

/// The lease named in `/v3/lease/keepalive` and `/v3/lease/revoke`.
struct LeaseRequest: Encodable, Sendable {
    var ID: WireInt
}

/// The one answer of a keepalive stream that sent one request: the lease's new TTL, missing
/// (zero) when the lease is gone. (Errors inside the stream, `EtcdClient` turns into failures.)
struct LeaseKeepAliveMessage: Decodable, Sendable {
    struct Result: Decodable, Sendable {
        var ID: WireInt?
        var TTL: WireInt?
    }
    var result: Result?
}

/// The body of a unary call's error answer.
struct GatewayError: Decodable, Sendable {
    var error: String?
    var message: String?
    var code: Int?
}
