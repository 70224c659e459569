import Logging

/// The drivers a pvd node runs, built for one root directory.
public enum StandardDrivers {
    /// Every driver this build has, rooted at `root`; `allowedRoots` are further directories a
    /// class's basePath may name.
    public static func make(root: String, allowedRoots: [String] = [], logger: Logger = Logger(label: "pvd.drivers")) throws(DriverError) -> [any VolumeDriver] {
        [try HostPathDriver(root: root, allowedRoots: allowedRoots, logger: logger)]
    }
}
