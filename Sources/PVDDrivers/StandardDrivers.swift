import Logging

/// The drivers a pvd node runs, built for one root directory.
public enum StandardDrivers {
    /// Every driver this build has, rooted at `root`; `allowedRoots` are further directories a
    /// hostPath class's basePath may name. The loop driver works through the real kernel
    /// surface: loop ioctls, libmount, libblkid and the system's mkfs.
    public static func make(root: String, allowedRoots: [String] = [], logger: Logger = Logger(label: "pvd.drivers")) throws(DriverError) -> [any VolumeDriver] {
        let probe = BlkidProbe()
        return [
            try HostPathDriver(root: root, allowedRoots: allowedRoots, logger: logger),
            LoopDriver(
                root: root, loopDevices: LinuxLoopDevices(), mounter: LibMountMounter(), probe: probe,
                tools: SystemFilesystemTools(probe: probe), logger: logger),
        ]
    }
}
