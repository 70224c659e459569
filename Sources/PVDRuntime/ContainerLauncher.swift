import Foundation
import PVDDrivers
import PVDModel

#if canImport(Glibc)
import Glibc
#endif

/// Makes, starts and removes one container's pieces on disk: the Pod's /etc files, the overlay
/// root over the image, subPath binds, the bundle's config.json; then `runc run`; afterwards
/// `runc delete --force` and every mount and file it made, by exact path.
public struct ContainerLauncher: Sendable {
    public let layout: RuntimeLayout
    public let runc: Runc
    public var pidsLimit: Int64 = 4096

    public init(layout: RuntimeLayout, runc: Runc) {
        self.layout = layout
        self.runc = runc
    }

    /// `<pod dir>/etc/{hosts,hostname,resolv.conf}`: what the kubelet writes into the Pod's directory.
    public func writePodFiles(uid: String, podName: String) throws(RuntimeError) {
        let dir = layout.etc(uid)
        let resolv = (try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)) ?? ""
        let hosts = "# Kubernetes-managed hosts file (pvd).\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t\(podName)\n"
        try Self.write([("hosts", hosts), ("hostname", podName + "\n"), ("resolv.conf", resolv)], in: dir)
    }

    /// Everything for run number `run` of `container`, fresh (what an earlier run left is
    /// removed first: a restarted container gets a new writable layer, as in Kubernetes).
    /// Returns the bundle directory.
    /// The device numbers of a block device node at `path` (a published Block volume: a bind
    /// of the device onto a file), nil for anything else.
    static func blockDevice(at path: String) -> (Int64, Int64)? {
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFBLK else { return nil }
        let (major, minor) = MountTable.deviceNumbers(UInt64(st.st_rdev))
        return (Int64(major), Int64(minor))
    }

    public func prepare(pod: Pod, uid: String, container: Container, image: ImageStore.Resolved) async throws(RuntimeError) -> String {
        let name = container.name
        try await teardown(uid: uid, container: name)
        let dir = layout.container(uid, name), bundle = layout.bundle(uid, name), rootfs = layout.rootfs(uid, name)
        try Self.makeDirectories([dir + "/upper", dir + "/work", rootfs, layout.subPaths(uid, name), layout.logs(uid, name)])
        try RuntimeMounts.overlay(lower: image.rootfs, upper: dir + "/upper", work: dir + "/work", target: rootfs)
        var binds: [BundleBuilder.VolumeBind] = []
        let volumes = Dictionary((pod.spec.volumes ?? []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for (i, m) in (container.volumeMounts ?? []).enumerated() {
            guard let source = volumes[m.name]?.persistentVolumeClaim else {
                throw RuntimeError(.invalid, "container \(name): volumeMount \(m.name) names no persistentVolumeClaim volume")
            }
            var path = layout.volume(uid, claim: source.claimName)
            if Self.blockDevice(at: path) != nil {
                throw RuntimeError(.invalid, "container \(name): volumeMount \(m.name): claim \(source.claimName) is a Block volume; use volumeDevices")
            }
            if let sub = m.subPath, !sub.isEmpty {
                path = try bindSubPath(sub, in: path, at: "\(layout.subPaths(uid, name))/\(i)")
            }
            binds.append(.init(destination: m.mountPath, source: path, readOnly: m.readOnly == true || source.readOnly == true))
        }
        var devices: [BundleBuilder.DeviceNode] = []
        for d in container.volumeDevices ?? [] {
            guard let source = volumes[d.name]?.persistentVolumeClaim else {
                throw RuntimeError(.invalid, "container \(name): volumeDevice \(d.name) names no persistentVolumeClaim volume")
            }
            guard let (major, minor) = Self.blockDevice(at: layout.volume(uid, claim: source.claimName)) else {
                throw RuntimeError(.invalid, "container \(name): volumeDevice \(d.name): claim \(source.claimName) is not a Block volume (volumeMode: Block)")
            }
            devices.append(.init(path: d.devicePath, major: major, minor: minor))
        }
        var builder = BundleBuilder(
            podName: pod.metadata.name, containerID: RuntimeLayout.containerID(podUID: uid, container: name), container: container,
            podSecurity: pod.spec.securityContext, image: image.config, rootfs: rootfs, etcDirectory: layout.etc(uid), volumes: binds,
            hostNofileHard: Self.hostNofileHard(), pidsLimit: pidsLimit)
        builder.devices = devices
        let spec = try builder.spec()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        do {
            try encoder.encode(spec).write(to: URL(fileURLWithPath: "\(bundle)/config.json"))
        } catch {
            throw RuntimeError(.system, "write \(bundle)/config.json: \(error)")
        }
        return bundle
    }

    /// Binds the subPath's resolved place onto a file or directory at `target` and returns it.
    func bindSubPath(_ sub: String, in volume: String, at target: String) throws(RuntimeError) -> String {
        let fd = try SubPath.open(sub, in: volume)
        defer { close(fd) }
        if SubPath.isDirectory(fd) {
            guard mkdir(target, 0o755) == 0 || errno == EEXIST else { throw RuntimeError.system("mkdir", target, errno: errno) }
        } else {
            let f = open(target, O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)
            guard f >= 0 else { throw RuntimeError.system("create", target, errno: errno) }
            close(f)
        }
        try RuntimeMounts.bind(fd: fd, target: target)
        return target
    }

    /// Starts run `run` of the prepared container and waits for it to end.
    public func run(uid: String, container: String, run: Int32) async throws(RuntimeError) -> Runc.Exit {
        try await runc.run(
            id: RuntimeLayout.containerID(podUID: uid, container: container), bundle: layout.bundle(uid, container),
            log: layout.log(uid, container, run: run), exitFile: layout.exitFile(uid, container), pidFile: layout.pidFile(uid, container))
    }

    /// Removes the container from runc (killing what is left), then its mounts and files; the
    /// logs stay (for `pvd logs --previous`).
    public func teardown(uid: String, container: String) async throws(RuntimeError) {
        let id = RuntimeLayout.containerID(podUID: uid, container: container)
        // runc keeps a container's state in <state>/<id>: none there, nothing for runc to delete.
        if access("\(runc.stateDirectory)/\(id)", F_OK) == 0 { try await runc.delete(id) }
        let dir = layout.container(uid, container)
        try RuntimeMounts.unmountAll(under: dir)
        try Self.remove(dir)
    }

    /// Removes every container of the Pod and the Pod's directory, logs included.
    public func removePod(uid: String, containers: [String]) async throws(RuntimeError) {
        for name in containers { try await teardown(uid: uid, container: name) }
        // A container of an earlier spec or an id runc still lists: whatever is mounted below goes too.
        try RuntimeMounts.unmountAll(under: layout.pod(uid))
        try Self.remove(layout.pod(uid))
    }

    /// The host's hard RLIMIT_NOFILE (this VM: 20000), which no container may exceed.
    static func hostNofileHard() -> UInt64 {
        var r = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &r) == 0 else { return 1024 }
        return UInt64(r.rlim_max)
    }

    static func makeDirectories(_ paths: [String]) throws(RuntimeError) {
        for p in paths {
            do {
                try FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
            } catch {
                throw RuntimeError(.system, "create \(p): \(error)")
            }
        }
    }

    static func write(_ files: [(String, String)], in dir: String) throws(RuntimeError) {
        try makeDirectories([dir])
        for (name, text) in files {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: "\(dir)/\(name)"))
            } catch {
                throw RuntimeError(.system, "write \(dir)/\(name): \(error)")
            }
        }
    }

    /// Removes `path` after checking nothing is mounted below it any more: removal through a
    /// mount would empty a volume.
    static func remove(_ path: String) throws(RuntimeError) {
        guard access(path, F_OK) == 0 else { return }
        let table = (try? MountTable.entries().map(\.mountPoint)) ?? []
        if let m = table.first(where: { $0.hasPrefix(path + "/") || $0 == path }) {
            throw RuntimeError(.system, "remove \(path): \(m) is still mounted")
        }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw RuntimeError(.system, "remove \(path): \(error)")
        }
    }
}
