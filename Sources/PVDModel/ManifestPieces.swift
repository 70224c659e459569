/// Reads a large manifest stream on every core: the stream is cut into pieces at document
/// boundaries, each piece is parsed, then decoded into objects, on a core of its own.
///
/// A line that is `---` (alone, or followed by a space) at column 0 always starts a document in
/// YAML: no scalar or flow collection may hold one. So pieces cut there read as the whole stream
/// would, except where a document leans on another piece: an alias to an anchor of an earlier
/// document, a directive just before the cut. Those make a piece fail to parse, and then the
/// stream is read whole, which also gives any real error exactly as a whole read reports it.
enum ManifestPieces {
    /// Streams smaller than this are read whole: starting threads costs more than it saves.
    static let minimumBytes = 1 << 20

    /// The stream cut into at most `parts` pieces at `---` lines near equal sizes, copied so
    /// each can go to another thread; none when it is small or has no such line to cut at.
    static func cut(_ bytes: UnsafeBufferPointer<UInt8>, into parts: Int) -> [[UInt8]] {
        guard parts > 1, bytes.count >= minimumBytes else { return [] }
        var starts = [0]
        for i in 1..<parts {
            guard let next = documentStart(in: bytes, from: max(bytes.count * i / parts, starts[starts.count - 1] + 1)) else { break }
            if next > starts[starts.count - 1] { starts.append(next) }
        }
        starts.append(bytes.count)
        if starts.count <= 2 { return [] }
        return (0..<starts.count - 1).map { Array(bytes[starts[$0]..<starts[$0 + 1]]) }
    }

    /// The offset of the first `---` line at or after `from`.
    static func documentStart(in b: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        let dash = UInt8(ascii: "-")
        var i = from
        while i + 3 <= b.count {
            if b[i] == dash, b[i + 1] == dash, b[i + 2] == dash, i == 0 || b[i - 1] == UInt8(ascii: "\n") {
                let after = i + 3 < b.count ? b[i + 3] : UInt8(ascii: "\n")
                if after == UInt8(ascii: " ") || after == UInt8(ascii: "\t") || after == UInt8(ascii: "\n") || after == UInt8(ascii: "\r") {
                    return i
                }
            }
            i += 1
        }
        return nil
    }

    /// The objects of all pieces in stream order; nil when some piece does not parse alone (the
    /// caller then reads the stream whole). A decoding error is the stream's first.
    static func read(_ pieces: [[UInt8]], source: String) throws(ManifestError) -> [ManifestObject]? {
        let documents = Concurrently.map(pieces) { piece in piece.withUnsafeBufferPointer { try? YAMLEventReader.documents($0) } }
        guard documents.allSatisfy({ $0 != nil }) else { return nil }
        var numbers = [1]
        for docs in documents.dropLast() { numbers.append(numbers[numbers.count - 1] + (docs?.count ?? 0)) }
        let decoded = Concurrently.map(Array(zip(documents, numbers))) { docs, first in
            Result { () throws(ManifestError) in try ManifestReader.objects(in: docs ?? [], source: source, firstDocument: first) }
        }
        var out: [ManifestObject] = []
        for result in decoded { out += try result.get() }
        return out
    }
}
