import Testing
@testable import PVDModel

struct FieldSelectorTests {
    typealias Req = FieldSelector.Requirement

    static func eq(_ f: String, _ v: String) -> Req { Req(field: f, operator: .equals, value: v) }
    static func ne(_ f: String, _ v: String) -> Req { Req(field: f, operator: .notEquals, value: v) }

    static let goodTexts: [(String, [Req])] = [
        ("", []),
        (",", []),
        ("spec.nodeName=node-a", [eq("spec.nodeName", "node-a")]),
        ("spec.nodeName==node-a", [eq("spec.nodeName", "node-a")]),
        ("metadata.name!=x", [ne("metadata.name", "x")]),
        ("spec.nodeName=node-a,metadata.name!=x", [eq("spec.nodeName", "node-a"), ne("metadata.name", "x")]),
        ("a=b,", [eq("a", "b")]),
        (",a=b,,c!=d", [eq("a", "b"), ne("c", "d")]),
        ("spec.nodeName=", [eq("spec.nodeName", "")]),
        ("a!=", [ne("a", "")]),
        ("a=!b", [eq("a", "!b")]),
        ("a!b=c", [eq("a!b", "c")]),
        // Neither side is trimmed, as Kubernetes: the kind check then names " a " as no field.
        (" a = b ", [eq(" a ", " b ")]),
        (#"reason=x\,y"#, [eq("reason", "x,y")]),
        (#"reason=x\=y"#, [eq("reason", "x=y")]),
        (#"reason=x\\y"#, [eq("reason", #"x\y"#)]),
        (#"a=\\,b=c"#, [eq("a", #"\"#), eq("b", "c")]),
    ]

    @Test(arguments: goodTexts)
    func parses(_ text: String, _ expected: [Req]) throws {
        let s = try FieldSelector(parsing: text)
        #expect(s.requirements == expected)
        #expect(s.isEmpty == expected.isEmpty)
        // Printed back, it parses to the same requirements.
        #expect(try FieldSelector(parsing: s.description) == s)
    }

    static let badTexts: [(String, String, FieldSelectorError.Problem)] = [
        ("spec.nodeName", "spec.nodeName", .noOperator),
        ("a=b,c", "c", .noOperator),
        ("=x", "=x", .noField),
        ("!=x", "!=x", .noField),
        ("==x", "==x", .noField),
        ("a=b=c", "a=b=c", .unescapedEquals),
        ("a===b", "a===b", .unescapedEquals),
        (#"a=x\y"#, #"a=x\y"#, .invalidEscape(#"\y"#)),
        (#"a=x\"#, #"a=x\"#, .invalidEscape(#"\"#)),
        // The field takes no escapes: the operator is the first '=' even after a backslash.
        (#"a\=b=c"#, #"a\=b=c"#, .unescapedEquals),
    ]

    @Test(arguments: badTexts)
    func refuses(_ text: String, _ term: String, _ problem: FieldSelectorError.Problem) {
        #expect(throws: FieldSelectorError(selector: text, term: term, problem: problem)) {
            try FieldSelector(parsing: text)
        }
    }

    @Test func parseErrorsNameTheSelectorAndTheTerm() {
        let e = FieldSelectorError(selector: "a=b,c", term: "c", problem: .noOperator)
        #expect(e.description == #"field selector "a=b,c": term "c" has no operator; write field=value, field==value or field!=value"#)
        let q = FieldSelectorError(selector: "a=b=c", term: "a=b=c", problem: .unescapedEquals)
        #expect(q.description == #"field selector "a=b=c": term "a=b=c": a '=' in a value must be written \="#)
    }

    static let plainMatches: [(String, [String: String], Bool)] = [
        ("", [:], true),
        ("a=b", ["a": "b"], true),
        ("a=b", ["a": "c"], false),
        ("a==b", ["a": "b"], true),
        ("a!=b", ["a": "c"], true),
        ("a!=b", ["a": "b"], false),
        // A field without a value reads as "".
        ("a=", [:], true),
        ("a!=", [:], false),
        ("a!=b", [:], true),
        ("a=b,c!=d", ["a": "b", "c": "e"], true),
        ("a=b,c!=d", ["a": "b", "c": "d"], false),
        ("a=b,a=c", ["a": "b"], false),
    ]

    @Test(arguments: plainMatches)
    func matchesPlainValues(_ text: String, _ values: [String: String], _ expected: Bool) throws {
        #expect(try FieldSelector(parsing: text).matches(values) == expected)
    }

    @Test func requiredValueIsThatOfAnEqualityOnly() throws {
        let s = try FieldSelector(parsing: "metadata.namespace!=a,metadata.namespace=b,spec.nodeName=n")
        #expect(s.requiredValue(of: "metadata.namespace") == "b")
        #expect(s.requiredValue(of: "spec.nodeName") == "n")
        #expect(s.requiredValue(of: "metadata.name") == nil)
    }
}
