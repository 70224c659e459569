/// Where one loop volume's pieces live. Every name derives from the volume's name
/// ("pvc-<claim-uid>"), so a retry after a crash finds the pieces the first try made.
///
/// - image: `<imageDir>/pvc-<uid>.img`, made as `<imageDir>/.pvc-<uid>.img.partial` and linked
///   into place only once it has its full size, so a crash never leaves a short image under the
///   real name (and `existingVolumes`, which lists `pvc-*.img`, never sees a half-made one);
/// - mount point (Filesystem volumes): `<root>/mounts/pvc-<uid>`;
/// - device link (Block volumes): `<root>/devices/pvc-<uid>`, a symlink to the attached
///   `/dev/loopN`. A symlink rather than a device node of our own: the loop number can change
///   when the image is attached again (after a reboot), and a symlink is replaced atomically
///   (rename) and shows at a glance which device it stands for; a node of our own would hold a
///   stale major:minor as silently as a stale link and hide it better.
struct LoopLayout: Sendable, Hashable {
    var name: String
    var image: String
    var partialImage: String
    var mountPoint: String
    var mountsDir: String
    var deviceLink: String
    var devicesDir: String

    init(root: String, imageDir: String, name: String) {
        self.name = name
        image = Self.join(imageDir, "\(name).img")
        partialImage = Self.join(imageDir, ".\(name).img.partial")
        mountsDir = Self.join(root, "mounts")
        mountPoint = Self.join(mountsDir, name)
        devicesDir = Self.join(root, "devices")
        deviceLink = Self.join(devicesDir, name)
    }

    /// The temporary name a new device link is made under before it is renamed into place.
    var deviceLinkPartial: String { Self.join(devicesDir, ".\(name).link.partial") }

    static let imageSuffix = ".img"

    /// Checks a volume name before any path is made from it: "pvc-" and then letters, digits,
    /// "-", "_" or "." (never "/" or ".."), as Kubernetes' PV names are.
    static func checkName(_ name: String) throws(DriverError) {
        let allowed = name.utf8.allSatisfy { c in
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_")
                || c == UInt8(ascii: ".")
        }
        guard name.hasPrefix("pvc-"), name.count > 4, name.count <= 253, allowed, !name.contains("..") else {
            throw DriverError(.invalid, "volume name \"\(name)\" must be \"pvc-\" followed by letters, digits, \"-\", \"_\" or \".\"")
        }
    }

    /// `a/b` without doubling a slash.
    static func join(_ a: String, _ b: String) -> String {
        a.hasSuffix("/") ? a + b : a + "/" + b
    }
}
