import Testing
@testable import PVDModel

struct LabelSelectorParsingTests {
    typealias Req = LabelSelectorRequirement

    struct Case: Sendable, CustomTestStringConvertible {
        let text: String
        let labels: [String: String]?
        let expressions: [Req]?
        var testDescription: String { "\"\(text)\"" }
        init(_ text: String, _ labels: [String: String]? = nil, _ expressions: [Req]? = nil) {
            self.text = text
            self.labels = labels
            self.expressions = expressions
        }
    }

    static let goodTexts: [Case] = [
        Case(""),
        Case("   "),
        Case("a=b", ["a": "b"]),
        Case("a==b", ["a": "b"]),
        Case(" a = b ", ["a": "b"]),
        Case("a=", ["a": ""]),
        Case("a=in", ["a": "in"]),
        Case("a!=b", nil, [Req(key: "a", operator: "NotIn", values: ["b"])]),
        Case("a in (x,y)", nil, [Req(key: "a", operator: "In", values: ["x", "y"])]),
        Case("a in(x, y )", nil, [Req(key: "a", operator: "In", values: ["x", "y"])]),
        Case("a notin (x)", nil, [Req(key: "a", operator: "NotIn", values: ["x"])]),
        Case("a in (x,)", nil, [Req(key: "a", operator: "In", values: ["x", ""])]),
        Case("a", nil, [Req(key: "a", operator: "Exists")]),
        Case("!a", nil, [Req(key: "a", operator: "DoesNotExist")]),
        Case("! a", nil, [Req(key: "a", operator: "DoesNotExist")]),
        Case(
            "app=db,tier in (gold,silver),!legacy,zone,kubernetes.io/hostname!=n1",
            ["app": "db"],
            [
                Req(key: "tier", operator: "In", values: ["gold", "silver"]),
                Req(key: "legacy", operator: "DoesNotExist"),
                Req(key: "zone", operator: "Exists"),
                Req(key: "kubernetes.io/hostname", operator: "NotIn", values: ["n1"]),
            ]),
        Case("a=b,a=b", ["a": "b"]),
        Case("a=b,a=c", ["a": "b"], [Req(key: "a", operator: "In", values: ["c"])]),
        Case("example.com/My_Key=V.1", ["example.com/My_Key": "V.1"]),
    ]

    @Test(arguments: goodTexts)
    func parses(_ c: Case) throws {
        let s = try LabelSelector(parsing: c.text)
        #expect(s.matchLabels == c.labels)
        #expect(s.matchExpressions == c.expressions)
        #expect(s.validationErrors(at: "selector").isEmpty)
    }

    static let badTexts: [(String, String)] = [
        ("a,", "expected a requirement after ','"),
        (",a", "expected a label key"),
        ("a,,b", "expected a label key"),
        ("=b", "expected a label key"),
        ("a=b=c", "found '=', expected ',' or end of text"),
        ("a b", "found 'b', expected '='"),
        ("a in x", "expected '('"),
        ("a in (x", "found end of text"),
        ("a in ()", "at least one value"),
        ("a notin", "expected '('"),
        ("a>1", "operator '>' is not supported"),
        ("a<1", "operator '<' is not supported"),
        ("!a=b", "found '=', expected ',' or end of text"),
        ("in", "expected a label key"),
        ("a=(b)", "expected a label value"),
        ("-a=b", "invalid label key \"-a\""),
        ("Example.com/key=v", "invalid label key"),
        ("a=b c", "found 'c'"),
        ("a=-b", "invalid label value \"-b\""),
        ("a in (x,-y)", "invalid label value \"-y\""),
        ("a=\(String(repeating: "v", count: 64))", "must be no more than 63 characters"),
    ]

    @Test(arguments: badTexts)
    func rejects(_ text: String, _ reason: String) {
        #expect {
            _ = try LabelSelector(parsing: text)
        } throws: { error in
            guard let e = error as? SelectorParseError else { return false }
            return e.input == text && e.reason.contains(reason)
        }
    }

    @Test func errorNamesPosition() {
        do {
            _ = try LabelSelector(parsing: "app=db,tier in x")
            Issue.record("expected an error")
        } catch {
            #expect(error.position == 15)
            #expect(error.description.contains("at position 15"))
        }
    }

    static let sample: [String: String] = ["app": "db", "tier": "gold", "zone": "a"]

    @Test(arguments: [
        ("", true), ("app=db", true), ("app==db", true), ("app=web", false), ("app!=web", true),
        ("app!=db", false), ("missing!=x", true), ("tier in (gold,silver)", true), ("tier in (bronze)", false),
        ("tier notin (bronze)", true), ("tier notin (gold)", false), ("missing notin (x)", true),
        ("missing in (x)", false), ("zone", true), ("missing", false), ("!missing", true), ("!zone", false),
        ("app=db,zone,!missing,tier in (gold)", true), ("app=db,missing", false), ("app=db,app=web", false),
        ("app=", false), ("empty=", false),
    ])
    func matches(_ text: String, _ expected: Bool) throws {
        let s = try LabelSelector(parsing: text)
        #expect(s.matches(Self.sample) == expected)
    }

    @Test func emptyLabelValueMatchesEmptyLabel() throws {
        #expect(try LabelSelector(parsing: "a=").matches(["a": ""]))
        #expect(try !LabelSelector(parsing: "a=").matches(nil))
    }

    @Test(arguments: [
        ("", "<none>"), ("b=2,a=1", "a=1,b=2"), ("z in (y,x),!a", "!a,z in (x,y)"),
        ("k!=v,e", "e,k notin (v)"),
    ])
    func formats(_ text: String, _ expected: String) throws {
        let s = try LabelSelector(parsing: text)
        #expect(s.formatted == expected)
        #expect(try LabelSelector(parsing: expected == "<none>" ? "" : expected).formatted == expected)
    }
}
