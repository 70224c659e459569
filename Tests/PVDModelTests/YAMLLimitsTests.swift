import Foundation
import Testing
@testable import PVDModel

/// Alias bombs, deep nesting and oversized objects: refused while reading, naming the document,
/// before anything is expanded; ordinary aliases still read as Kubernetes reads them.
struct YAMLLimitsTests {
    static let goodVolume = """
        apiVersion: v1
        kind: PersistentVolume
        metadata: {name: first}
        spec:
          capacity: {storage: 1Gi}
          accessModes: [ReadWriteOnce]
          hostPath: {path: /srv/first}

        """

    /// A claim whose metadata carries `extra` (indented two spaces, under `metadata:`).
    static func claim(metadata extra: String) -> String {
        """
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: bomb
        \(extra)
        spec:
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: 1Gi}}

        """
    }

    /// `levels` anchored lists under metadata.annotations, each holding `fanOut` aliases of the
    /// one before; the first holds `fanOut` strings.
    static func bomb(levels: Int, fanOut: Int) -> String {
        var lines = ["  annotations:"]
        lines.append("    l0: &l0 [" + Array(repeating: "\"lol\"", count: fanOut).joined(separator: ",") + "]")
        for i in 1..<levels {
            lines.append("    l\(i): &l\(i) [" + Array(repeating: "*l\(i - 1)", count: fanOut).joined(separator: ",") + "]")
        }
        return claim(metadata: lines.joined(separator: "\n"))
    }

    /// The refusal `read` throws, or nil (recording an issue) when it throws nothing.
    static func refusal(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> ManifestError? {
        do {
            _ = try ManifestReader.read(text, source: "manifest.yaml")
            Issue.record("the manifest was accepted", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    @Test func legitimateAliasesAreExpanded() throws {
        let text = """
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: data
              labels: &labels {app: web, tier: db}
            spec:
              accessModes: &modes [ReadWriteOnce]
              selector: {matchLabels: *labels}
              resources: {requests: {storage: &size 1Gi}}
              storageClassName: ""
            ---
            apiVersion: v1
            kind: PersistentVolume
            metadata: {name: vol, labels: *labels}
            spec:
              capacity: {storage: *size}
              accessModes: *modes
              hostPath: {path: /srv/vol}
            """
        let objects = try ManifestReader.read(text, source: "m.yaml")
        let pvc = try #require(objects.first?.object.as(PersistentVolumeClaim.self))
        #expect(pvc.metadata.labels == ["app": "web", "tier": "db"])
        #expect(pvc.spec.selector?.matchLabels == ["app": "web", "tier": "db"])
        #expect(pvc.spec.accessModes == [.readWriteOnce])
        let pv = try #require(objects.last?.object.as(PersistentVolume.self))
        #expect(pv.metadata.labels == ["app": "web", "tier": "db"])
        #expect(pv.spec.capacity?["storage"]?.description == "1Gi")
    }

    @Test func aFewHundredAliasedNodesAreFine() throws {
        // A list of 20 strings aliased 40 times: 840 nodes from aliases, well within go-yaml's rule.
        let text = Self.claim(metadata: """
              annotations:
                base: &base ["\(Array(repeating: "v", count: 20).joined(separator: "\",\""))"]
                copies: [\(Array(repeating: "*base", count: 40).joined(separator: ","))]
            """)
        let docs = try YAMLConversion.documents(text)
        guard case .array(let copies)? = docs.first?["metadata"]?["annotations"]?["copies"] else {
            Issue.record("copies did not read as a list")
            return
        }
        #expect(copies.count == 40)
    }

    @Test func oneLevelBombIsRefused() throws {
        // 1,000 strings aliased 1,000 times: a million nodes from some two thousand written.
        let text = Self.claim(metadata: """
              annotations:
                a: &a [\(Array(repeating: "x", count: 1000).joined(separator: ","))]
                b: [\(Array(repeating: "*a", count: 1000).joined(separator: ","))]
            """)
        let e = try #require(Self.refusal(Self.goodVolume + "---\n" + text))
        #expect(e.document == 2)
        #expect(e.description.hasPrefix("manifest.yaml document 2: "))
        #expect(e.description.contains("excessive aliasing"))
    }

    @Test func tenLevelBombIsRefusedQuickly() throws {
        // Over 10^10 nodes if expanded; measuring them is some 140 nodes of work.
        let text = Self.goodVolume + "---\n" + Self.goodVolume.replacingOccurrences(of: "first", with: "second")
            + "---\n" + Self.bomb(levels: 10, fanOut: 10)
        let start = ContinuousClock.now
        let e = try #require(Self.refusal(text))
        #expect(ContinuousClock.now - start < .seconds(2))
        #expect(e.document == 3)
        #expect(e.description.contains("excessive aliasing"))
        #expect(e.description.contains("12345678990 more"))
    }

    /// Issue 13's: nine levels of nine, under metadata.annotations, in about 500 bytes.
    static let issueBomb = """
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: bomb
          annotations:
            a: &a [x, x, x, x, x, x, x, x, x]
            b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
            c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
            d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
            e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
            f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
            g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
            h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
            i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
        spec: {}

        """

    @Test func nineLevelBombFromTheIssueIsRefused() throws {
        let text = Self.issueBomb
        #expect(text.utf8.count <= 513)
        let start = ContinuousClock.now
        let e = try #require(Self.refusal(text))
        #expect(ContinuousClock.now - start < .seconds(2))
        #expect(e.document == 1)
        #expect(e.description.contains("excessive aliasing"))
    }

    @Test func aliasesOfAnEarlierDocumentCountAsAliases() throws {
        // Yams lets a document name anchors of an earlier one; their expansion is still aliasing.
        let first = Self.claim(metadata: """
              annotations:
                a: &a [\(Array(repeating: "x", count: 1000).joined(separator: ","))]
            """)
        let second = Self.claim(metadata: """
              annotations:
                b: [\(Array(repeating: "*a", count: 100).joined(separator: ","))]
            """).replacingOccurrences(of: "name: bomb", with: "name: other")
        let e = try #require(Self.refusal(first + "---\n" + second))
        #expect(e.document == 2)
        #expect(e.description.contains("excessive aliasing"))
    }

    @Test func aLargeStringAliasedManyTimesIsRefused() throws {
        // Only 41 nodes come from aliases, but they carry 40 × 100 KiB.
        let text = Self.claim(metadata: """
              annotations:
                big: &big "\(String(repeating: "x", count: 100 * 1024))"
                copies: [\(Array(repeating: "*big", count: 40).joined(separator: ","))]
            """)
        let e = try #require(Self.refusal(text))
        #expect(e.document == 1)
        #expect(e.description.contains("4096000 bytes"))
        #expect(e.description.contains("\(ManifestLimits.maxAliasBytes)"))
    }

    @Test func nestingAtTheLimitReadsAndOneMoreIsRefused() throws {
        let limit = ManifestLimits.maxNesting
        #expect(limit == 255)
        let atLimit = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(try YAMLConversion.documents(atLimit).count == 1)
        let over = "a: 1\n---\n" + String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        #expect(throws: YAMLReadError(document: 2, reason: .tooDeep(nesting: limit + 1))) {
            _ = try YAMLConversion.documents(over)
        }
    }

    @Test func deepNestingInAManifestNamesDocumentAndDepth() throws {
        // The document, spec and x mappings, then 300 lists: 303 levels.
        let deep = "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: p}\nspec: {x: {y: "
            + String(repeating: "[", count: 300) + String(repeating: "]", count: 300) + "}}\n"
        let e = try #require(Self.refusal(Self.goodVolume + "---\n" + deep))
        #expect(e.description.hasPrefix("manifest.yaml document 2: "))
        #expect(e.description.contains("nested 303 levels deep"))
        #expect(e.description.contains("255"))
    }

    @Test func nestingPastTheParsersOwnLimitNamesTheDocument() throws {
        let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        let e = try #require(Self.refusal(Self.goodVolume + "---\n" + deep))
        #expect(e.document == 2)
        #expect(e.description.contains("nested more than the YAML parser's limit of 1000 levels"))
    }

    @Test func aFourMebibyteObjectIsRefused() throws {
        let big = Self.goodVolume.replacingOccurrences(of: "name: first", with: "name: big, annotations: {blob: \(String(repeating: "x", count: 4 * 1024 * 1024))}")
        let e = try #require(Self.refusal(Self.goodVolume + "---\n" + big))
        #expect(e.document == 2)
        #expect(e.object == "pv big")
        #expect(e.description.contains("\(ManifestLimits.maxObjectBytes)"))
    }

    @Test func anObjectTooLargeToStoreIsRefused() throws {
        // Under the 3 MiB request limit as written, over etcd's 1.5 MiB as stored.
        let big = Self.goodVolume.replacingOccurrences(of: "name: first", with: "name: big, annotations: {blob: \(String(repeating: "x", count: 2 * 1024 * 1024))}")
        let e = try #require(Self.refusal(big))
        #expect(e.document == 1)
        #expect(e.object == "pv big")
        #expect(e.description.contains("\(ManifestLimits.maxStoredObjectBytes)"))
    }

    @Test func malformedYAMLNamesItsDocument() throws {
        let e = try #require(Self.refusal(Self.goodVolume + "---\nkind: [unclosed\n"))
        #expect(e.document == 2)
        #expect(e.description.contains("malformed YAML"))
    }

    @Test func aliasRatioFollowsGoYAML() {
        // Small documents: nothing is excessive below 100 alias nodes or 1,000 in all.
        #expect(!ManifestLimits.aliasingIsExcessive(aliasNodes: 100, totalNodes: 100_000_000))
        #expect(!ManifestLimits.aliasingIsExcessive(aliasNodes: 999, totalNodes: 1000))
        // Up to 400,000 nodes, 99% may come from aliases.
        #expect(!ManifestLimits.aliasingIsExcessive(aliasNodes: 99_000, totalNodes: 100_000))
        #expect(ManifestLimits.aliasingIsExcessive(aliasNodes: 99_001, totalNodes: 100_000))
        // From 4,000,000, 10%.
        #expect(!ManifestLimits.aliasingIsExcessive(aliasNodes: 400_000, totalNodes: 4_000_000))
        #expect(ManifestLimits.aliasingIsExcessive(aliasNodes: 400_001, totalNodes: 4_000_000))
        // Halfway between, halfway between the ratios: 54.5%.
        #expect(!ManifestLimits.aliasingIsExcessive(aliasNodes: 1_198_000, totalNodes: 2_200_000))
        #expect(ManifestLimits.aliasingIsExcessive(aliasNodes: 1_200_000, totalNodes: 2_200_000))
    }
}
