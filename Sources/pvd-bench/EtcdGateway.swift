import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PVDEtcd
import PVDStore

/// etcd's JSON gateway spoken directly, below pvd's store: for the floor of the bind benchmark
/// (raw puts, what any client pays before pvd does anything) and for removing what a run left
/// under its prefix on a cluster it did not start. Plain HTTP, the URL's first endpoint.
struct EtcdGateway {
    let url: EtcdStoreURL

    init(_ text: String) throws {
        url = try EtcdStoreURL(text)
        guard url.tls == nil else { throw BenchError("the benchmark speaks plain HTTP to etcd; \(text) asks for TLS") }
    }

    /// Seconds to put `rows` blobs of `bytes` bytes under `<prefix>-floor/`, `max-txn-ops` puts per
    /// transaction (no compares), one transaction at a time; the keys are removed afterwards.
    /// Each row a key of its own: etcd refuses a key twice in one transaction, and a put over
    /// an existing key costs it what a new one does (a new revision either way).
    func putSeconds(rows: Int, bytes: Int) async throws -> Double {
        let floor = url.prefix + "-floor/"
        let value = Data(repeating: 0x61, count: bytes).base64EncodedString()
        let perTxn = min(url.maxTxnOps, max(1, (url.maxRequestBytes - 4096) / (bytes + 64)))
        let clock = ContinuousClock()
        let start = clock.now
        var i = 0
        while i < rows {
            let end = min(i + perTxn, rows)
            let puts = (i..<end).map { j in
                #"{"request_put":{"key":"\#(Data((floor + "k\(j)").utf8).base64EncodedString())","value":"\#(value)"}}"#
            }
            try await post("/v3/kv/txn", #"{"success":[\#(puts.joined(separator: ","))]}"#)
            i = end
        }
        let seconds = Measure.seconds(clock.now - start)
        try await deleteAll(under: floor)
        return seconds
    }

    /// Deletes every key under `<prefix>/`, the store the run used.
    func deleteStore() async throws {
        try await deleteAll(under: url.prefix + "/")
    }

    private func deleteAll(under prefix: String) async throws {
        var end = Array(prefix.utf8)
        end[end.count - 1] += 1
        try await post("/v3/kv/deleterange", #"{"key":"\#(Data(prefix.utf8).base64EncodedString())","range_end":"\#(Data(end).base64EncodedString())"}"#)
    }

    /// The body of a GET of `url` (a member's /metrics).
    static func get(_ url: String) async throws -> String {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        return String(buffer: try await response.body.collect(upTo: 16 << 20))
    }

    private func post(_ path: String, _ body: String) async throws {
        guard let endpoint = url.endpoints.first else { throw BenchError("\(url.text): no endpoint") }
        var request = HTTPClientRequest(url: "http://\(endpoint)\(path)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let answer = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else {
            throw BenchError("etcd \(endpoint)\(path): HTTP \(response.status.code): \(String(buffer: answer))")
        }
    }
}
