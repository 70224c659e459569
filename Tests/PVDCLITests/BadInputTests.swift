import Foundation
import Testing

/// Every refused manifest: a non-zero exit, an error naming where and what, and a store left
/// byte-for-byte as it was.
struct BadInputTests {
    static let baseline = """
        apiVersion: v1
        kind: PersistentVolume
        metadata: {name: base}
        spec:
          capacity: {storage: 1Gi}
          accessModes: [ReadWriteOnce]
          hostPath: {path: /srv/base}
        """

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var manifest: String
        /// Every one of these must appear in stderr.
        var mentions: [String]
        var testDescription: String { name }
    }

    static func pvc(_ spec: String) -> String {
        """
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: data, namespace: default}
        spec:
        \(spec)
        """
    }
    static func pv(_ spec: String) -> String {
        """
        apiVersion: v1
        kind: PersistentVolume
        metadata: {name: vol}
        spec:
        \(spec)
        """
    }

    static let cases: [Case] = [
        Case(name: "malformed YAML", manifest: "kind: [unclosed\n  - x: {", mentions: ["bad.yaml", "malformed YAML"]),
        Case(name: "wrong apiVersion", manifest: """
            apiVersion: storage.k8s.io/v1beta1
            kind: PersistentVolumeClaim
            metadata: {name: data}
            """, mentions: ["document 1", "pvc default/data", "apiVersion", "v1beta1"]),
        Case(name: "unknown kind", manifest: "apiVersion: v1\nkind: Deployment\nmetadata: {name: x}\n", mentions: ["document 1", "kind", "Deployment"]),
        Case(name: "missing kind", manifest: "apiVersion: v1\nmetadata: {name: x}\n", mentions: ["document 1", "kind", "Required"]),
        Case(name: "missing name", manifest: pvc("  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}").replacingOccurrences(of: "name: data, ", with: ""),
             mentions: ["document 1", "metadata.name"]),
        Case(name: "negative size", manifest: pvc("  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: -1Gi}}"),
             mentions: ["pvc default/data", "spec.resources.requests"]),
        Case(name: "zero size", manifest: pvc("  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: \"0\"}}"),
             mentions: ["pvc default/data", "spec.resources.requests"]),
        Case(name: "absurd size", manifest: pvc("  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1e30}}"),
             mentions: ["pvc default/data", "spec.resources.requests"]),
        Case(name: "malformed size", manifest: pvc("  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 10GB}}"),
             mentions: ["pvc default/data", "spec.resources.requests"]),
        Case(name: "unknown access mode", manifest: pvc("  accessModes: [ReadWriteSometimes]\n  resources: {requests: {storage: 1Gi}}"),
             mentions: ["pvc default/data", "spec.accessModes", "ReadWriteSometimes"]),
        Case(name: "no access modes", manifest: pvc("  resources: {requests: {storage: 1Gi}}"),
             mentions: ["pvc default/data", "spec.accessModes"]),
        Case(name: "relative hostPath", manifest: pv("  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  hostPath: {path: data/vol}"),
             mentions: ["pv vol", "spec.hostPath.path"]),
        Case(name: "traversing hostPath", manifest: pv("  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  hostPath: {path: /srv/../etc}"),
             mentions: ["pv vol", "spec.hostPath.path"]),
        Case(name: "bad reclaim policy", manifest: pv("  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  persistentVolumeReclaimPolicy: Keep\n  hostPath: {path: /srv/v}"),
             mentions: ["pv vol", "spec.persistentVolumeReclaimPolicy", "Keep"]),
        Case(name: "bad volume mode", manifest: pvc("  accessModes: [ReadWriteOnce]\n  volumeMode: Raw\n  resources: {requests: {storage: 1Gi}}"),
             mentions: ["pvc default/data", "spec.volumeMode", "Raw"]),
        Case(name: "invalid name", manifest: pvc("  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}").replacingOccurrences(of: "name: data", with: "name: Data_1"),
             mentions: ["metadata.name", "Data_1"]),
        Case(name: "bad binding mode", manifest: """
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata: {name: slow}
            provisioner: pvd.io/hostpath
            volumeBindingMode: Later
            """, mentions: ["sc slow", "volumeBindingMode", "Later"]),
        Case(name: "wrong type", manifest: pvc("  accessModes: ReadWriteOnce\n  resources: {requests: {storage: 1Gi}}"),
             mentions: ["pvc default/data", "spec.accessModes"]),
        Case(name: "second document bad: nothing applied", manifest: """
            apiVersion: v1
            kind: PersistentVolume
            metadata: {name: good}
            spec:
              capacity: {storage: 1Gi}
              accessModes: [ReadWriteOnce]
              hostPath: {path: /srv/good}
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: bad}
            spec:
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 0}}
            """, mentions: ["document 2", "pvc default/bad"]),
    ]

    @Test(arguments: cases)
    func refusedWithoutChangingTheStore(_ c: Case) throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("base.yaml", Self.baseline)])
        let before = try #require(pvd.storeBytes())
        let r = try pvd.run(["apply", "-f", try pvd.write("bad.yaml", c.manifest)])
        #expect(r.status != 0)
        for m in c.mentions { #expect(r.stderr.contains(m), "stderr lacks \"\(m)\": \(r.stderr)") }
        #expect(pvd.storeBytes() == before, "the store changed")
        let names = try pvd.items("pv").compactMap { $0.path("metadata.name") as? String }
        #expect(names == ["base"])
    }

    /// Issue 16's case through the binary: 20,000 documents (over 1 MiB, so read and checked
    /// on every core) with one invalid claim in the middle. Nothing is applied, the store file
    /// is as it was, and the error names that document.
    @Test func aLargeApplyWithOneBadDocumentChangesNothing() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("base.yaml", Self.baseline)])
        let before = try #require(pvd.storeBytes())
        let docs = (0..<20_000).map { i in
            """
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: claim-\(i), labels: {batch: big}}
            spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: \(i == 10_000 ? "0" : "1Gi")}}}
            """
        }
        let text = docs.joined(separator: "\n---\n")
        #expect(text.utf8.count > 1 << 20)
        let r = try pvd.run(["apply", "-f", try pvd.write("big.yaml", text)])
        #expect(r.status != 0)
        #expect(r.stderr.contains("big.yaml document 10001"), "\(r.stderr)")
        #expect(r.stderr.contains("pvc default/claim-10000"), "\(r.stderr)")
        #expect(pvd.storeBytes() == before, "the store changed")
        #expect(try pvd.items("pvc").isEmpty)
    }

    /// A large apply says what it is doing on stderr when that is a terminal (here a pty from
    /// script(1)), and nothing extra when it is not.
    @Test func aLargeApplyShowsItsStepsOnATerminalOnly() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let text = (0..<10_000).map { i in
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c-\(i)}\nspec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}"
        }.joined(separator: "\n---\n")
        let file = try pvd.write("big.yaml", text)
        // 10,000: ApplyProgress.threshold, where the steps start to be shown.
        let plain = try pvd.ok(["apply", "-f", file])
        #expect(!plain.stderr.contains("pvd apply:"), "\(plain.stderr)")
        // The same apply again through a terminal: every object unchanged, and the steps shown.
        let command = ([PVDProcess.binary, "apply", "--root", pvd.root.path, "-f", file].map { "'\($0)'" }).joined(separator: " ") + " >/dev/null"
        let script = Process()
        script.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        script.arguments = ["-qec", command, "/dev/null"]
        let out = Pipe()
        script.standardOutput = out
        script.standardInput = FileHandle.nullDevice
        try script.run()
        let seen = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        script.waitUntilExit()
        #expect(script.terminationStatus == 0, "\(seen)")
        for step in ["pvd apply: read \(10_000) objects (", "pvd apply: validated", "pvd apply: comparing with the store", "pvd apply: committed ("] {
            #expect(seen.contains(step), "\(seen)")
        }
    }

    /// Store files pvd must refuse rather than read past or start afresh over.
    enum BadStore: String, CaseIterable, Sendable {
        /// Not SQLite at all.
        case garbage
        /// Zero bytes: SQLite would make a new database of it.
        case empty
        /// A real store whose pages after the first are overwritten.
        case damaged
    }

    @Test(arguments: BadStore.allCases)
    func badStoreIsAnErrorAndLeftAlone(_ kind: BadStore) throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let url = URL(fileURLWithPath: pvd.store)
        switch kind {
        case .garbage:
            try Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).write(to: url)
        case .empty:
            try Data().write(to: url)
        case .damaged:
            var many = ""
            for i in 0..<200 { many += Self.baseline.replacingOccurrences(of: "base", with: "pv-\(i)") + "\n---\n" }
            try pvd.ok(["apply", "-f", try pvd.write("many.yaml", many)])
            var bytes = try Data(contentsOf: url)
            try #require(bytes.count > 8 * 4096)
            for i in 4096..<bytes.count { bytes[i] = UInt8(truncatingIfNeeded: i &* 151 &+ 3) }
            try bytes.write(to: url)
        }
        let before = try #require(pvd.storeBytes())
        for args in [["get", "pv"], ["apply", "-f", try pvd.write("base.yaml", Self.baseline)], ["reconcile", "--once"]] {
            let r = try pvd.run(args)
            #expect(r.status != 0, "\(args) succeeded on a \(kind) store")
            #expect(r.stderr.contains(pvd.store), "error should name the store: \(r.stderr)")
        }
        #expect(pvd.storeBytes() == before)
    }

    @Test func missingStoreIsAnErrorForReads() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        let r = try pvd.run(["get", "pvc"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("does not exist"))
        #expect(!FileManager.default.fileExists(atPath: pvd.store))
    }

    @Test func unknownKindOnTheCommandLine() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("base.yaml", Self.baseline)])
        let r = try pvd.run(["get", "widgets"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("widgets"))
    }

    @Test func immutableFieldChangeRefused() throws {
        let pvd = try PVDProcess()
        defer { pvd.cleanup() }
        try pvd.ok(["apply", "-f", try pvd.write("base.yaml", Self.baseline)])
        let before = try #require(pvd.storeBytes())
        let moved = Self.baseline.replacingOccurrences(of: "/srv/base", with: "/srv/elsewhere")
        let r = try pvd.run(["apply", "-f", try pvd.write("moved.yaml", moved)])
        #expect(r.status != 0)
        #expect(r.stderr.contains("pv base"))
        #expect(r.stderr.contains("spec.persistentvolumesource"))
        #expect(pvd.storeBytes() == before)
    }
}
