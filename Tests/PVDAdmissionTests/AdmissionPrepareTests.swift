import Testing
import PVDAdmission
import PVDModel

/// `Admission.prepare` on large applies, which it checks on every core: the first error is the
/// one a check in document order finds, whichever part of the apply it is in.
struct AdmissionPrepareTests {
    /// `count` claim documents; `bad` ones request 0 bytes, `named` ones take another's name.
    static func objects(_ count: Int, bad: Set<Int> = [], named: [Int: Int] = [:]) throws -> [ManifestObject] {
        let yaml = (0..<count).map { i in
            """
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: c-\(named[i] ?? i)}
            spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: \(bad.contains(i) ? "0" : "1Gi")}}}
            """
        }.joined(separator: "\n---\n")
        return try ManifestReader.read(yaml, source: "m.yaml")
    }

    static func firstError(_ objects: [ManifestObject]) -> String? {
        do {
            _ = try Admission.prepare(objects, namespace: nil)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func manyGoodObjectsAreAllSettledInOrder() throws {
        let prepared = try Admission.prepare(try Self.objects(20_000), namespace: "team")
        #expect(prepared.count == 20_000)
        #expect(prepared.map(\.document) == Array(1...20_000))
        #expect(prepared.allSatisfy { $0.object.metadata.namespace == "team" })
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var bad: Set<Int>
        var named: [Int: Int]
        var says: String
        /// What the error is about: the bad field, or the repeated name.
        var about: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "an invalid object late in the apply", bad: [17_000], named: [:], says: "m.yaml document 17001", about: "spec.resources.requests[storage]"),
        Case(name: "the earlier of two invalid objects", bad: [3, 19_999], named: [:], says: "m.yaml document 4", about: "spec.resources.requests[storage]"),
        Case(name: "a duplicate before an invalid object", bad: [15_000], named: [12_000: 11_999], says: "m.yaml document 12001", about: "appears more than once"),
        Case(name: "an invalid object before a duplicate", bad: [2_000], named: [12_000: 11_999], says: "m.yaml document 2001", about: "spec.resources.requests[storage]"),
        Case(name: "a duplicate of an object in another part", bad: [], named: [19_000: 5], says: "m.yaml document 19001", about: "appears more than once"),
    ]

    @Test(arguments: cases) func theFirstErrorInDocumentOrderIsReported(_ c: Case) throws {
        let error = try #require(Self.firstError(try Self.objects(20_000, bad: c.bad, named: c.named)))
        #expect(error.contains(c.says), "\(error)")
        #expect(error.contains(c.about), "\(error)")
    }
}
