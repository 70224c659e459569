import CLinux
import Foundation
import PVDDrivers
import PVDModel
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A hostPath volume never lands on, inside or around data it does not own: a directory that is
/// already there is never adopted, a volume never nests in another, and one that holds another
/// is never deleted.
@Suite(.enabled(if: geteuid() == 0, "hostPath placement needs root: trusted xattrs tell pvd's directories from others'"))
struct HostPathPlacementTests {
    let fm = FileManager.default
    static let byName = ["pathPattern": "${name}"]

    func request(_ name: String, claim: String, namespace: String = "default", _ parameters: [String: String] = byName,
                 reserved: [ReservedPath] = []) -> ProvisionRequest {
        ProvisionRequest(name: name, capacityBytes: 1 << 20, parameters: parameters, claimNamespace: namespace, claimName: claim, reservedPaths: reserved)
    }

    func tag(of path: String) -> String? {
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = XAttrs.on(path) { pvd_fgetxattr($0, HostPathDriver.tagAttribute, &buffer, buffer.count) }
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
    }

    func refusal(_ body: () async throws(DriverError) -> Void) async -> DriverError? {
        do {
            try await body()
            return nil
        } catch {
            return error
        }
    }

    @Test func anExistingDirectoryIsNeverAdoptedNorDeleted() async throws {
        let scratch = try Scratch()
        let driver = try HostPathDriver(root: scratch.path)
        let old = scratch.path + "/hostpath/olddir"
        try fm.createDirectory(atPath: old, withIntermediateDirectories: true)
        try Data("precious".utf8).write(to: URL(fileURLWithPath: old + "/file.txt"))
        let error = await refusal { () async throws(DriverError) in _ = try await driver.provision(request("pvc-1", claim: "olddir")) }
        #expect(error?.code == .refused)
        #expect(error?.message.contains("pvd did not make it") == true, "\(error?.message ?? "")")
        // What a failed provisioning's clean-up does: the stranger's directory stays, untagged.
        try? await driver.delete(name: "pvc-1", parameters: Self.byName)
        #expect(try String(contentsOfFile: old + "/file.txt", encoding: .utf8) == "precious")
        #expect(tag(of: old) == nil)
        #expect(try fm.contentsOfDirectory(atPath: scratch.path + "/hostpath") == ["olddir"])
    }

    @Test func aStrangerDirectoryUnderTheVolumesOwnNameIsNotDeleted() async throws {
        let scratch = try Scratch()
        let driver = try HostPathDriver(root: scratch.path)
        let stranger = scratch.path + "/hostpath/pvc-2"
        try fm.createDirectory(atPath: stranger, withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: URL(fileURLWithPath: stranger + "/f"))
        let error = await refusal { () async throws(DriverError) in _ = try await driver.provision(request("pvc-2", claim: "c", [:])) }
        #expect(error?.code == .refused)
        let deleting = await refusal { () async throws(DriverError) in try await driver.delete(name: "pvc-2", parameters: [:]) }
        #expect(deleting?.code == .refused, "an untagged directory is not pvd's to delete")
        #expect(fm.fileExists(atPath: stranger + "/f"))
    }

    @Test func aCrashedAttemptIsFinishedFromItsTemporaryDirectory() async throws {
        let scratch = try Scratch()
        let driver = try HostPathDriver(root: scratch.path)
        let first = try await driver.provision(request("pvc-3", claim: "data"))
        #expect(first.path == scratch.path + "/hostpath/data")
        #expect(tag(of: first.path) == "pvc-3")
        // A crash after the temporary directory was made and tagged, before the rename.
        try await driver.delete(name: "pvc-3", parameters: Self.byName)
        let temporary = scratch.path + "/hostpath/.pvd-new-pvc-3"
        try fm.createDirectory(atPath: temporary, withIntermediateDirectories: false)
        #expect(XAttrs.tag(temporary, as: "pvc-3") == 0)
        let again = try await driver.provision(request("pvc-3", claim: "data"))
        #expect(again.path == first.path && tag(of: again.path) == "pvc-3")
        #expect(try fm.contentsOfDirectory(atPath: scratch.path + "/hostpath") == ["data"])
        // A retry of a volume that was made: the same directory, data kept.
        try Data("x".utf8).write(to: URL(fileURLWithPath: again.path + "/f"))
        #expect(try await driver.provision(request("pvc-3", claim: "data")) == again)
        #expect(fm.fileExists(atPath: again.path + "/f"))
    }

    /// Killed between the mkdir of the temporary directory and its tag: the empty, untagged
    /// directory is taken on the next try; with anything in it, it is not pvd's to remove.
    @Test func aCrashBeforeTheTagIsFinishedAndAFullDirectoryIsLeft() async throws {
        let scratch = try Scratch()
        let driver = try HostPathDriver(root: scratch.path)
        let temporary = scratch.path + "/hostpath/.pvd-new-pvc-5"
        try fm.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        let made = try await driver.provision(request("pvc-5", claim: "five"))
        #expect(tag(of: made.path) == "pvc-5")
        #expect(!fm.fileExists(atPath: temporary))

        let full = scratch.path + "/hostpath/.pvd-new-pvc-6"
        try fm.createDirectory(atPath: full, withIntermediateDirectories: true)
        try Data("theirs".utf8).write(to: URL(fileURLWithPath: full + "/f"))
        let error = await refusal { () async throws(DriverError) in _ = try await driver.provision(request("pvc-6", claim: "six")) }
        #expect(error?.code == .refused && error?.message.contains("is in pvd's way") == true, "\(error?.message ?? "")")
        #expect(fm.fileExists(atPath: full + "/f"))
    }

    @Test func aLeftoverTemporaryDirectoryIsSweptAsAnOrphan() async throws {
        let scratch = try Scratch()
        let driver = try HostPathDriver(root: scratch.path)
        let temporary = scratch.path + "/hostpath/.pvd-new-pvc-4"
        try fm.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        #expect(XAttrs.tag(temporary, as: "pvc-4") == 0)
        #expect(try driver.existingVolumes(parameters: [:]).isEmpty, "never listed as a volume")
        let swept = try await driver.removeOrphans(parameterSets: [[:]], grace: .zero, madeAfter: 0) { [] }
        #expect(swept.removed == ["pvc-4"] && swept.skipped.isEmpty)
        #expect(!fm.fileExists(atPath: temporary))
    }

    @Test func aVolumeNeverNestsInsideAnother() async throws {
        let scratch = try Scratch()
        let driver = try HostPathDriver(root: scratch.path)
        let nested = ["pathPattern": "${namespace}/${pvname}"]
        // A claim named like a namespace first: the namespace level of the other class is its volume.
        let outer = try await driver.provision(request("pvc-a", claim: "default"))
        let inside = await refusal { () async throws(DriverError) in _ = try await driver.provision(request("pvc-b", claim: "x", nested)) }
        #expect(inside?.message.contains("volume pvc-a's directory") == true, "\(inside?.message ?? "")")
        #expect(try fm.contentsOfDirectory(atPath: outer.path).isEmpty)
        // The other way round: the namespace level exists, so the claim named after it is refused.
        let team = try await driver.provision(request("pvc-c", claim: "x", namespace: "team", nested))
        #expect(team.path == scratch.path + "/hostpath/team/pvc-c")
        let around = await refusal { () async throws(DriverError) in _ = try await driver.provision(request("pvc-d", claim: "team")) }
        #expect(around?.code == .refused)
        #expect(tag(of: scratch.path + "/hostpath/team") == nil)
    }

    @Test func aVolumeHoldingAnotherIsNeitherDeletedNorEmptied() async throws {
        let scratch = try Scratch()
        let driver = try HostPathDriver(root: scratch.path)
        let outer = try await driver.provision(request("pvc-o", claim: "outer"))
        // As an older pvd could leave it: another volume's tagged directory inside this one.
        let inner = outer.path + "/inner"
        try fm.createDirectory(atPath: inner, withIntermediateDirectories: false)
        #expect(XAttrs.tag(inner, as: "pvc-i") == 0)
        try Data("inner data".utf8).write(to: URL(fileURLWithPath: inner + "/f"))
        try Data("outer data".utf8).write(to: URL(fileURLWithPath: outer.path + "/g"))
        let deleting = await refusal { () async throws(DriverError) in try await driver.delete(name: "pvc-o", parameters: Self.byName) }
        #expect(deleting?.code == .refused && deleting?.message.contains("pvc-i") == true, "\(deleting?.message ?? "")")
        let recycling = await refusal { () async throws(DriverError) in try await driver.recycle(name: "pvc-o", parameters: Self.byName) }
        #expect(recycling?.code == .refused)
        #expect(fm.fileExists(atPath: inner + "/f") && fm.fileExists(atPath: outer.path + "/g"), "refused before anything went")
    }

    @Test func reservedPathsKeepANewVolumeClear() async throws {
        let scratch = try Scratch()
        let driver = try HostPathDriver(root: scratch.path)
        let base = scratch.path + "/hostpath"
        let cases: [(claim: String, reserved: ReservedPath, word: String)] = [
            ("data", ReservedPath(path: base + "/data", kind: .volume, owner: "PersistentVolume static's"), "is"),
            ("ns", ReservedPath(path: base + "/ns/deep", kind: .volume, owner: "PersistentVolume deep's"), "holds"),
            ("fast", ReservedPath(path: base + "/fast", kind: .basePath, owner: "StorageClass fast's"), "is"),
            ("imgs", ReservedPath(path: base + "/imgs/x", kind: .imageDir, owner: "StorageClass loop's"), "holds"),
        ]
        for c in cases {
            let error = await refusal { () async throws(DriverError) in _ = try await driver.provision(request("pvc-\(c.claim)", claim: c.claim, reserved: [c.reserved])) }
            #expect(error?.message.contains("\(c.word) \(c.reserved)") == true, "\(error?.message ?? "no error")")
            #expect(!fm.fileExists(atPath: base + "/" + c.claim))
        }
    }

    @Test(arguments: ["hostpath", "images", "mounts", "devices", "pods", "runc", "images-oci"])
    func aClassOnPvdsRootMakesNoVolumeOnItsDirectories(_ reserved: String) async throws {
        let scratch = try Scratch()
        let driver = try HostPathDriver(root: scratch.path)
        let onRoot = ["basePath": scratch.path, "pathPattern": "${name}"]
        #expect(driver.validate(parameters: onRoot, volumeMode: .filesystem).contains { $0.contains("pvd's root \(scratch.path)") })
        let error = await refusal { () async throws(DriverError) in _ = try await driver.provision(request("pvc-r", claim: reserved, onRoot)) }
        #expect(error?.code == .invalid)
        #expect(!fm.fileExists(atPath: scratch.path + "/" + reserved))
        // A class directly above the root, or inside one of its directories, is refused too.
        for basePath in [(scratch.path as NSString).deletingLastPathComponent, scratch.path + "/mounts/x"] {
            #expect(!driver.validate(parameters: ["basePath": basePath], volumeMode: .filesystem).isEmpty, "\(basePath)")
        }
    }

    @Test func twoProvisionersRacingForOnePathMakeOneVolume() async throws {
        let scratch = try Scratch()
        let drivers = [try HostPathDriver(root: scratch.path), try HostPathDriver(root: scratch.path)]
        // Two claims named "shared" in two namespaces, whose pattern ignores the namespace.
        let outcomes = await withTaskGroup(of: (String, Bool).self) { group in
            for (i, driver) in drivers.enumerated() {
                let r = request("pvc-race-\(i)", claim: "shared", namespace: "ns-\(i)")
                group.addTask {
                    do { _ = try await driver.provision(r); return (r.name, true) } catch { return (r.name, false) }
                }
            }
            var all: [(String, Bool)] = []
            for await o in group { all.append(o) }
            return all
        }
        let winners = outcomes.filter(\.1).map(\.0)
        #expect(winners.count == 1, "\(outcomes)")
        #expect(tag(of: scratch.path + "/hostpath/shared") == winners.first)
        #expect(try fm.contentsOfDirectory(atPath: scratch.path + "/hostpath") == ["shared"])
    }

    @Test func aSymlinkBasePathIsNamedSoAndSkippedByTheSweep() async throws {
        let scratch = try Scratch()
        let driver = try HostPathDriver(root: scratch.path)
        try fm.createDirectory(atPath: scratch.path + "/elsewhere", withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: scratch.path + "/linked", withDestinationPath: scratch.path + "/elsewhere")
        let linked = ["basePath": scratch.path + "/linked"]
        let error = await refusal { () async throws(DriverError) in _ = try await driver.provision(request("pvc-l", claim: "l", linked)) }
        #expect(error?.message.contains("is a symlink") == true, "\(error?.message ?? "")")
        // A leftover in the default class is still swept, and the bad class is reported.
        _ = try await driver.provision(request("pvc-left", claim: "left", [:]))
        let swept = try await driver.removeOrphans(parameterSets: [linked, [:]], grace: .zero, madeAfter: 0) { [] }
        #expect(swept.removed == ["pvc-left"])
        #expect(swept.skipped.map(\.parameters) == [linked])
        #expect(swept.skipped.first?.reason.contains("symlink") == true, "\(swept.skipped)")
    }
}

/// Extended attributes of a test's own files, through the descriptor calls pvd uses.
enum XAttrs {
    static func on(_ path: String, _ body: (Int32) -> Int) -> Int {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return -Int(errno) }
        defer { close(fd) }
        return body(fd)
    }

    /// Tags `path` as volume `name`'s, as the hostPath driver does.
    static func tag(_ path: String, as name: String) -> Int {
        let bytes = Array(name.utf8)
        return on(path) { Int(pvd_fsetxattr($0, HostPathDriver.tagAttribute, bytes, bytes.count)) }
    }
}
