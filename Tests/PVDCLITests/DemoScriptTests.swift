import Foundation
import PVDDrivers
import Testing

/// deploy/demo.sh is what a newcomer runs first: it must run end to end, as root, against the
/// binary under test, and leave nothing behind.
struct DemoScriptTests {
    static let script: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("deploy/demo.sh").path

    @Test(.enabled(if: getuid() == 0, "deploy/demo.sh needs root: pods' volumes are bind mounts"))
    func demoRunsEndToEndAndCleansUp() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let root = pvd.root.appendingPathComponent("demo").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Self.script]
        var env = ProcessInfo.processInfo.environment
        env["PVD_BIN"] = PVDProcess.binary
        env["PVD_DEMO_ROOT"] = root
        env["PVD_DEMO_PORT"] = String(Int.random(in: 20000..<30000))
        env["PVD_NODE"] = "demo-node"
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "demo failed:\n\(text)")
        // What the narration promises, checked in its own output.
        #expect(text.contains("written by writer"), "the reader Pod did not see the writer's data")
        #expect(text.contains("Terminating"), "the claim in use was not protected")
        #expect(text.contains("Released"))
        #expect(text.contains("Available"))
        #expect(!FileManager.default.fileExists(atPath: root), "the demo left its root behind")
        let left = try MountTable.entries().filter { $0.mountPoint.hasPrefix(root + "/") }
        #expect(left.isEmpty, "the demo left mounts behind: \(left.map(\.mountPoint))")
    }
}
