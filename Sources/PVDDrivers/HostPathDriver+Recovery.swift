#if canImport(Glibc)
import Glibc
#endif
import Logging

/// Recovery of hostPath volumes: a directory survives a reboot, so there is nothing to redo;
/// one that is gone is reported, never made again empty (that would hand a pod an empty
/// volume where it expects its data).
extension HostPathDriver {
    public func recover(_ volumes: [RecoveryRequest]) async -> [RecoveryResult] {
        await lock.recovering(volumes) { () async throws(DriverError) in volumes.map(check) }
    }

    private func check(_ volume: RecoveryRequest) -> RecoveryResult {
        let outcome: RecoveryResult.Outcome
        do {
            let params = try HostPathParameters(volume.parameters, root: root, tree: tree)
            if let base = try tree.openAnchor(params.basePath, create: false), let below = try locate(volume.name, params: params, base: base) {
                // Its PV is in the store: mark it, in case a crash came between that and the mark.
                if let dir = try SafeTree.walk(below, from: base, crossMounts: false, create: nil) {
                    do {
                        try RecordedMarker.set(dir.fd, path: dir.path)
                    } catch {
                        logger.warning("volume not marked as recorded", metadata: ["pvd.pv": "\(volume.name)", "pvd.error": "\(error.message)"])
                    }
                }
                outcome = .ready
            } else {
                outcome = .missing("the directory of volume \(volume.name) under \(params.basePath) is missing")
            }
        } catch {
            outcome = .failed("volume \(volume.name): \(error.message)")
        }
        return RecoveryResult(name: volume.name, outcome: outcome)
    }

    public func recordedVolumes(parameterSets: [[String: String]]) throws(DriverError) -> [String] {
        var names: Set<String> = []
        for set in parameterSets {
            // A class whose directory cannot be read (a symlink basePath) holds nothing of ours
            // to list; the sweep reports it. The other classes are still listed.
            guard let params = try? HostPathParameters(set, root: root, tree: tree),
                  let base = try? tree.openAnchor(params.basePath, create: false),
                  let dirs = try? directories(atDepth: params.depth, below: base) else { continue }
            for (dir, _) in dirs {
                if let name = tag(of: dir), RecordedMarker.state(dir.fd, visible: true) == .recorded { names.insert(name) }
            }
        }
        return names.sorted()
    }

    public func removeOrphans(
        parameterSets: [[String: String]], grace: Duration, madeAfter: Double, wanted: @Sendable () async -> KeptBackings?
    ) async throws(DriverError) -> OrphanSweepResult {
        try await lock.withLock { () async throws(DriverError) in
            var sweep = OrphanSweep()
            var skipped: [OrphanSweepResult.Skipped] = []
            let visible = RecordedMarker.canSee()
            for set in parameterSets {
                // A class whose parameters no longer parse has nothing of ours to find.
                guard let params = try? HostPathParameters(set, root: root, tree: tree) else { continue }
                do throws(DriverError) {
                    guard let base = try tree.openAnchor(params.basePath, create: false) else { continue }
                    for (dir, _) in try directories(atDepth: params.depth, below: base, includingTemporary: true) {
                        // Only directories pvd tagged as a volume whose PV was provably never
                        // recorded. An untagged one (made where trusted xattrs could not be written)
                        // could never have got the mark either, so its lack proves nothing.
                        guard let name = tag(of: dir), RecordedMarker.state(dir.fd, visible: visible) == .absent else { continue }
                        var st = stat()
                        guard fstat(dir.fd, &st) == 0 else { continue }
                        sweep.add(name, parameters: set, changed: OrphanSweep.changed(st), born: OrphanSweep.born(dir.fd, ""), paths: [dir.path])
                    }
                } catch {
                    skipped.append(OrphanSweepResult.Skipped(parameters: set, reason: "basePath \(params.basePath): \(error.message)"))
                }
            }
            let removed = await sweep.sweep(grace: grace, madeAfter: madeAfter, logger: logger, wanted: wanted) { c async throws(DriverError) in
                if let path = c.paths.first, path.hasSuffix("/" + HostPathDriver.temporaryPrefix + c.name) {
                    // A volume directory a crash left under its temporary name: empty, never handed out.
                    try removeTemporaryLeftover(path, parameters: c.parameters)
                } else {
                    try await deleteLocked(name: c.name, parameters: c.parameters)
                }
            }
            return OrphanSweepResult(removed: removed, skipped: skipped)
        }
    }

    /// Removes the temporary directory at `path` (below the basePath of `parameters`).
    private func removeTemporaryLeftover(_ path: String, parameters: [String: String]) throws(DriverError) {
        let params = try HostPathParameters(parameters, root: root, tree: tree)
        guard let base = try tree.openAnchor(params.basePath, create: false), path.hasPrefix(base.path + "/") else { return }
        let below = path.dropFirst(base.path.count + 1).split(separator: "/").map(String.init)
        try SafeTree.removeTree(below, below: base, keepTop: false) { tag(of: $0) != nil }
    }
}
