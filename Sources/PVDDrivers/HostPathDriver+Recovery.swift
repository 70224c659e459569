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
            guard let params = try? HostPathParameters(set, root: root, tree: tree),
                  let base = try tree.openAnchor(params.basePath, create: false) else { continue }
            for (dir, _) in try directories(atDepth: params.depth, below: base) {
                if let name = tag(of: dir), RecordedMarker.state(dir.fd, visible: true) == .recorded { names.insert(name) }
            }
        }
        return names.sorted()
    }

    public func removeOrphans(
        parameterSets: [[String: String]], grace: Duration, madeAfter: Double, wanted: @Sendable () async -> KeptBackings?
    ) async throws(DriverError) -> [String] {
        try await lock.withLock { () async throws(DriverError) in
            var sweep = OrphanSweep()
            let visible = RecordedMarker.canSee()
            for set in parameterSets {
                // A class whose parameters no longer parse has nothing of ours to find.
                guard let params = try? HostPathParameters(set, root: root, tree: tree),
                      let base = try tree.openAnchor(params.basePath, create: false) else { continue }
                for (dir, _) in try directories(atDepth: params.depth, below: base) {
                    // Only directories pvd tagged as a volume whose PV was provably never
                    // recorded. An untagged one (made where trusted xattrs could not be written)
                    // could never have got the mark either, so its lack proves nothing.
                    guard let name = tag(of: dir), RecordedMarker.state(dir.fd, visible: visible) == .absent else { continue }
                    var st = stat()
                    guard fstat(dir.fd, &st) == 0 else { continue }
                    sweep.add(name, parameters: set, changed: OrphanSweep.changed(st), born: OrphanSweep.born(dir.fd, ""), paths: [dir.path])
                }
            }
            return await sweep.sweep(grace: grace, madeAfter: madeAfter, logger: logger, wanted: wanted) { c async throws(DriverError) in
                try await deleteLocked(name: c.name, parameters: c.parameters)
            }
        }
    }
}
