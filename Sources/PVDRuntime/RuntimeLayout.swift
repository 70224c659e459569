/// Where the runtime keeps what it makes, all under `<root>`: runc's state (`runc/`), and per
/// Pod (`runtime/<uid>/`) the /etc files, per container its bundle, overlay (upper, work and the
/// mounted root), subPath binds and exit file, and the logs of every run (`logs/<name>/<n>.log`,
/// n = the restart count). Published volumes stay where the publisher puts them,
/// `<root>/pods/<uid>/volumes/<claim>`.
public struct RuntimeLayout: Sendable, Hashable {
    public let root: String
    public init(root: String) { self.root = root }

    public var runcState: String { "\(root)/runc" }
    public var podsDirectory: String { "\(root)/runtime" }
    public func pod(_ uid: String) -> String { "\(podsDirectory)/\(uid)" }
    public func etc(_ uid: String) -> String { "\(pod(uid))/etc" }
    public func container(_ uid: String, _ name: String) -> String { "\(pod(uid))/containers/\(name)" }
    public func bundle(_ uid: String, _ name: String) -> String { "\(container(uid, name))/bundle" }
    public func rootfs(_ uid: String, _ name: String) -> String { "\(bundle(uid, name))/rootfs" }
    public func exitFile(_ uid: String, _ name: String) -> String { "\(container(uid, name))/exit" }
    /// Written by runc (`--pid-file`) once the container's process runs.
    public func pidFile(_ uid: String, _ name: String) -> String { "\(container(uid, name))/pid" }
    public func subPaths(_ uid: String, _ name: String) -> String { "\(container(uid, name))/subpaths" }
    public func logs(_ uid: String, _ name: String) -> String { "\(pod(uid))/logs/\(name)" }
    public func log(_ uid: String, _ name: String, run: Int32) -> String { "\(logs(uid, name))/\(run).log" }
    /// A published volume, as the publisher makes it.
    public func volume(_ uid: String, claim: String) -> String { "\(root)/pods/\(uid)/volumes/\(claim)" }

    /// `<pod-uid>-<container>`: runc's id of a container, from which a restart finds its owner.
    public static func containerID(podUID: String, container: String) -> String { "\(podUID)-\(container)" }

    /// The pod uid and container name of an id pvd made (a uid is 36 characters), or nil.
    public static func owner(of id: String) -> (uid: String, container: String)? {
        guard id.count > 37 else { return nil }
        let cut = id.index(id.startIndex, offsetBy: 36)
        guard id[cut] == "-" else { return nil }
        return (String(id[..<cut]), String(id[id.index(after: cut)...]))
    }
}
