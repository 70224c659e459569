import Foundation
import Testing

/// The one duration grammar and the one environment, through the real binary: what a user types
/// in a flag or a `PVD_*` variable is read the same everywhere, and what cannot be read is an
/// error naming it rather than a quiet default.
struct EnvironmentCLITests {
    static func pv(_ name: String, _ size: String) -> String { BindingScenarioTests.pv(name, size) }

    @Test(arguments: ["500ms", "1.5s", "0.5", "1m"])
    func waitTakesKubernetesDurations(timeout: String) throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("pv.yaml", Self.pv("seed", "1Gi"))])
        try pvd.ok(["reconcile", "--once"])
        let r = try pvd.run(["wait", "pv/seed", "--for=phase=Available", "--timeout", timeout])
        #expect(r.status == 0, "--timeout \(timeout): \(r.stderr)")
        #expect(r.stdout.contains("condition met"))
    }

    @Test func aShortWaitEndsWhenItsTimeoutIsUp() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("pv.yaml", Self.pv("seed", "1Gi"))])
        let started = Date()
        let r = try pvd.run(["wait", "pv/seed", "--for=phase=Bound", "--timeout", "500ms"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("timed out"), "\(r.stderr)")
        // Loose: 500ms, not the 30s default nor a misread 500 minutes.
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test(arguments: [
        (["wait", "pv/seed", "--for=phase=Bound", "--timeout", "5x"], #"--timeout "5x": not a duration (use 500ms, 2s, 1m)"#),
        (["delete", "pv", "seed", "--wait", "--timeout=-1s"], #"--timeout "-1s": a duration may not be negative"#),
        (["reconcile", "--once", "--orphan-grace", "5 m"], #"--orphan-grace "5 m": not a duration"#),
        (["serve", "--poll-interval", "1ms"], #"--poll-interval "1ms": want at least 10ms"#),
    ])
    func aBadDurationFlagIsRefusedByName(args: [String], message: String) throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("pv.yaml", Self.pv("seed", "1Gi"))])
        let before = pvd.storeBytes()
        // serve reads /etc/pvd/config.yaml unless told otherwise: give it an empty one.
        let r = try pvd.run(args + (args[0] == "serve" ? ["--config", try pvd.write("empty.yaml", "")] : []))
        #expect(r.status != 0)
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(pvd.storeBytes() == before, "a refused command changed the store")
    }

    /// `PVD_BUSY_TIMEOUT=500ms` is 500ms, not the 5s it used to fall back to.
    @Test func aBusyTimeoutInMillisecondsIsHonoured() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("seed.yaml", Self.pv("seed", "1Gi"))])
        try BindingScenarioTests.holdingTheWriteLock(pvd) {
            let started = Date()
            let r = try pvd.run(["apply", "-f", try pvd.write("more.yaml", Self.pv("more", "1Gi"))], env: ["PVD_BUSY_TIMEOUT": "500ms"])
            let took = Date().timeIntervalSince(started)
            #expect(r.status != 0)
            #expect(r.stderr.contains("locked"), "\(r.stderr)")
            // Not a timing test: only far enough under the old 5s that a fallback would show.
            #expect(took < 4, "took \(took)s: PVD_BUSY_TIMEOUT=500ms not honoured")
        }
    }

    @Test(arguments: [
        ("PVD_BUSY_TIMEOUT", "5x", #"PVD_BUSY_TIMEOUT="5x": not a duration (use 500ms, 2s, 1m)"#),
        ("PVD_BUSY_TIMEOUT", "200mss", #"PVD_BUSY_TIMEOUT="200mss": not a duration"#),
        ("PVD_NODE", "no spaces", #"PVD_NODE="no spaces": want a node name"#),
    ])
    func aBadVariableIsRefusedByName(variable: String, value: String, message: String) throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("seed.yaml", Self.pv("seed", "1Gi"))])
        for args in [["apply", "-f", try pvd.write("more.yaml", Self.pv("more", "1Gi"))], ["get", "pv"], ["serve", "--config", try pvd.write("empty.yaml", "")]] {
            let r = try pvd.run(args, env: [variable: value])
            #expect(r.status != 0, "pvd \(args.joined(separator: " ")) ran with \(variable)=\(value)")
            #expect(r.stderr.contains(message), "pvd \(args.joined(separator: " ")): \(r.stderr)")
        }
        #expect(try pvd.items("pv").count == 1)
    }
}
