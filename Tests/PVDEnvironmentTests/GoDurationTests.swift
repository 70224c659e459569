import PVDEnvironment
import Testing

struct GoDurationTests {
    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)), ("1.5s", .milliseconds(1500)), ("2m", .seconds(120)),
        ("1h30m", .seconds(5400)), ("0s", .zero), ("0", .zero), ("30s", .seconds(30)), ("1m30s", .seconds(90)),
        ("200ms", .milliseconds(200)), ("300us", .microseconds(300)), ("300µs", .microseconds(300)),
        ("10ns", .nanoseconds(10)), (".5s", .milliseconds(500)), ("5.s", .seconds(5)), ("+2s", .seconds(2)),
        ("1h1m1s1ms", .milliseconds(3_661_001)), ("0.1s", .milliseconds(100)),
        // A bare number is seconds: pvd's own, kept because scripts write PVD_BUSY_TIMEOUT=0.2.
        ("0.2", .milliseconds(200)), ("2", .seconds(2)), ("0.5", .milliseconds(500)),
        // Go's limit, about 292 years, is a duration still.
        ("2562047h", .seconds(2_562_047 * 3600)),
    ])
    func readsWhatGoReads(text: String, expected: Duration) throws {
        #expect(try GoDuration.parse(text) == expected)
    }

    @Test(arguments: [
        ("", DurationProblem.empty), ("5x", .notADuration), ("soon", .notADuration), ("s", .notADuration),
        ("1m-", .notADuration), ("1e9h", .notADuration), ("1d", .notADuration), ("1.2.3s", .notADuration),
        (".s", .notADuration), ("5 s", .notADuration), (" 5s", .notADuration), ("500MS", .notADuration),
        ("-1s", .negative), ("-0.2", .negative), ("2562048h", .tooLong), ("99999999999999999999s", .tooLong),
    ])
    func refusesWhatItCannotRead(text: String, problem: DurationProblem) {
        #expect(throws: problem) { try GoDuration.parse(text) }
    }

    @Test(arguments: [
        (SettingOrigin.variable("PVD_BUSY_TIMEOUT"), "5x", #"PVD_BUSY_TIMEOUT="5x": not a duration (use 500ms, 2s, 1m)"#),
        (.flag("--timeout"), "soon", #"--timeout "soon": not a duration (use 500ms, 2s, 1m)"#),
        (.file(path: "/etc/pvd/config.yaml", field: "pollInterval"), "-1s",
         #"config /etc/pvd/config.yaml: field pollInterval: "-1s": a duration may not be negative"#),
        (.variable("PVD_BUSY_TIMEOUT"), "", #"PVD_BUSY_TIMEOUT="": empty, want a duration (use 500ms, 2s, 1m)"#),
    ])
    func anErrorNamesWhereTheTextCameFrom(origin: SettingOrigin, text: String, message: String) {
        let error = #expect(throws: SettingError.self) { try GoDuration.parse(text, from: origin) }
        #expect(error?.description == message)
    }

    @Test func aMinimumIsPartOfTheSetting() throws {
        let error = #expect(throws: SettingError.self) { try GoDuration.parse("5ms", from: .flag("--poll-interval"), minimum: .milliseconds(10)) }
        #expect(error?.description == #"--poll-interval "5ms": want at least 10ms"#)
        #expect(try GoDuration.parse("10ms", from: .flag("--poll-interval"), minimum: .milliseconds(10)) == .milliseconds(10))
    }

    @Test(arguments: [
        (Duration.zero, "0s"), (.seconds(3600), "1h"), (.seconds(120), "2m"), (.seconds(90), "90s"),
        (.milliseconds(500), "500ms"), (.microseconds(300), "300us"), (.nanoseconds(7), "7ns"),
    ])
    func formatsTheShortestExactSpelling(d: Duration, text: String) throws {
        #expect(GoDuration.format(d) == text)
        #expect(try GoDuration.parse(text) == d)
    }
}
