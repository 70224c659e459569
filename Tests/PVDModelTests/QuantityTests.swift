import Foundation
import Testing
@testable import PVDModel

struct QuantityTests {
    /// Input, canonical output, whole-unit value (rounded up away from zero) and format.
    struct Good: Sendable, CustomTestStringConvertible {
        let input: String
        let canonical: String
        let format: Quantity.Format
        var testDescription: String { "\"\(input)\" → \"\(canonical)\"" }
        init(_ input: String, _ canonical: String, _ format: Quantity.Format) {
            self.input = input
            self.canonical = canonical
            self.format = format
        }
    }

    static let good: [Good] = [
        Good("0", "0", .decimalSI),
        Good("0Gi", "0", .binarySI),
        Good("-0", "0", .decimalSI),
        Good("0.0", "0", .decimalSI),
        Good("1", "1", .decimalSI),
        Good("100m", "100m", .decimalSI),
        Good("1000m", "1", .decimalSI),
        Good("0.5", "500m", .decimalSI),
        Good("1.5", "1500m", .decimalSI),
        Good("1500", "1500", .decimalSI),
        Good("1500000", "1500k", .decimalSI),
        Good("1000", "1k", .decimalSI),
        Good("10000", "10k", .decimalSI),
        Good("1G", "1G", .decimalSI),
        Good("1.5G", "1500M", .decimalSI),
        Good("7E", "7E", .decimalSI),
        // Past Int64: decimal amounts are kept exactly, binary ones capped at 2^63-1, as Kubernetes does.
        Good("10E", "10E", .decimalSI),
        Good("800E", "800E", .decimalSI),
        Good("950E", "950E", .decimalSI),
        Good("1000E", "1000E", .decimalSI),
        Good("9223372036854775808", "9223372036854775808", .decimalSI),
        Good("9223372036854775807.5", "9223372036854775807500m", .decimalSI),
        Good("99999999999999999999999999999", "99999999999999999999999999999", .decimalSI),
        Good("1e19", "10e18", .decimalExponent),
        Good("8Ei", "9223372036854775807", .binarySI),
        Good("-8Ei", "-9223372036854775807", .binarySI),
        Good("1024Ei", "9223372036854775807", .binarySI),
        Good("1Ki", "1Ki", .binarySI),
        Good("1024Mi", "1Gi", .binarySI),
        Good("1.5Gi", "1536Mi", .binarySI),
        Good("0.5Gi", "512Mi", .binarySI),
        Good(".5Gi", "512Mi", .binarySI),
        Good("1.Gi", "1Gi", .binarySI),
        Good("+1Gi", "1Gi", .binarySI),
        Good("01Gi", "1Gi", .binarySI),
        Good("-1Gi", "-1Gi", .binarySI),
        Good("-1.5Gi", "-1536Mi", .binarySI),
        Good("-100m", "-100m", .decimalSI),
        Good("0.5Ki", "512", .binarySI),
        Good("1023", "1023", .decimalSI),
        Good("1.1Ki", "1126400m", .binarySI),
        Good("1.5Ki", "1536", .binarySI),
        Good("2048", "2048", .decimalSI),
        Good("7Ei", "7Ei", .binarySI),
        Good("8191Pi", "8191Pi", .binarySI),
        Good("1e3", "1e3", .decimalExponent),
        Good("1E3", "1e3", .decimalExponent),
        Good("1e+3", "1e3", .decimalExponent),
        Good("1.5e3", "1500", .decimalExponent),
        Good("1e9", "1e9", .decimalExponent),
        Good("1e-3", "1e-3", .decimalExponent),
        Good("1.5E-3", "1500e-6", .decimalExponent),
        Good("12e6", "12e6", .decimalExponent),
        Good("1n", "1n", .decimalSI),
        Good("1u", "1u", .decimalSI),
        Good("0.1m", "100u", .decimalSI),
        Good("0.1n", "1n", .decimalSI),
        Good("-0.1n", "-1n", .decimalSI),
        Good("1.0000000001", "1000000001n", .decimalSI),
        Good("0.0001Ki", "102400u", .decimalSI),
        Good("1e-100", "1e-9", .decimalExponent),
        Good("9223372036854775807", "9223372036854775807", .decimalSI),
        Good("9.223372036854775807E", "9223372036854775807", .decimalSI),
    ]

    @Test(arguments: good)
    func parsesAndPrintsCanonically(_ c: Good) throws {
        let q = try Quantity(parsing: c.input)
        #expect(q.description == c.canonical)
        #expect(q.format == c.format)
        // The canonical form parses back to the same amount and prints the same.
        let again = try Quantity(parsing: q.description)
        #expect(again == q)
        #expect(again.description == c.canonical)
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        let input: String
        let reason: String
        var testDescription: String { "\"\(input)\"" }
        init(_ input: String, _ reason: String) {
            self.input = input
            self.reason = reason
        }
    }

    static let bad: [Bad] = [
        Bad("", "empty"),
        Bad("Gi", "expected a number"),
        Bad("-", "expected a number"),
        Bad(".", "expected a number"),
        Bad("--1", "expected a number"),
        Bad("+-1", "expected a number"),
        Bad("abc", "expected a number"),
        Bad("e3", "expected a number"),
        Bad("1Gb", "unknown suffix \"Gb\""),
        Bad("1K", "unknown suffix \"K\""),
        Bad("1gi", "unknown suffix \"gi\""),
        Bad("1mi", "unknown suffix \"mi\""),
        Bad("1Gi3", "unknown suffix \"Gi3\""),
        Bad("1 Gi", "whitespace"),
        Bad("1Gi ", "whitespace"),
        Bad(" 1", "whitespace"),
        Bad("1\t", "whitespace"),
        Bad("1.2.3", "malformed number"),
        Bad("1e", "malformed exponent"),
        Bad("1ee3", "malformed exponent"),
        Bad("1e3.5", "malformed exponent"),
        Bad("1e-", "malformed exponent"),
        Bad("1e1000000000000", "too large"),
        Bad("1e29", "too large"),
        Bad("100000000000000000000000000000", "too large"),
        Bad("100000000000E", "too large"),
        Bad("100000000000000000000000000000000000000000000", "too large"),
    ]

    @Test(arguments: bad)
    func rejects(_ c: Bad) {
        #expect {
            _ = try Quantity(parsing: c.input)
        } throws: { error in
            guard let e = error as? QuantityError else { return false }
            return e.input == c.input && e.reason.contains(c.reason)
        }
    }

    @Test(arguments: [
        ("1Gi", "1G", 1), ("1024Mi", "1Gi", 0), ("1k", "1000", 0), ("1Ki", "1k", 1),
        ("500m", "0.5", 0), ("1n", "0", 1), ("-1", "0", -1), ("1e3", "1k", 0), ("100Mi", "1Gi", -1),
    ])
    func compares(_ a: String, _ b: String, _ order: Int) throws {
        let x = try Quantity(parsing: a)
        let y = try Quantity(parsing: b)
        #expect((x < y ? -1 : x == y ? 0 : 1) == order)
        if order == 0 { #expect(x.hashValue == y.hashValue) }
    }

    @Test(arguments: [
        ("1", Int64(1), Int128(1000)), ("1500m", 2, 1500), ("1n", 1, 1), ("-1500m", -2, -1500),
        ("-1n", -1, -1), ("1Gi", 1_073_741_824, 1_073_741_824_000), ("0", 0, 0), ("7Ei", 8_070_450_532_247_928_832, 8_070_450_532_247_928_832_000),
    ])
    func valuesRoundAwayFromZero(_ text: String, _ value: Int64, _ milli: Int128) throws {
        let q = try Quantity(parsing: text)
        #expect(q.value == value)
        #expect(q.milliValue == milli)
    }

    @Test func initialisersAndArithmetic() throws {
        #expect(Quantity(1024).description == "1Ki")
        #expect(Quantity(1000, format: .decimalSI).description == "1k")
        #expect(Quantity(milliValue: 1500, format: .decimalSI).description == "1500m")
        #expect(Quantity(milliValue: 1500, format: .binarySI).description == "1500m")
        #expect(Quantity(0).isZero)
        let sum = try Quantity(parsing: "1Gi") + Quantity(parsing: "512Mi")
        #expect(sum.description == "1536Mi")
        let diff = try Quantity(parsing: "1Gi") - Quantity(parsing: "2Gi")
        #expect(diff.description == "-1Gi")
        // A zero left operand takes the right one's format, as Kubernetes' Add does.
        #expect((Quantity(0, format: .decimalSI) + Quantity(2048)).description == "2Ki")
        // Beyond exa, arithmetic results keep the largest decimal suffix.
        let big = try Quantity(parsing: "9E") + Quantity(parsing: "9E")
        #expect(big.description == "18E")
    }

    struct Holder: Codable, Equatable {
        var storage: Quantity
    }

    @Test func jsonRoundTrip() throws {
        let h = Holder(storage: try Quantity(parsing: "1024Mi"))
        let data = try JSONCoding.shared.encode(h)
        #expect(String(decoding: data, as: UTF8.self) == #"{"storage":"1Gi"}"#)
        let back = try JSONCoding.shared.decode(Holder.self, from: data)
        #expect(back == h)
        #expect(back.storage.format == .binarySI)
    }

    @Test(arguments: [
        (#"{"storage":1024}"#, "1024"), (#"{"storage":1.5}"#, "1500m"), (#"{"storage":" 10Gi "}"#, "10Gi"),
        (#"{"storage":null}"#, "0"), (#"{"storage":"1e3"}"#, "1e3"),
    ])
    func decodesNumbersAndLooseStrings(_ json: String, _ canonical: String) throws {
        let h = try JSONCoding.shared.decode(Holder.self, from: Array(json.utf8))
        #expect(h.storage.description == canonical)
    }

    @Test func decodingRejectsBadText() {
        #expect(throws: DecodingError.self) {
            _ = try JSONCoding.shared.decode(Holder.self, from: Array(#"{"storage":"10GB"}"#.utf8))
        }
    }
}
