import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension RuntimeSuites {
    /// `pvd image`: a `docker save` tarball and an OCI layout imported offline, names normalised as
    /// Kubernetes normalises them, listed and removed.
    @Suite
    struct ImageCLITests {
        func image(_ pvd: PVDProcess, _ args: [String]) -> (status: Int32, out: String) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: PVDProcess.binary)
            p.arguments = ["image", args[0], "--root", pvd.root.path] + args.dropFirst()
            let out = Pipe()
            p.standardOutput = out
            p.standardError = out
            guard (try? p.run()) != nil else { return (-1, "") }
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return (p.terminationStatus, String(decoding: data, as: UTF8.self))
        }

        @Test func aDockerSaveTarballAndAnOCILayoutImportListAndRemove() throws {
            let source = try PVDProcess()
            let target = try PVDProcess()
            defer {
                source.cleanup()
                target.cleanup()
            }
            #expect(image(source, ["busybox", "--name", "busybox:1.36"]).status == 0)
            // The store's own layout, exported as `docker save` would write it.
            let layout = source.root.appendingPathComponent("images-oci/layout").path
            let names = try String(contentsOfFile: source.root.appendingPathComponent("images-oci/names.json").path, encoding: .utf8)
            #expect(names.contains("docker.io/library/busybox:1.36"), "\(names)")
            let tarball = source.root.appendingPathComponent("busybox.tar").path
            let copy = RuntimeFixture.capture("/usr/bin/skopeo", [
                "--insecure-policy", "copy", "--quiet", "oci:\(layout):docker.io-library-busybox-1.36", "docker-archive:\(tarball):example.com/team/tool:2",
            ])
            #expect(FileManager.default.fileExists(atPath: tarball), "skopeo: \(copy)")

            // Named by the tarball itself (its RepoTags), then again under a name given.
            var r = image(target, ["import", tarball])
            #expect(r.status == 0 && r.out.contains("\"example.com/team/tool:2\" imported"), "\(r.out)")
            r = image(target, ["import", tarball, "--name", "alpine"])
            #expect(r.status == 0 && r.out.contains("\"docker.io/library/alpine:latest\" imported"), "\(r.out)")
            r = image(target, ["ls"])
            #expect(r.out.contains("docker.io/library/alpine:latest") && r.out.contains("example.com/team/tool:2"), "\(r.out)")
            // Both names share one unpacked root.
            let roots = try FileManager.default.contentsOfDirectory(atPath: target.root.appendingPathComponent("images-oci/rootfs").path)
            #expect(roots.count == 1, "\(roots)")

            r = image(target, ["rm", "alpine"])
            #expect(r.status == 0 && r.out.contains("removed"), "\(r.out)")
            r = image(target, ["ls"])
            #expect(!r.out.contains("alpine") && r.out.contains("example.com/team/tool:2"), "\(r.out)")
            r = image(target, ["rm", "alpine"])
            #expect(r.status != 0 && r.out.contains("not found"), "\(r.out)")
            r = image(target, ["rm", "example.com/team/tool:2"])
            #expect(r.status == 0)
            #expect(try FileManager.default.contentsOfDirectory(atPath: target.root.appendingPathComponent("images-oci/rootfs").path).isEmpty)

            // An OCI layout directory, named by its one ref.
            r = image(target, ["import", layout, "--name", "registry.local:5000/busybox"])
            #expect(r.status == 0 && r.out.contains("\"registry.local:5000/busybox:latest\" imported"), "\(r.out)")
            r = image(target, ["import", "/nonexistent-\(getpid())"])
            #expect(r.status != 0 && r.out.contains("No such file"), "\(r.out)")
        }
    }
}
