import CLinux
import Logging
#if canImport(Glibc)
import Glibc
#endif

extension HostPathDriver {
    /// What a directory's `trusted.pvd.volume` says about who owns it.
    enum TagState: Equatable {
        case tagged(String)
        /// Provably untagged: pvd can see trusted attributes and the filesystem answers ENODATA,
        /// so pvd did not make this directory as a volume.
        case untagged
        /// Cannot be told: without CAP_SYS_ADMIN the kernel hides `trusted.*`, and some
        /// filesystems keep no extended attributes.
        case unknown
    }

    /// `dir`'s tag state; `visible` is `RecordedMarker.canSee()`.
    func tagState(of dir: OpenDirectory, visible: Bool) -> TagState {
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = pvd_fgetxattr(dir.fd, HostPathDriver.tagAttribute, &buffer, buffer.count)
        if n > 0 { return .tagged(String(decoding: buffer[0..<Int(n)], as: UTF8.self)) }
        return n == -Int(ENODATA) && visible ? .untagged : .unknown
    }

    /// The volume name `dir` is tagged with (fgetxattr), or nil.
    func tag(of dir: OpenDirectory) -> String? {
        if case .tagged(let name) = tagState(of: dir, visible: true) { return name }
        return nil
    }

    /// Every directory inside `top` tagged as a pvd volume, with its volume name, found without
    /// following symlinks or crossing mounts; the walk does not go into a tagged directory.
    func taggedDirectories(in top: OpenDirectory) throws(DriverError) -> [(path: String, volume: String)] {
        var found: [(path: String, volume: String)] = []
        // Names still to look at, each with its open parent: depth first, so only the parents
        // along the current branch hold a descriptor, however wide the tree.
        var pending = try SafeTree.entries(of: top).filter(\.isDirectory).map { (top, $0) }
        while let (parent, entry) = pending.popLast() {
            let fd = SafeTree.openChild(parent.fd, raw: entry.raw)
            // Gone, a mount point or a symlink now: nothing of pvd's is reached through it.
            guard fd >= 0 else { continue }
            let dir = OpenDirectory(fd: fd, path: parent.path + "/" + entry.display)
            if let owner = tag(of: dir) {
                found.append((dir.path, owner))
            } else {
                pending += try SafeTree.entries(of: dir).filter(\.isDirectory).map { (dir, $0) }
            }
        }
        return found
    }

    /// Sets the recorded mark (`RecordedMarker`) on volume `name`'s directory, found from the PV's
    /// `path` when that is below basePath and tagged for it, else as `delete` finds it.
    public func markRecorded(name: String, parameters: [String: String], path: String?) async throws(DriverError) {
        try await lock.withLock { () async throws(DriverError) in
            let params = try HostPathParameters(parameters, root: root, tree: tree)
            guard let base = try tree.openAnchor(params.basePath, create: false) else {
                throw DriverError(.notFound, "volume \(name): basePath \(params.basePath) is missing")
            }
            var dir: OpenDirectory?
            if let path, path.hasPrefix(base.path + "/") {
                let below = path.dropFirst(base.path.count + 1).split(separator: "/").map(String.init)
                if let hinted = try? SafeTree.walk(below, from: base, crossMounts: false, create: nil), tag(of: hinted) == name { dir = hinted }
            }
            if dir == nil, let below = try locate(name, params: params, base: base) {
                dir = try SafeTree.walk(below, from: base, crossMounts: false, create: nil)
            }
            guard let dir else { throw DriverError(.notFound, "volume \(name) is not under \(params.basePath)") }
            try RecordedMarker.set(dir.fd, path: dir.path)
        }
    }

    /// Where volume `name` is below basePath, or nil when it is not there. Computed from the
    /// pattern when that needs only the volume name; otherwise found by its tag.
    /// - Throws: `.refused` when the computed directory is tagged for another volume.
    func locate(_ name: String, params: HostPathParameters, base: OpenDirectory) throws(DriverError) -> [String]? {
        if !params.dependsOnClaim {
            let below = try params.components(pvname: name, namespace: "", name: "")
            guard let dir = try SafeTree.walk(below, from: base, crossMounts: false, create: nil) else { return nil }
            switch tagState(of: dir, visible: RecordedMarker.canSee()) {
            case .tagged(let owner) where owner != name:
                throw DriverError(.refused, "\(dir.path) belongs to volume \(owner), not \(name); pvd leaves it")
            case .untagged:
                throw DriverError(.refused, "\(dir.path) is not tagged as volume \(name) (\(HostPathDriver.tagAttribute)): pvd did not make it, and leaves it")
            case .tagged, .unknown:
                // Unknown: where tags cannot be seen, the deterministic name is all there is.
                return below
            }
        }
        for (dir, below) in try directories(atDepth: params.depth, below: base) where tag(of: dir) == name {
            return below
        }
        return nil
    }

    /// Every directory exactly `depth` levels below `base`, with its components, reached without
    /// following symlinks or crossing mounts (those are skipped). A volume directory still under
    /// its temporary name (`temporaryPrefix`, a crash before it was moved into place) is listed
    /// only with `includingTemporary`.
    func directories(atDepth depth: Int, below base: OpenDirectory, includingTemporary: Bool = false) throws(DriverError) -> [(OpenDirectory, [String])] {
        var level: [(OpenDirectory, [String])] = [(base, [])]
        for _ in 0..<depth {
            var next: [(OpenDirectory, [String])] = []
            for (dir, below) in level {
                for entry in try SafeTree.entries(of: dir) where entry.isDirectory {
                    if !includingTemporary && entry.display.hasPrefix(HostPathDriver.temporaryPrefix) { continue }
                    let fd = SafeTree.openChild(dir.fd, raw: entry.raw)
                    guard fd >= 0 else { continue }
                    next.append((OpenDirectory(fd: fd, path: dir.path + "/" + entry.display), below + [entry.display]))
                }
            }
            level = next
        }
        return level
    }

    /// Removes the directories a pattern made above a deleted volume (`${namespace}/…`) once
    /// they are empty; the first that is not stops it. Best effort: leftovers are harmless.
    func removeEmptyParents(_ below: [String], base: OpenDirectory) {
        var parents = Array(below.dropLast())
        while let last = parents.last {
            let above = Array(parents.dropLast())
            guard let dir = try? SafeTree.walk(above, from: base, crossMounts: false, create: nil),
                  unlinkat(dir.fd, last, AT_REMOVEDIR) == 0 else { return }
            parents = above
        }
    }
}
