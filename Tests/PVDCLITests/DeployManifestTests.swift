import Foundation
import PVDDrivers
import PVDModel
import Testing

/// The manifests shipped under deploy/ are documentation a user copies: each must apply
/// cleanly, and each pvd class's parameters must pass its driver's own checks, so a typo in an
/// example fails here instead of on a user's first claim.
struct DeployManifestTests {
    static let deploy: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("deploy")

    @Test func everyClassVariantAppliesAndItsParametersAreValid() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let dir = Self.deploy.appendingPathComponent("classes").path
        let applied = try pvd.ok(["apply", "-f", dir])
        #expect(!applied.stderr.contains("warning"), "unknown fields in an example: \(applied.stderr)")
        let classes = try pvd.items("sc")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".yaml") }
        #expect(classes.count == files.count, "one class per file")

        // The examples name /var/lib/pvd and /srv, as a real node's config would allow.
        let drivers = try StandardDrivers.make(root: pvd.root.path, allowedRoots: ["/var/lib/pvd", "/srv"])
        var checked = 0
        for sc in classes {
            let name = sc.path("metadata.name") as? String ?? "?"
            let provisioner = sc.path("provisioner") as? String
            guard let driver = drivers.first(where: { $0.provisionerName == provisioner }) else {
                Issue.record("class \(name): provisioner \(provisioner ?? "none") is not one of pvd's")
                continue
            }
            let parameters = sc.path("parameters") as? [String: String] ?? [:]
            let problems = driver.validate(parameters: parameters, volumeMode: .filesystem)
            #expect(problems.isEmpty, "class \(name): \(problems)")
            checked += 1
        }
        #expect(checked == files.count)
    }
}
