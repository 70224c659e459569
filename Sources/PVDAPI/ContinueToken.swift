import Foundation
import PVDStore

/// The `continue` of a paged list: the revision the first page was read at and where the next
/// page starts, as base64 of a small JSON object. Opaque to clients, as Kubernetes' is.
struct ContinueToken: Sendable, Equatable, Codable {
    var rv: Int64
    var ns: String
    var name: String

    init(revision: Int64, cursor: ListCursor) {
        rv = revision
        ns = cursor.namespace
        name = cursor.name
    }

    var cursor: ListCursor { ListCursor(namespace: ns, name: name) }

    var encoded: String {
        let data = (try? JSONEncoder().encode(self)) ?? Data()
        return data.base64EncodedString()
    }

    /// The token a client sent back; a Status 400 when it is not one of pvd's.
    init(decoding text: String) throws {
        guard let data = Data(base64Encoded: text), let token = try? JSONDecoder().decode(ContinueToken.self, from: data), token.rv >= 0,
              !token.name.isEmpty
        else { throw APIStatus.badRequest("continue key is not valid: \(text.prefix(64))") }
        self = token
    }
}
