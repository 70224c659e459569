#if canImport(Glibc)
import Glibc
#endif
import Logging
import PVDModel
import SystemPackage

/// Recovery of loop volumes after a reboot (images not attached, nothing mounted) or a crash
/// (an image attached but not mounted, a Block volume's link pointing at an old device), and
/// removal of half-provisioned leftovers.
extension LoopDriver {
    public func recover(_ volumes: [RecoveryRequest]) async -> [RecoveryResult] {
        await lock.recovering(volumes) { () async throws(DriverError) in try await recoverLocked(volumes) }
    }

    /// Looks at the kernel's loop and mount tables once for the whole batch: the lock keeps other
    /// pvd processes from changing what concerns our images meanwhile, and every device taken
    /// from the table is confirmed (`isBacking`) before it is used.
    private func recoverLocked(_ volumes: [RecoveryRequest]) async throws(DriverError) -> [RecoveryResult] {
        let bindings = try loops.bindings()
        var mounts: [String: MountInfoEntry] = [:]
        for entry in try MountTable.entries() { mounts[entry.mountPoint] = entry }  // the top one wins
        let mountsDir = try LibMountMounter.canonicalPath(LoopLayout.join(root, "mounts"))
        let clock = ContinuousClock()
        var results: [RecoveryResult] = []
        results.reserveCapacity(volumes.count)
        for volume in volumes {
            let start = clock.now
            let outcome: RecoveryResult.Outcome
            do {
                let mounted = mountsDir.flatMap { mounts[LoopLayout.join($0, volume.name)] }
                outcome = try await recoverOne(volume, bindings: bindings, mounted: mounted)
            } catch {
                outcome = .failed("volume \(volume.name): \(error.message)")
            }
            let took = clock.now - start
            results.append(RecoveryResult(
                name: volume.name, outcome: outcome,
                seconds: Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18))
        }
        return results
    }

    private func recoverOne(
        _ volume: RecoveryRequest, bindings: LoopBindings, mounted: MountInfoEntry?
    ) async throws(DriverError) -> RecoveryResult.Outcome {
        try LoopLayout.checkName(volume.name)
        let parameters = try LoopParameters.require(volume.parameters, root: root)
        let layout = LoopLayout(root: root, imageDir: parameters.imageDir, name: volume.name)
        guard let st = try LoopFiles.lstatIfExists(layout.image) else {
            return .missing("image \(layout.image) is missing")
        }
        guard LoopFiles.isRegular(st) else {
            throw DriverError(.refused, "\(layout.image) is not a regular file; pvd does not use it")
        }
        // Its PV is in the store: mark it, in case a crash came between that and the mark.
        do {
            try RecordedMarker.set(file: layout.image)
        } catch {
            logger.warning("volume not marked as recorded", metadata: ["pvd.pv": "\(volume.name)", "pvd.error": "\(error.message)"])
        }
        var attached: LoopDevice?
        for device in bindings.devices(of: st) {
            if try loops.isBacking(device, image: layout.image) {
                attached = device
                break
            }
        }
        if volume.volumeMode == .block { return try await recoverBlock(layout, attached: attached) }

        if let mounted {
            // The cheap check first (the source named in the table backs our image); anything
            // else mounted there goes through the full check, which refuses a stranger.
            if let device = Self.loopDevice(mounted.source), try loops.isBacking(device, image: layout.image) { return .ready }
            if try mountedDevice(layout) != nil { return .ready }
        }
        try LoopFiles.makeDirectories(layout.mountPoint, mode: 0o755)
        if let device = attached {
            // Attached but not mounted (a crash between the two): mount that device, never a
            // second one of the same image.
            try await holding(device, of: layout) { () throws(DriverError) in
                let fsType = try existingFilesystem(device.path)
                try await finishInterruptedResize(layout, device: device, fsType: fsType)
                try mounter.mount(source: device.path, target: layout.mountPoint, fsType: fsType, options: volume.mountOptions)
                try loops.setAutoclear(device)
                try clearResizeMarker(layout)
            }
            return .recovered("mounted \(device) at \(layout.mountPoint)")
        }
        // Nothing attached (a reboot): probe the image itself, then attach it with autoclear while
        // our descriptor holds the device, so a failed mount leaves nothing attached.
        let fsType = try existingFilesystem(layout.image)
        let (device, hold) = try loops.attachHeld(image: layout.image, readOnly: false, autoclear: true)
        defer { try? hold.close() }
        try await finishInterruptedResize(layout, device: device, fsType: fsType)
        try mounter.mount(source: device.path, target: layout.mountPoint, fsType: fsType, options: volume.mountOptions)
        try clearResizeMarker(layout)
        return .recovered("attached \(layout.image) to \(device) and mounted it at \(layout.mountPoint)")
    }

    /// A Block volume: its image attached (never with autoclear: nothing mounts it) and its
    /// link pointing at that device.
    private func recoverBlock(_ layout: LoopLayout, attached: LoopDevice?) async throws(DriverError) -> RecoveryResult.Outcome {
        var did: [String] = []
        let device: LoopDevice
        if let attached {
            device = attached
        } else {
            device = try loops.attach(image: layout.image, readOnly: false, autoclear: false)
            did.append("attached \(layout.image) to \(device)")
        }
        if (try? Self.readLink(layout.deviceLink)) != device.path {
            try await holding(device, of: layout) { () throws(DriverError) in try ensureDeviceLink(layout, device: device) }
            did.append("linked \(layout.deviceLink) to \(device)")
        }
        return did.isEmpty ? .ready : .recovered(did.joined(separator: ", "))
    }

    /// The filesystem already on `path`. Recovery never formats: an image that holds none (or
    /// one pvd does not mount) is an error to report, not a volume to make again.
    func existingFilesystem(_ path: String) throws(DriverError) -> String {
        guard let found = try probe.probe(path) else {
            throw DriverError(.refused, "\(path) holds no filesystem; recovery never formats a volume")
        }
        guard Self.mountableTypes.contains(found) else {
            throw DriverError(.refused, "\(path) holds \(found), which pvd does not mount")
        }
        return found
    }

    /// "/dev/loop7" as a device, or nil for any other source.
    static func loopDevice(_ source: String) -> LoopDevice? {
        guard source.hasPrefix("/dev/loop"), let n = Int(source.dropFirst("/dev/loop".count)) else { return nil }
        return LoopDevice(number: n)
    }

    public func recordedVolumes(parameterSets: [[String: String]]) throws(DriverError) -> [String] {
        var names: Set<String> = []
        for set in parameterSets {
            // An imageDir that cannot be read is skipped (the sweep reports it); the others are listed.
            guard let parameters = try? LoopParameters.require(set, root: root),
                  let listed = try? LoopFiles.entries(of: parameters.imageDir) else { continue }
            for entry in listed ?? [] {
                // Only whole images carry the mark; a `.partial` one was never handed out.
                guard entry.hasPrefix("pvc-"), let name = Self.volumeName(ofImageEntry: entry) else { continue }
                if RecordedMarker.state(file: LoopLayout.join(parameters.imageDir, entry), visible: true) == .recorded { names.insert(name) }
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
                guard let parameters = try? LoopParameters.require(set, root: root) else { continue }
                do throws(DriverError) {
                    for entry in try LoopFiles.entries(of: parameters.imageDir) ?? [] {
                        let path = LoopLayout.join(parameters.imageDir, entry)
                        guard let name = Self.volumeName(ofImageEntry: entry), (try? LoopLayout.checkName(name)) != nil,
                              let st = try LoopFiles.lstatIfExists(path) else { continue }
                        let layout = LoopLayout(root: root, imageDir: parameters.imageDir, name: name)
                        // The image decides, whichever entry found it: removing the volume removes
                        // both. A partial entry alone is a half-made image, never handed out.
                        if try LoopFiles.lstatIfExists(layout.image) != nil,
                           RecordedMarker.state(file: layout.image, visible: visible) != .absent { continue }
                        sweep.add(
                            name, parameters: set, changed: OrphanSweep.changed(st), born: OrphanSweep.born(AT_FDCWD, path),
                            paths: [layout.image, layout.mountPoint, layout.deviceLink])
                    }
                } catch {
                    skipped.append(OrphanSweepResult.Skipped(parameters: set, reason: "imageDir \(parameters.imageDir): \(error.message)"))
                }
            }
            let removed = await sweep.sweep(grace: grace, madeAfter: madeAfter, logger: logger, wanted: wanted) { c async throws(DriverError) in
                try await deleteLocked(name: c.name, parameters: c.parameters)
            }
            return OrphanSweepResult(removed: removed, skipped: skipped)
        }
    }

    /// Sets the recorded mark (`RecordedMarker`) on volume `name`'s image. The PV's path (a
    /// mount point or a device link) says nothing about where the image is: the class does.
    public func markRecorded(name: String, parameters: [String: String], path: String?) async throws(DriverError) {
        try LoopLayout.checkName(name)
        let parameters = try LoopParameters.require(parameters, root: root)
        let layout = LoopLayout(root: root, imageDir: parameters.imageDir, name: name)
        try await lock.withLock { () async throws(DriverError) in
            guard let st = try LoopFiles.lstatIfExists(layout.image) else {
                throw DriverError(.notFound, "volume \(name): image \(layout.image) is missing")
            }
            guard LoopFiles.isRegular(st) else { throw DriverError(.refused, "\(layout.image) is not a regular file; pvd does not use it") }
            try RecordedMarker.set(file: layout.image)
        }
    }

    /// The volume an image directory entry belongs to: "pvc-x.img", or a half-made ".pvc-x.img.partial".
    static func volumeName(ofImageEntry entry: String) -> String? {
        if entry.hasPrefix("pvc-"), entry.hasSuffix(LoopLayout.imageSuffix) {
            return String(entry.dropLast(LoopLayout.imageSuffix.count))
        }
        let partial = LoopLayout.imageSuffix + ".partial"
        if entry.hasPrefix(".pvc-"), entry.hasSuffix(partial) {
            return String(entry.dropFirst().dropLast(partial.count))
        }
        return nil
    }
}
