import CLinux
import Foundation
import PVDDrivers
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Emptying volumes for the Recycle policy: never through a symlink, never across a mount point,
/// the volume directory itself kept.
@Suite(.enabled(if: geteuid() == 0, "makes trees and mounts a tmpfs as root"))
struct RecycleTests {
    let fm = FileManager.default

    func fill(_ dir: String, outside: String) throws {
        try fm.createDirectory(atPath: dir + "/a/b", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: outside + "/keep"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/a/b/f"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/.hidden"))
        try fm.createSymbolicLink(atPath: dir + "/a/out", withDestinationPath: outside)
    }

    @Test func hostPathRecycleEmptiesTheVolumeAndKeepsIt() async throws {
        let scratch = try Scratch()
        let driver = try HostPathDriver(root: scratch.path + "/root")
        let volume = try await driver.provision(ProvisionRequest(name: "pvc-1", capacityBytes: 1 << 20))
        try fill(volume.path, outside: scratch.path + "/outside")
        try await driver.recycle(name: "pvc-1", parameters: [:])
        #expect(try fm.contentsOfDirectory(atPath: volume.path).isEmpty)
        #expect(fm.fileExists(atPath: scratch.path + "/outside/keep"))
        #expect(try driver.existingVolumes(parameters: [:]) == ["pvc-1"])
        do {
            try await driver.recycle(name: "pvc-2", parameters: [:])
            Issue.record("recycling a volume that is not there succeeded")
        } catch {
            #expect(error.code == .notFound)
        }
    }

    @Test func staticRecycleStaysInsideOtherAllowedRoots() async throws {
        let scratch = try Scratch()
        let root = scratch.path + "/root", allowed = scratch.path + "/static"
        let driver = try HostPathDriver(root: root, allowedRoots: [allowed])
        try fill(allowed + "/pv-1", outside: scratch.path + "/outside")
        try await driver.recycleStatic(path: allowed + "/pv-1")
        #expect(try fm.contentsOfDirectory(atPath: allowed + "/pv-1").isEmpty)
        #expect(fm.fileExists(atPath: scratch.path + "/outside/keep"))

        try fm.createDirectory(atPath: root + "/hostpath/x", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: scratch.path + "/elsewhere/pv-2", withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: allowed + "/via-link", withDestinationPath: scratch.path + "/elsewhere")
        let refused: [(String, String)] = [
            (allowed, "allowed root itself"),
            (root + "/hostpath", "pvd's root"),
            (scratch.path, "pvd's root"),
            (scratch.path + "/elsewhere/pv-2", "outside the allowed roots"),
            (allowed + "/via-link/pv-2", "via-link"),
        ]
        for (path, words) in refused {
            do {
                try await driver.recycleStatic(path: path)
                Issue.record("recycling \(path) succeeded")
            } catch {
                #expect(error.code == .refused, "\(path): \(error.message)")
                #expect(error.message.contains(words), "\(path): \(error.message)")
            }
        }
        #expect(fm.fileExists(atPath: root + "/hostpath/x"))
        #expect(fm.fileExists(atPath: scratch.path + "/elsewhere/pv-2"))
    }

    @Test func aVolumeThatIsAMountIsEmptiedButNeverAMountInsideIt() async throws {
        let scratch = try Scratch()
        let allowed = scratch.path + "/static", volume = allowed + "/disk", inner = volume + "/inner"
        try fm.createDirectory(atPath: volume, withIntermediateDirectories: true)
        try run("/usr/bin/mount", "-t", "tmpfs", "-o", "size=1m", "pvd-test", volume)
        defer { _ = try? run("/usr/bin/umount", volume) }
        try fm.createDirectory(atPath: inner, withIntermediateDirectories: true)
        try run("/usr/bin/mount", "-t", "tmpfs", "-o", "size=1m", "pvd-test", inner)
        defer { _ = try? run("/usr/bin/umount", inner) }
        try Data("precious".utf8).write(to: URL(fileURLWithPath: inner + "/precious"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: volume + "/plain"))
        let driver = try HostPathDriver(root: scratch.path + "/root", allowedRoots: [allowed])
        do {
            try await driver.recycleStatic(path: volume)
            Issue.record("recycling across a mount point succeeded")
        } catch {
            #expect(error.code == .refused)
            #expect(error.message.contains(inner))
        }
        #expect(fm.fileExists(atPath: inner + "/precious"))
        #expect(!fm.fileExists(atPath: volume + "/plain"))
        _ = try run("/usr/bin/umount", inner)
        try await driver.recycleStatic(path: volume)
        #expect(try fm.contentsOfDirectory(atPath: volume).isEmpty)
    }

    @Test func keptDirectoriesAreEmptiedNotRemoved() throws {
        let scratch = try Scratch()
        try fm.createDirectory(atPath: scratch.path + "/vol/lost+found/x", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: scratch.path + "/vol/a/lost+found", withIntermediateDirectories: true)
        let dir = try #require(try SafeTree(roots: [scratch.path]).openAnchor(scratch.path + "/vol", create: false))
        try SafeTree.emptyDirectory(dir, keeping: ["lost+found"])
        #expect(try fm.contentsOfDirectory(atPath: scratch.path + "/vol") == ["lost+found"])
        #expect(try fm.contentsOfDirectory(atPath: scratch.path + "/vol/lost+found").isEmpty)
    }

    /// Tags `path` as pvd volume `name`'s, as the hostPath driver does.
    func tag(_ path: String, _ name: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        try #require(fd >= 0, "open \(path): errno \(errno)")
        defer { _ = close(fd) }
        let bytes = Array(name.utf8)
        let rc = pvd_fsetxattr(fd, HostPathDriver.tagAttribute, bytes, bytes.count)
        try #require(rc == 0, "fsetxattr \(path): errno \(-rc)")
    }

    @Test func aStaticPathAboveProvisionedVolumesIsRefusedAndTheirDataSurvives() async throws {
        let scratch = try Scratch()
        let allowed = scratch.path + "/static", base = allowed + "/classes/fast", idle = allowed + "/classes/idle"
        let driver = try HostPathDriver(root: scratch.path + "/root", allowedRoots: [allowed])
        let params = ["basePath": base, "pathPattern": "${namespace}/${pvname}"]
        let volume = try await driver.provision(ProvisionRequest(name: "pvc-1", capacityBytes: 1 << 20, parameters: params, claimNamespace: "team"))
        #expect(volume.path == base + "/team/pvc-1")
        try Data("precious".utf8).write(to: URL(fileURLWithPath: volume.path + "/data"))
        try fm.createDirectory(atPath: idle, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: allowed + "/classes/loose"))
        let refused: [(path: String, basePaths: [String], words: String)] = [
            (allowed + "/classes", [], "holds pvd volume pvc-1's directory \(volume.path)"),
            (base + "/team", [], "holds pvd volume pvc-1's directory"),
            (base, [base, idle], "overlaps the hostPath class basePath \(base)"),
            (base + "/team", [base], "overlaps the hostPath class basePath \(base)"),
            (allowed + "/classes", [idle], "overlaps the hostPath class basePath \(idle)"),
            (idle, [idle], "overlaps the hostPath class basePath \(idle)"),
            (volume.path, [], "is pvd volume pvc-1's directory"),
        ]
        for c in refused {
            do {
                try await driver.recycleStatic(path: c.path, basePaths: c.basePaths)
                Issue.record("recycling \(c.path) succeeded")
            } catch {
                #expect(error.code == .refused, "\(c.path): \(error.message)")
                #expect(error.message.contains(c.words), "\(c.path): \(error.message)")
            }
        }
        #expect(try String(contentsOfFile: volume.path + "/data", encoding: .utf8) == "precious")
        #expect(fm.fileExists(atPath: allowed + "/classes/loose"), "a refused recycle removed nothing")
        #expect(fm.fileExists(atPath: idle))
        #expect(try driver.existingVolumes(parameters: params) == ["pvc-1"])
    }

    @Test func aTaggedDirectoryInsideAStaticPathSurvives() async throws {
        let scratch = try Scratch()
        let allowed = scratch.path + "/static", volume = allowed + "/pv-1", tagged = volume + "/deep/moved-here"
        let driver = try HostPathDriver(root: scratch.path + "/root", allowedRoots: [allowed])
        try fm.createDirectory(atPath: tagged, withIntermediateDirectories: true)
        try Data("precious".utf8).write(to: URL(fileURLWithPath: tagged + "/data"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: volume + "/plain"))
        try tag(tagged, "pvc-9")
        do {
            try await driver.recycleStatic(path: volume)
            Issue.record("recycling a path holding a pvd volume succeeded")
        } catch {
            #expect(error.code == .refused)
            #expect(error.message.contains("holds pvd volume pvc-9's directory \(tagged)"), "\(error.message)")
        }
        #expect(fm.fileExists(atPath: tagged + "/data"))
        #expect(fm.fileExists(atPath: volume + "/plain"), "refused before anything was removed")

        // A tagged directory the walk meets while emptying (one moved in after the check) is
        // neither entered nor removed; the rest goes, and the refusal names it.
        let tree = try SafeTree(roots: [allowed])
        do {
            try tree.emptyContents(of: volume) { pvd_fgetxattr($0.fd, HostPathDriver.tagAttribute, nil, 0) > 0 }
            Issue.record("emptying around a tagged directory reported success")
        } catch {
            #expect(error.code == .refused)
            #expect(error.message.contains(tagged), "\(error.message)")
        }
        #expect(try String(contentsOfFile: tagged + "/data", encoding: .utf8) == "precious")
        #expect(!fm.fileExists(atPath: volume + "/plain"))
        #expect(try fm.contentsOfDirectory(atPath: volume) == ["deep"])
    }
}
