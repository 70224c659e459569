import Testing
@testable import PVDModel

/// The YAML reader's own rules, on plain text: what each shape of YAML becomes, and which
/// streams it refuses and with what.
struct YAMLEventReaderTests {
    struct Read: CustomTestStringConvertible, Sendable {
        var name: String
        var yaml: String
        var documents: [JSONValue]
        var testDescription: String { name }
    }

    static let readCases: [Read] = [
        Read(name: "empty stream", yaml: "", documents: []),
        Read(name: "comments only", yaml: "# nothing\n", documents: []),
        Read(name: "an empty document", yaml: "---\n---\na: 1\n", documents: [.null, .object(["a": .int(1)])]),
        Read(name: "explicit end", yaml: "a: 1\n...\n---\nb: 2\n", documents: [.object(["a": .int(1)]), .object(["b": .int(2)])]),
        Read(name: "flow and block", yaml: "a: [1, {b: c}]\nd:\n  - e\n  - f: g\n",
             documents: [.object(["a": .array([.int(1), .object(["b": .string("c")])]), "d": .array([.string("e"), .object(["f": .string("g")])])])]),
        Read(name: "YAML 1.1 integers", yaml: "[012, 0x1F, 0o17, 1_000, 190:20:30, -5, +7]",
             documents: [.array([.int(10), .int(31), .int(15), .int(1000), .int(685_230), .int(-5), .int(7)])]),
        Read(name: "past int64 stays a string", yaml: "[99999999999999999999]", documents: [.array([.string("99999999999999999999")])]),
        Read(name: "quoted and block scalars are strings", yaml: "a: '5'\nb: \"true\"\nc: |\n  x\nd: >\n  y\n",
             documents: [.object(["a": .string("5"), "b": .string("true"), "c": .string("x\n"), "d": .string("y\n")])]),
        Read(name: "booleans, nulls, floats", yaml: "[yes, Off, ~, null, '', 1.5, .inf]",
             documents: [.array([.bool(true), .bool(false), .null, .null, .string(""), .double(1.5), .double(.infinity)])]),
        Read(name: "explicit tags", yaml: "[!!str 5, !!int '7', !!int 0x10, !!bool yes, !!null x, !!float 2, !custom 3]",
             documents: [.array([.string("5"), .string("7"), .int(16), .bool(true), .null, .double(2), .string("3")])]),
        Read(name: "timestamps stay strings", yaml: "t: 2026-12-07T06:00:00Z", documents: [.object(["t": .string("2026-12-07T06:00:00Z")])]),
        Read(name: "keys keep their text", yaml: "1: a\ntrue: b\n~: c\n", documents: [.object(["1": .string("a"), "true": .string("b"), "~": .string("c")])]),
        Read(name: "aliases share their anchor's value", yaml: "a: &x {b: [1, 2]}\nc: *x\nd: [*x, *x]\n",
             documents: [.object(["a": .object(["b": .array([.int(1), .int(2)])]), "c": .object(["b": .array([.int(1), .int(2)])]),
                                  "d": .array([.object(["b": .array([.int(1), .int(2)])]), .object(["b": .array([.int(1), .int(2)])])])])]),
        Read(name: "an aliased scalar as a key", yaml: "k: &name app\n*name : web\n", documents: [.object(["k": .string("app"), "app": .string("web")])]),
        Read(name: "anchors outlive their document", yaml: "a: &x 5\n---\nb: *x\n", documents: [.object(["a": .int(5)]), .object(["b": .int(5)])]),
        Read(name: "a later anchor of the same name wins", yaml: "[&x 1, *x, &x 2, *x]", documents: [.array([.int(1), .int(1), .int(2), .int(2)])]),
        Read(name: "merge keys are ordinary keys", yaml: "a: &b {x: 1}\nc:\n  <<: *b\n", documents: [.object(["a": .object(["x": .int(1)]), "c": .object(["<<": .object(["x": .int(1)])])])]),
        Read(name: "byte order mark", yaml: "\u{FEFF}a: 1\n", documents: [.object(["a": .int(1)])]),
        Read(name: "unicode text", yaml: "name: \"caf\\u00e9\"\nplain: naïve\n", documents: [.object(["name": .string("café"), "plain": .string("naïve")])]),
    ]

    @Test(arguments: readCases) func reads(_ c: Read) throws {
        #expect(try YAMLConversion.documents(c.yaml) == c.documents)
    }

    struct Refusal: CustomTestStringConvertible, Sendable {
        var name: String
        var yaml: String
        var document: Int
        var says: [String]
        var testDescription: String { name }
    }

    static let refusalCases: [Refusal] = [
        Refusal(name: "duplicate key", yaml: "a: 1\nb: 2\na: 3\n", document: 1, says: ["malformed YAML", "line 3, column 4", "mapping key \"a\" already defined"]),
        Refusal(name: "duplicate key in a later document", yaml: "a: 1\n---\nx: {k: 1, k: 2}\n", document: 2, says: ["mapping key \"k\""]),
        Refusal(name: "mapping as a key", yaml: "? {a: 1}\n: v\n", document: 1, says: ["line 1, column 3", "a mapping key must be a scalar"]),
        Refusal(name: "list alias as a key", yaml: "l: &l [1]\n*l : v\n", document: 1, says: ["a mapping key must be a scalar"]),
        Refusal(name: "undefined alias", yaml: "a: 1\n---\nb: *nope\n", document: 2, says: ["line 3, column 4", "found undefined alias \"nope\""]),
        Refusal(name: "alias inside its own anchor", yaml: "a: &x [*x]\n", document: 1, says: ["undefined alias \"x\""]),
        Refusal(name: "unclosed flow list", yaml: "a: 1\n---\nb: [1, 2\n", document: 2, says: ["malformed YAML", "line 4", "while parsing a flow sequence"]),
        Refusal(name: "bad indentation", yaml: "a:\n  b: 1\n c: 2\n", document: 1, says: ["malformed YAML", "line 3, column 2"]),
        Refusal(name: "not UTF-8", yaml: "a: \u{0}\n", document: 1, says: ["malformed YAML"]),
    ]

    @Test(arguments: refusalCases) func refuses(_ c: Refusal) throws {
        do {
            let docs = try YAMLConversion.documents(c.yaml)
            Issue.record("read as \(docs)")
        } catch {
            #expect(error.document == c.document, "\(error)")
            for part in c.says { #expect(error.description.contains(part), "\(error.description) should say \(part)") }
        }
    }

    @Test func aliasesAreCountedAsTheyAreRead() throws {
        // A list of 300 scalars aliased 400 times: 120,400 nodes from aliases out of 121,105.
        let yaml = "a: &a [" + Array(repeating: "x", count: 300).joined(separator: ",") + "]\n"
            + "b: [" + Array(repeating: "*a", count: 400).joined(separator: ",") + "]\n"
        do {
            _ = try YAMLConversion.documents(yaml)
            Issue.record("a 99.7% aliased document was read")
        } catch {
            #expect(error.reason == .excessiveAliasing(aliasNodes: 400 * 301, writtenNodes: 1 + 1 + 301 + 1 + 1 + 400))
        }
    }

    @Test func nestingCountsThroughAliases() throws {
        // 200 written levels, aliased inside another 100, in the document's mapping: 301.
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        let yaml = "a: &d " + deep + "\nb: " + String(repeating: "[", count: 100) + "*d" + String(repeating: "]", count: 100) + "\n"
        do {
            _ = try YAMLConversion.documents(yaml)
            Issue.record("a 301-level document was read")
        } catch {
            #expect(error.reason == .tooDeep(nesting: 301))
        }
    }
}
