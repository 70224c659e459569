import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A tiny image made from Debian's `busybox-static` (`/bin/busybox` and its applets as
/// symlinks, `sh` and `shuf` among them), built offline with umoci and imported like any other:
/// what the tests and `make run` run, named `alpine` in the examples (alpine's /bin/sh is
/// busybox too).
public enum BusyboxImage {
    public static let binary = "/bin/busybox"

    /// Builds the image and imports it into `store` as `name`.
    @discardableResult
    public static func build(into store: ImageStore, name: String) async throws(RuntimeError) -> ImageStore.Record {
        guard access(binary, X_OK) == 0 else {
            throw RuntimeError(.unsupported, "\(binary) not found: install Debian's busybox-static")
        }
        try store.makeDirectories()
        let work = "\(store.directory)/build-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: work) }
        let layout = "\(work)/layout", bundle = "\(work)/bundle", tag = "busybox"
        try await ImageStore.tool("umoci", ["init", "--layout", layout])
        try await ImageStore.tool("umoci", ["new", "--image", "\(layout):\(tag)"])
        try await ImageStore.tool("umoci", ["unpack", "--image", "\(layout):\(tag)", bundle])
        let rootfs = "\(bundle)/rootfs"
        do {
            for dir in ["bin", "etc", "tmp", "proc", "sys", "dev", "root", "opt"] {
                try FileManager.default.createDirectory(atPath: "\(rootfs)/\(dir)", withIntermediateDirectories: true)
            }
            try FileManager.default.copyItem(atPath: binary, toPath: "\(rootfs)/bin/busybox")
            try Data("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n".utf8)
                .write(to: URL(fileURLWithPath: "\(rootfs)/etc/passwd"))
            try Data("root:x:0:\nnogroup:x:65534:\n".utf8).write(to: URL(fileURLWithPath: "\(rootfs)/etc/group"))
        } catch {
            throw RuntimeError(.system, "busybox image: fill \(rootfs): \(error)")
        }
        // The applets as symlinks, made by busybox itself inside the new root.
        try await ImageStore.tool("chroot", [rootfs, "/bin/busybox", "--install", "-s", "/bin"])
        try await ImageStore.tool("umoci", ["repack", "--image", "\(layout):\(tag)", bundle])
        try await ImageStore.tool("umoci", [
            "config", "--image", "\(layout):\(tag)", "--config.cmd", "/bin/sh",
            "--config.env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ])
        return try await store.importImage(from: layout, name: name)
    }
}
