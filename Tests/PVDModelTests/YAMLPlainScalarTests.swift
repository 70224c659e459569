import Testing
@testable import PVDModel

/// Plain scalars resolve as YAML 1.1's core rules (Yams' default resolver) say, without its
/// regular expressions.
struct YAMLPlainScalarTests {
    @Test(arguments: [
        ("", YAMLPlainScalar.null), ("~", .null), ("null", .null), ("Null", .null), ("NULL", .null), ("nULL", .string),
        ("true", .bool(true)), ("True", .bool(true)), ("yes", .bool(true)), ("ON", .bool(true)), ("on", .bool(true)),
        ("false", .bool(false)), ("No", .bool(false)), ("off", .bool(false)), ("y", .string), ("n", .string), ("tRUE", .string),
        ("0", .int), ("7", .int), ("-12", .int), ("+3", .int), ("1_000", .int), ("0b101", .int), ("0x1F", .int), ("0o17", .int),
        ("017", .int), ("019", .float), ("190:20:30", .int), ("1:60", .string), ("0x", .string), ("0b", .string),
        ("1.5", .float), ("-1.5", .float), ("1.", .float), ("1e5", .float), ("1.5E-3", .float), (".5", .float), (".5e+3", .float),
        (".5e3", .string), ("+.inf", .float), (".Inf", .float), (".nan", .float), ("-.nan", .string), ("190:20:30.15", .float),
        ("1Gi", .string), ("10Gi", .string), ("500m", .string), ("1e3x", .string), ("2026-12-06", .string), ("-", .string),
        ("+", .string), (".", .string), ("e3", .string), ("ReadWriteOnce", .string), ("<<", .string), ("=", .string),
    ] as [(String, YAMLPlainScalar)])
    func resolves(_ text: String, _ expected: YAMLPlainScalar) {
        #expect(YAMLPlainScalar(text) == expected, "\(text)")
    }

    @Test func aDocumentConvertsWithTheSameTypesAsBefore() throws {
        let docs = try YAMLConversion.documents("""
            a: 5
            b: "5"
            c: true
            d: 'yes'
            e: 1.5
            f: ~
            g: 10Gi
            h: !!str 7
            i: !!int "8"
            j: [1, two, 0x10, off]
            k: 99999999999999999999
            """)
        let o = try #require(docs.first)
        #expect(o["a"] == .int(5))
        #expect(o["b"] == .string("5"))
        #expect(o["c"] == .bool(true))
        #expect(o["d"] == .string("yes"))
        #expect(o["e"] == .double(1.5))
        #expect(o["f"] == .null)
        #expect(o["g"] == .string("10Gi"))
        #expect(o["h"] == .string("7"))
        #expect(o["j"] == .array([.int(1), .string("two"), .int(16), .bool(false)]))
        #expect(o["k"] == .string("99999999999999999999"))
    }
}
