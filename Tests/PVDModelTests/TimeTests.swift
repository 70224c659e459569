import Testing
import PVDModel

struct TimeTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", Int64(0)),
        ("2026-11-25T11:37:22Z", Int64(1_795_606_642)),
        ("2000-02-29T23:59:59Z", Int64(951_868_799)),
        ("1969-12-31T23:59:59Z", Int64(-1)),
        ("2026-11-25T12:37:22+01:00", Int64(1_795_606_642)),
        ("2026-11-25T11:37:22.123456Z", Int64(1_795_606_642)),
    ])
    func parsesRFC3339(_ text: String, _ seconds: Int64) {
        #expect(Time(rfc3339: text)?.seconds == seconds)
    }

    @Test func printsUTC() {
        #expect(Time(seconds: 1_795_606_642).rfc3339 == "2026-11-25T11:37:22Z")
        #expect(Time(seconds: 951_868_799).rfc3339 == "2000-02-29T23:59:59Z")
        #expect(Time(seconds: -1).rfc3339 == "1969-12-31T23:59:59Z")
    }

    @Test(arguments: ["", "2026-11-25", "2026-13-01T00:00:00Z", "2026-11-25T11:37:22", "2026-11-25T11:37:22Zjunk", "yesterday"])
    func rejectsOtherText(_ text: String) {
        #expect(Time(rfc3339: text) == nil)
    }
}
