import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 GET over a TCP socket with `Connection: close`: enough for scripts,
/// tests and the benchmark to read `/healthz`, `/readyz` and `/metrics` without an HTTP client
/// library.
public enum LoopbackHTTPClient {
    public struct Response: Sendable {
        public var status: Int
        /// The status line and headers, as sent.
        public var head: String
        public var body: String
    }

    /// GETs `path` from `host` (an IPv4 address) and `port`; nil when nothing answers or the
    /// answer is not HTTP.
    public static func get(host: String = "127.0.0.1", port: Int, path: String) -> Response? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr(host)
        addr.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { return nil }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n".utf8)
        guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return nil }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            data += buffer[0..<n]
        }
        let text = String(decoding: data, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { return nil }
        let head = String(text[..<split.lowerBound])
        let parts = (head.split(separator: "\r\n").first ?? "").split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        var body = String(text[split.upperBound...])
        if head.lowercased().contains("transfer-encoding: chunked") { body = dechunk(body) }
        return Response(status: status, head: head, body: body)
    }

    /// The body of a chunked response. Works on bytes: a String takes "\r\n" as one Character,
    /// so skipping a chunk's trailing CRLF by characters would eat the next chunk's size.
    static func dechunk(_ s: String) -> String {
        let bytes = Array(s.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            guard let lineEnd = crlf(in: bytes, from: i),
                  let size = Int(String(decoding: bytes[i..<lineEnd], as: UTF8.self).split(separator: ";").first ?? "", radix: 16),
                  size > 0 else { break }
            let start = lineEnd + 2
            let end = min(start + size, bytes.count)
            out += bytes[start..<end]
            i = end + 2
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func crlf(in bytes: [UInt8], from start: Int) -> Int? {
        var j = start
        while j + 1 < bytes.count {
            if bytes[j] == 13 && bytes[j + 1] == 10 { return j }
            j += 1
        }
        return nil
    }

    /// The value of one series in Prometheus text output (`name{labels} value`), if present.
    public static func metricValue(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}
