import Foundation
import Testing

/// The data-safety reproductions, through the real binary: a provisioned volume never lands on,
/// inside or around data pvd does not own, and deleting one never takes another's data.
@Suite(.enabled(if: geteuid() == 0, "needs root: trusted xattrs tell pvd's directories from others'"))
struct DataSafetyTests {
    let fm = FileManager.default

    static func byName(_ base: String, _ name: String = "by-name") -> String {
        ProvisioningTests.hostPathClass(name, parameters: "{basePath: \(base), pathPattern: \"${name}\"}")
    }

    func phase(_ pvd: PVDProcess, _ kind: String, _ name: String) throws -> String? {
        try pvd.items(kind).first { $0.path("metadata.name") as? String == name }?.path("status.phase") as? String
    }

    func mode(_ path: String) throws -> Int {
        ((try fm.attributesOfItem(atPath: path))[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test func anExistingDirectoryIsNeitherAdoptedNorErased() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let base = pvd.root.path + "/base", old = base + "/olddir"
        try fm.createDirectory(atPath: old, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try "precious".write(toFile: old + "/file.txt", atomically: false, encoding: .utf8)
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.byName(base) + ProvisioningTests.claim("olddir", cls: "by-name"))])
        try pvd.ok(["reconcile", "--once"])
        #expect(try phase(pvd, "pvc", "olddir") == "Pending")
        #expect(try pvd.items("pv").isEmpty)
        let described = try pvd.ok(["describe", "pvc", "olddir"]).stdout
        #expect(described.contains("ProvisioningFailed") && described.contains("pvd did not make it"), "\(described)")
        try pvd.ok(["delete", "pvc", "olddir"])
        try pvd.ok(["reconcile", "--once"])
        #expect(try String(contentsOfFile: old + "/file.txt", encoding: .utf8) == "precious")
        #expect(try mode(old) == 0o700, "not chmod'ed for a volume")
    }

    @Test func aPatternOntoAStaticVolumesPathInAnotherNamespaceIsRefused() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let base = pvd.root.path + "/base", shared = base + "/data"
        try fm.createDirectory(atPath: shared, withIntermediateDirectories: true)
        try "team-a's".write(toFile: shared + "/f", atomically: false, encoding: .utf8)
        let staticPV = ProtectionTests.staticVolume("static", path: shared)
        let teamA = ProvisioningTests.claim("data", cls: "\"\"", extra: "  volumeName: static")
        try pvd.ok(["apply", "-n", "team-a", "-f", try pvd.write("a.yaml", staticPV + teamA)])
        try pvd.ok(["apply", "-n", "team-b", "-f", try pvd.write("b.yaml", Self.byName(base) + ProvisioningTests.claim("data", cls: "by-name"))])
        try pvd.ok(["reconcile", "--once"])
        let claims = try pvd.items("pvc")
        #expect(claims.map { "\($0.path("metadata.namespace") ?? "")/\($0.path("status.phase") ?? "")" }.sorted() == ["team-a/Bound", "team-b/Pending"])
        let described = try pvd.ok(["describe", "pvc", "data", "-n", "team-b"]).stdout
        #expect(described.contains("is PersistentVolume static's path \(shared)"), "\(described)")
        try pvd.ok(["delete", "pvc", "data", "-n", "team-b"])
        try pvd.ok(["reconcile", "--once"])
        #expect(try String(contentsOfFile: shared + "/f", encoding: .utf8) == "team-a's")
        #expect(try phase(pvd, "pv", "static") == "Bound")
    }

    struct BadClass: Sendable, CustomStringConvertible {
        var name: String
        /// The manifests, given pvd's root.
        var manifests: @Sendable (String) -> String
        /// What the error must name, given pvd's root.
        var mentions: @Sendable (String) -> [String]
        var description: String { name }
    }

    static func loopClass(_ name: String, imageDir: String) -> String {
        "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: \(name)}\nprovisioner: pvd.io/loop\nparameters: {imageDir: \(imageDir)}\n---\n"
    }

    @Test(arguments: [
        BadClass(name: "basePath is pvd's root", manifests: { byName($0) }, mentions: { ["parameters.basePath", "is pvd's root \($0)"] }),
        BadClass(name: "basePath holds pvd's root", manifests: { byName(($0 as NSString).deletingLastPathComponent) },
                 mentions: { ["holds pvd's root \($0)"] }),
        BadClass(name: "basePath in the images directory", manifests: { byName($0 + "/images/vols") },
                 mentions: { ["lies inside pvd.io/loop's default imageDir \($0)/images"] }),
        BadClass(name: "basePath in the pods directory", manifests: { byName($0 + "/pods") }, mentions: { ["is pvd's internal directory \($0)/pods"] }),
        BadClass(name: "nested basePaths", manifests: { byName($0 + "/a", "outer") + byName($0 + "/a/b", "inner") },
                 mentions: { ["sc outer: parameters.basePath", "\($0)/a holds StorageClass inner's basePath \($0)/a/b"] }),
        BadClass(name: "imageDir on the default basePath", manifests: { loopClass("loop", imageDir: $0 + "/hostpath") },
                 mentions: { ["parameters.imageDir", "is pvd.io/hostpath's default basePath \($0)/hostpath"] }),
        BadClass(name: "basePath holding an imageDir", manifests: { loopClass("loop", imageDir: $0 + "/v/images") + byName($0 + "/v") },
                 mentions: { ["\($0)/v/images lies inside StorageClass by-name's basePath \($0)/v"] }),
    ])
    func aClassAmongPvdsOwnDirectoriesIsRefusedAtApply(_ c: BadClass) throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("seed.yaml", ProvisioningTests.claim("seed", cls: "\"\""))])
        let before = pvd.storeBytes()
        let r = try pvd.run(["apply", "-f", try pvd.write("m.yaml", c.manifests(pvd.root.path))])
        #expect(r.status != 0)
        for text in c.mentions(pvd.root.path) { #expect(r.stderr.contains(text), "\(text) in \(r.stderr)") }
        #expect(pvd.storeBytes() == before, "a refused apply leaves the store as it was")
    }

    @Test func aVolumeHoldingAnotherVolumesPathGoesFailedInsteadOfBeingDeleted() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let base = pvd.root.path + "/base"
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", Self.byName(base) + ProvisioningTests.claim("outer", cls: "by-name"))])
        try pvd.ok(["reconcile", "--once"])
        let outer = try #require(try pvd.items("pv").first?.path("metadata.name") as? String)
        // A static volume someone made inside it, with data of its own.
        let inner = base + "/outer/inner"
        try fm.createDirectory(atPath: inner, withIntermediateDirectories: false)
        try "inner's".write(toFile: inner + "/f", atomically: false, encoding: .utf8)
        try pvd.ok(["apply", "-f", try pvd.write("s.yaml", ProtectionTests.staticVolume("inner", path: inner))])
        try pvd.ok(["delete", "pvc", "outer"])
        try pvd.ok(["reconcile", "--once"])
        #expect(try phase(pvd, "pv", outer) == "Failed")
        let described = try pvd.ok(["describe", "pv", outer]).stdout
        #expect(described.contains("VolumeFailedDelete") && described.contains("holds PersistentVolume inner's path \(inner)"), "\(described)")
        #expect(try String(contentsOfFile: inner + "/f", encoding: .utf8) == "inner's")
        // Once the inner volume is gone (its data moved away), the outer one is deleted.
        try fm.removeItem(atPath: inner)
        try pvd.ok(["delete", "pv", "inner"])
        try pvd.ok(["reconcile", "--once"])
        #expect(try pvd.items("pv").isEmpty)
        #expect(!fm.fileExists(atPath: base + "/outer"))
    }

    @Test func oneBadClassDoesNotStopTheOrphanSweepOfTheOthers() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let root = pvd.root.path
        try fm.createDirectory(atPath: root + "/elsewhere", withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: root + "/linked", withDestinationPath: root + "/elsewhere")
        try pvd.ok(["apply", "-f", try pvd.write("m.yaml", ProvisioningTests.hostPathClass("bad", parameters: "{basePath: \(root)/linked}"))])
        try pvd.ok(["reconcile", "--once"])
        // A half-made volume of the default class, made after this node was registered.
        let orphan = root + "/hostpath/pvc-orphan"
        try fm.createDirectory(atPath: orphan, withIntermediateDirectories: true)
        #expect(XAttr.tag(orphan, as: "pvc-orphan") == 0)
        let r = try pvd.ok(["reconcile", "--once", "--orphan-grace", "0s"])
        #expect(r.stdout.contains(", 1 orphans removed"), "\(r.stdout)")
        #expect(!fm.fileExists(atPath: orphan))
        let events = try pvd.items("ev").filter { $0.path("involvedObject.name") as? String == "bad" }
        #expect(events.contains { $0.path("reason") as? String == "OrphanSweepSkipped" && ($0.path("message") as? String ?? "").contains("symlink") },
                "\(events)")
    }
}
