import Foundation
import PVDModel
import PVDRuntime
import Testing

/// The OCI spec of one container, built from plain values.
struct BundleBuilderTests {
    static func builder(_ c: Container, volumes: [BundleBuilder.VolumeBind] = [], pod: PodSecurityContext? = nil, nofile: UInt64 = 20000) -> BundleBuilder {
        BundleBuilder(
            podName: "web", containerID: "uid-app", container: c, podSecurity: pod, image: ImageConfig(cmd: ["/bin/sh"], env: ["PATH=/bin"], workingDir: "/srv"),
            rootfs: "/r/rootfs", etcDirectory: "/r/etc", volumes: volumes, hostNofileHard: nofile, pidsLimit: 4096)
    }

    @Test func processHostnameAndMounts() throws {
        var c = Container(name: "app", image: "alpine", command: ["/bin/sh", "-c"], args: ["echo hi"])
        c.env = [EnvVar(name: "A", value: "1")]
        let spec = try Self.builder(c, volumes: [
            .init(destination: "/opt", source: "/pods/u/volumes/data", readOnly: false),
            .init(destination: "/ro", source: "/pods/u/volumes/other", readOnly: true),
        ]).spec()
        #expect(spec.process.args == ["/bin/sh", "-c", "echo hi"])
        #expect(spec.process.env == ["HOSTNAME=web", "PATH=/bin", "A=1"])
        #expect(spec.process.cwd == "/srv")
        #expect(spec.process.terminal == false)
        #expect(spec.hostname == "web")
        #expect(spec.root.path == "/r/rootfs")
        #expect(spec.linux.cgroupsPath == "/pvd-uid-app")
        let opt = try #require(spec.mounts.first { $0.destination == "/opt" })
        #expect(opt.type == "bind" && opt.options == ["rbind", "rprivate", "rw"])
        #expect(spec.mounts.first { $0.destination == "/ro" }?.options == ["rbind", "rprivate", "ro"])
        #expect(spec.mounts.first { $0.destination == "/etc/hosts" }?.source == "/r/etc/hosts")
        #expect(spec.mounts.first { $0.destination == "/etc/resolv.conf" }?.source == "/r/etc/resolv.conf")
        #expect(spec.linux.namespaces.map(\.type).contains("network"))
        // The JSON runc reads: camelCase members as the runtime spec names them.
        let json = String(decoding: try JSONEncoder().encode(spec), as: UTF8.self)
        #expect(json.contains("\"cgroupsPath\"") && json.contains("\"ociVersion\":\"1.0.2\"") && json.contains("\"noNewPrivileges\":true"))
    }

    @Test(arguments: [(20000, 20000), (2_000_000, 1_048_576), (1024, 1024)] as [(UInt64, UInt64)])
    func nofileNeverAboveTheHostsHardLimit(host: UInt64, expected: UInt64) throws {
        let spec = try Self.builder(Container(name: "app", image: "alpine"), nofile: host).spec()
        #expect(spec.process.rlimits.map { "\($0.type) \($0.soft) \($0.hard)" } == ["RLIMIT_NOFILE \(expected) \(expected)"])
    }

    @Test(arguments: [("500m", 50_000), ("1", 100_000), ("2.5", 250_000), ("1m", 1000)] as [(String, Int64)])
    func cpuLimitIsAQuota(cpu: String, quota: Int64) throws {
        var c = Container(name: "app", image: "alpine")
        c.resources = ResourceRequirements(limits: ["cpu": try Quantity(parsing: cpu), "memory": try Quantity(parsing: "64Mi")])
        let r = try Self.builder(c).spec().linux.resources
        #expect(r.cpu?.quota == quota && r.cpu?.period == 100_000)
        #expect(r.memory?.limit == Int64(67_108_864))
        #expect(r.pids?.limit == 4096)
    }

    @Test func userFromContainerThenPod() throws {
        var c = Container(name: "app", image: "alpine")
        c.securityContext = SecurityContext(runAsUser: 1000)
        let spec = try Self.builder(c, pod: PodSecurityContext(runAsUser: 5, runAsGroup: 2000, fsGroup: 3000)).spec()
        #expect(spec.process.user.uid == 1000 && spec.process.user.gid == 2000 && spec.process.user.additionalGids == [3000])
    }

    /// A Block claim is a device node runc makes at devicePath, allowed in the device cgroup,
    /// owned by root and the Pod's fsGroup.
    @Test func volumeDevicesAreNodesTheCgroupAllows() throws {
        var b = Self.builder(Container(name: "app", image: "alpine"), pod: PodSecurityContext(fsGroup: 3000))
        b.devices = [.init(path: "/dev/xvda", major: 7, minor: 12)]
        let linux = try b.spec().linux
        let node = try #require(linux.devices?.first)
        #expect(linux.devices?.count == 1)
        #expect(node.path == "/dev/xvda" && node.type == "b" && node.major == 7 && node.minor == 12)
        #expect(node.fileMode == 0o660 && node.uid == 0 && node.gid == 3000)
        let rule = try #require(linux.resources.devices?.first)
        #expect(rule.allow && rule.type == "b" && rule.major == 7 && rule.minor == 12 && rule.access == "rwm")
        let none = try Self.builder(Container(name: "app", image: "alpine")).spec().linux
        #expect(none.devices == nil && none.resources.devices == nil)
    }

    @Test func nothingToRunIsAnError() {
        let b = BundleBuilder(
            podName: "web", containerID: "x", container: Container(name: "app", image: "scratch"), podSecurity: nil, image: ImageConfig(),
            rootfs: "/r", etcDirectory: "/e", volumes: [], hostNofileHard: 1024, pidsLimit: 1)
        #expect(throws: RuntimeError.self) { try b.spec() }
    }
}
