import AsyncHTTPClient
import Foundation
import NIOCore
import PVDStore

/// Reads one of the gateway's streams (a watch): HTTP/1.1 chunks that carry one JSON message
/// per line, lines split anywhere across chunks.
enum EtcdStream {
    /// Why a stream ended early: the watch goes on elsewhere.
    struct Ended: Error {
        var why: String
    }

    /// Hands each message of `response` to `body` until the stream ends or `body` returns
    /// false. A line that is not a `Message` ends it with `Ended`.
    static func read<Message: Decodable>(
        _ response: HTTPClientResponse, endpoint: EtcdStoreURL.Endpoint, as: Message.Type, _ body: (Message) throws -> Bool
    ) async throws {
        var buffer: [UInt8] = []
        var start = 0
        let decoder = JSONDecoder()
        for try await chunk in response.body {
            buffer.append(contentsOf: chunk.readableBytesView)
            while let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[start..<newline]
                start = newline + 1
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x0d }) { continue }
                let message: Message
                do {
                    message = try decoder.decode(Message.self, from: Data(line))
                } catch {
                    throw Ended(why: "\(endpoint): unreadable stream message: \(error)")
                }
                if try !body(message) { return }
            }
            // Drop what was read once it is most of the buffer, not on every line.
            if start > 0 && start * 2 >= buffer.count {
                buffer.removeFirst(start)
                start = 0
            }
        }
    }
}
