import Foundation
import Testing
@testable import PVDModel

/// A large stream read in pieces on several cores reads exactly as it does whole: the same
/// objects, document numbers, warnings and first error.
struct ManifestPiecesTests {
    /// `count` claims, each its own document, some with a field pvd does not know, some with a
    /// block scalar that holds `---` text (indented, so not a document start).
    static func stream(_ count: Int, extra: (Int) -> String = { _ in "" }) -> String {
        (0..<count).map { i in
            """
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: claim-\(i)
              annotations:
                note: |
                  ---
                  not a document
            spec:
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: \(i % 9 + 1)Gi}}
            \(i % 1000 == 7 ? "  colour: blue\n" : "")\(extra(i))
            """
        }.map { "---\n" + $0 + "\n" }.joined()
    }

    /// The stream read whole, on one thread, as small streams are.
    static func whole(_ text: String) throws(ManifestError) -> [ManifestObject] {
        var text = text
        return try text.withUTF8 { bytes in
            Result { () throws(ManifestError) in
                try ManifestReader.objects(in: try ManifestReader.documents(bytes, source: "big.yaml"), source: "big.yaml", firstDocument: 1)
            }
        }.get()
    }

    static func same(_ a: [ManifestObject], _ b: [ManifestObject]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in
            x.document == y.document && x.object == y.object && x.warnings == y.warnings && x.unknownFields == y.unknownFields
        }
    }

    @Test func aLargeStreamIsCutAtDocumentStartsOnly() throws {
        let text = Self.stream(6000)
        #expect(text.utf8.count > ManifestPieces.minimumBytes)
        var copy = text
        let pieces = copy.withUTF8 { ManifestPieces.cut($0, into: 4) }
        #expect(pieces.count == 4)
        #expect(pieces.map(\.count).reduce(0, +) == text.utf8.count)
        for piece in pieces { #expect(piece.starts(with: Array("---\n".utf8))) }
    }

    @Test func piecesReadAsTheWholeStream() throws {
        let text = Self.stream(6000)
        let read = try ManifestReader.read(text, source: "big.yaml")
        #expect(read.count == 6000)
        #expect(Self.same(read, try Self.whole(text)))
        #expect(read.last?.document == 6000 && read.last?.object.metadata.name == "claim-5999")
        let warned = read.filter { !$0.warnings.isEmpty }
        #expect(warned.map(\.document) == [8, 1008, 2008, 3008, 4008, 5008])
        #expect(warned.last?.warnings == ["big.yaml document 5008: pvc default/claim-5007: unknown field \"spec.colour\" ignored"])
    }

    @Test func theFirstBadDocumentIsNamedAsAWholeReadNamesIt() throws {
        // Two bad documents, in different pieces: the earlier one is reported.
        let text = Self.stream(6000) { i in i == 4500 || i == 5500 ? "  volumeMode: [Block]\n" : "" }
        #expect(throws: ManifestError.self) { try ManifestReader.read(text, source: "big.yaml") }
        do {
            _ = try ManifestReader.read(text, source: "big.yaml")
        } catch {
            #expect(error.document == 4501, "\(error)")
            #expect(throws: error) { try Self.whole(text) }
        }
    }

    @Test func malformedYAMLInALatePieceNamesItsDocument() throws {
        let text = Self.stream(6000) + "---\nkind: [unclosed\n"
        do {
            _ = try ManifestReader.read(text, source: "big.yaml")
            Issue.record("malformed YAML was read")
        } catch {
            #expect(error.document == 6001)
            #expect(error.message.contains("malformed YAML"))
        }
    }

    @Test func anAliasToAnEarlierPieceStillReads() throws {
        // The anchor is in the first document, the alias in the last: the pieces alone fail,
        // so the stream is read whole.
        var text = Self.stream(6000)
        text = text.replacingOccurrences(of: "name: claim-0\n", with: "name: &first claim-0\n")
        text += "---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: again\n  labels: {copy: *first}\n"
        let read = try ManifestReader.read(text, source: "big.yaml")
        #expect(read.count == 6001)
        #expect(read.last?.object.metadata.labels == ["copy": "claim-0"])
    }

    @Test func aDocumentMarkerInsideAQuotedStringIsAnErrorEitherWay() throws {
        // `---` at column 0 cannot be inside a quoted scalar; a whole read refuses it, and so
        // must a read that cut there.
        let broken = Self.stream(3000) + "---\nkind: \"a\n---\nb\"\n" + Self.stream(3000)
        do {
            _ = try ManifestReader.read(broken, source: "big.yaml")
            Issue.record("a quoted string across a document marker was read")
        } catch {
            #expect(throws: error) { try Self.whole(broken) }
        }
    }
}
