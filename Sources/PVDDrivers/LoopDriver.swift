import Logging
import SystemPackage
import PVDModel

/// `pvd.io/loop`: each volume is an image file attached to a loop device, formatted and mounted
/// (Filesystem volumes) or handed out as the device itself (Block volumes).
///
/// Provisioning runs as a chain of steps, each of which first looks at what is already there and
/// does nothing when its work is done, so that provisioning again after a crash at any point
/// finishes the volume without making anything twice:
/// image (`ensureImage`) → attached device (`ensureAttached`) → filesystem, probed before any
/// mkfs (`ensureFilesystem`) → mount (`ensureMounted`) → autoclear; Block volumes stop after
/// the device and get a link (`ensureDeviceLink`) instead.
///
/// Between finding the device and formatting, mounting or linking it, the driver holds it open
/// (`holding`): mkfs, mount and the link take a path, and a device nobody holds could be let go
/// and bound to someone else's file under the same number in between; a held one cannot.
///
/// Filesystem volumes are attached *without* LO_FLAGS_AUTOCLEAR and get it once mounted: the
/// kernel clears an autoclear device at its last close, and `attach` closes its descriptor before
/// it returns, so a device attached with it would be gone before anything could hold it. Once
/// set, unmounting the volume detaches its device by itself. Block volumes never get it;
/// `delete` detaches them. A crash between attach and mount leaves the device attached, and the
/// next provision picks it up.
///
/// Capacity: the request is rounded up to a whole MiB, and for Filesystem volumes up to the
/// smallest filesystem mkfs makes (300 MiB for xfs, 128 MiB for btrfs); the PV records the image's
/// size. Two calls for the same volume at once are the caller's to prevent (the provisioner's work
/// queue serialises by key).
public struct LoopDriver: VolumeDriver {
    public let provisionerName = "pvd.io/loop"
    /// The directory pvd keeps what it makes under (`images/`, `mounts/`, `devices/`).
    public let root: String
    let loops: any LoopDevices
    let mounter: any Mounter
    let probe: any FilesystemProbe
    let tools: any FilesystemTools
    let logger: Logger
    /// How long `delete` waits for a detach the kernel deferred to a last close.
    var detachWait: Duration

    public init(
        root: String, loopDevices: any LoopDevices, mounter: any Mounter, probe: any FilesystemProbe,
        tools: any FilesystemTools, logger: Logger = Logger(label: "pvd.driver.loop"), detachWait: Duration = .seconds(2)
    ) {
        self.root = root
        self.loops = loopDevices
        self.mounter = mounter
        self.probe = probe
        self.tools = tools
        self.logger = logger
        self.detachWait = detachWait
    }

    public func validate(parameters: [String: String], volumeMode: VolumeMode) -> [String] {
        var (value, problems) = LoopParameters.parse(parameters, root: root)
        if !VolumeMode.known.contains(volumeMode) {
            problems.append("volumeMode \"\(volumeMode)\" is not supported by pvd.io/loop (Filesystem or Block)")
        }
        if let value, volumeMode == .filesystem, !tools.supportedTypes().contains(value.fsType) {
            problems.append("parameter fsType \"\(value.fsType)\": mkfs.\(value.fsType) is not installed on this node")
        }
        return problems
    }

    public func classDirectory(parameters: [String: String], owner: String) -> ReservedPath? {
        // From imageDir alone: a class whose other parameters are wrong still claims its directory.
        guard let path = try? SafeTree.normalise(parameters["imageDir"] ?? LoopLayout.join(root, "images")) else { return nil }
        return ReservedPath(path: path, kind: .imageDir, owner: owner)
    }

    public func provision(_ request: ProvisionRequest) async throws(DriverError) -> ProvisionedVolume {
        // Refuse bad requests before anything touches the disk, the lock file included.
        try LoopLayout.checkName(request.name)
        let problems = validate(parameters: request.parameters, volumeMode: request.volumeMode)
        guard problems.isEmpty else { throw DriverError(.invalid, problems.joined(separator: "; ")) }
        return try await lock.withLock { () async throws(DriverError) in try await provisionLocked(request) }
    }

    /// The lock every pvd process on this node takes around loop provisioning and deletion.
    var lock: VolumeLock { VolumeLock(path: LoopLayout.join(root, ".pvd-loop.lock")) }

    private func provisionLocked(_ request: ProvisionRequest) async throws(DriverError) -> ProvisionedVolume {
        try LoopLayout.checkName(request.name)
        let problems = validate(parameters: request.parameters, volumeMode: request.volumeMode)
        guard problems.isEmpty else { throw DriverError(.invalid, problems.joined(separator: "; ")) }
        let parameters = try LoopParameters.require(request.parameters, root: root)
        let layout = LoopLayout(root: root, imageDir: parameters.imageDir, name: request.name)
        let size = try Self.imageSize(for: request.capacityBytes, volumeMode: request.volumeMode, fsType: parameters.fsType)
        // An image this call creates cannot be attached or formatted yet: the fast path.
        let fresh = try LoopFiles.lstatIfExists(layout.image) == nil
        let imageSize = try ensureImage(layout, size: size, parameters: parameters)

        if request.volumeMode == .block {
            let device = try ensureAttached(layout)
            try await holding(device, of: layout) { () throws(DriverError) in
                try ensureAllocated(layout, parameters: parameters)
                try ensureDeviceLink(layout, device: device)
            }
            logger.info("provisioned", metadata: ["pvd.pv": "\(request.name)", "pvd.device": "\(device)", "pvd.path": "\(layout.deviceLink)"])
            return ProvisionedVolume(path: layout.deviceLink, capacityBytes: imageSize)
        }

        try LoopFiles.makeDirectories(layout.mountPoint, mode: 0o755)
        if let device = try mountedDevice(layout) {
            // Mounted by an earlier try, which may have stopped before autoclear.
            try loops.setAutoclear(device)
        } else if fresh {
            // A fresh image, which no device can hold yet, is probed and formatted as a plain
            // file, as mkfs by hand does it (faster than through a loop device, and no device
            // can hold stale cached blocks of it), then attached with autoclear while our
            // descriptor holds the device: once the mount holds it too and we let go, unmounting
            // detaches it, and a crash before the mount detaches it at once.
            let fsType = try await ensureFilesystem(onImage: layout, parameters: parameters)
            let (device, hold) = try loops.attachHeld(image: layout.image, readOnly: false, autoclear: true)
            defer { try? hold.close() }
            try ensureAllocated(layout, parameters: parameters)
            try ensureMounted(layout, device: device, fsType: fsType, options: request.mountOptions)
            logger.info("provisioned", metadata: ["pvd.pv": "\(request.name)", "pvd.device": "\(device)", "pvd.path": "\(layout.mountPoint)"])
        } else {
            // An earlier try stopped between steps: finish from where it is, through the device.
            let device = try ensureAttached(layout)
            try await holding(device, of: layout) { () async throws(DriverError) in
                let fsType = try await ensureFilesystem(layout, device: device, parameters: parameters)
                try ensureAllocated(layout, parameters: parameters)
                try ensureMounted(layout, device: device, fsType: fsType, options: request.mountOptions)
                try loops.setAutoclear(device)
            }
            logger.info("provisioned", metadata: ["pvd.pv": "\(request.name)", "pvd.device": "\(device)", "pvd.path": "\(layout.mountPoint)"])
        }
        return ProvisionedVolume(path: layout.mountPoint, capacityBytes: imageSize)
    }

    public func existingVolumes(parameters: [String: String]) throws(DriverError) -> [String] {
        let parameters = try LoopParameters.require(parameters, root: root)
        let names = try LoopFiles.entries(of: parameters.imageDir) ?? []
        return names.filter { $0.hasPrefix("pvc-") && $0.hasSuffix(LoopLayout.imageSuffix) }
            .map { String($0.dropLast(LoopLayout.imageSuffix.count)) }
            .filter { name in (try? LoopLayout.checkName(name)) != nil }
            .sorted()
    }
}
