
/// A `pvd.io/loop` StorageClass's parameters, checked and with their defaults filled in.
///
/// | parameter | values | default |
/// |---|---|---|
/// | `imageDir` | an absolute path | `<root>/images` |
/// | `allocation` | `sparse` \| `preallocate` | `sparse` |
/// | `fsType` | `ext4` \| `xfs` \| `btrfs` | `ext4` |
/// | `mkfsOptions` | extra mkfs arguments, split on spaces (no quoting) | none |
/// | `overcommit` | `"true"` \| `"false"`: sparse images may promise more than the disk holds | `"false"` |
struct LoopParameters: Sendable, Hashable {
    enum Allocation: String, Sendable, CaseIterable {
        /// `ftruncate`: blocks are taken as the volume is written.
        case sparse
        /// `posix_fallocate`: every block is taken up front, so writes never fail for space.
        case preallocate
    }

    static let known = ["allocation", "fsType", "imageDir", "mkfsOptions", "overcommit"]
    static let fsTypes = ["ext4", "xfs", "btrfs"]

    var imageDir: String
    var allocation: Allocation
    var fsType: String
    var mkfsOptions: [String]
    var overcommit: Bool

    /// Reads the parameters; `problems` lists each bad one by name (unknown names too), and the
    /// value is nil when there is any.
    static func parse(_ parameters: [String: String], root: String) -> (LoopParameters?, problems: [String]) {
        var problems: [String] = []
        for name in parameters.keys.sorted() where !known.contains(name) {
            problems.append("unknown parameter \"\(name)\" for pvd.io/loop (known: \(known.joined(separator: ", ")))")
        }

        let imageDir = parameters["imageDir"] ?? LoopLayout.join(root, "images")
        if let given = parameters["imageDir"] {
            if !given.hasPrefix("/") {
                problems.append("parameter imageDir \"\(given)\" must be an absolute path")
            } else if given.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) {
                problems.append("parameter imageDir \"\(given)\" must not contain \".\" or \"..\" components")
            } else if given.contains("\0") {
                problems.append("parameter imageDir must not contain NUL")
            } else if let clash = PathReservations.conflict(
                classDirectory: given, kind: .imageDir, with: PathReservations.internalPaths(root: root)) {
                problems.append("parameter imageDir \(given) \(PathReservations.relation(of: given, to: clash.path)) \(clash); give the class a directory of its own")
            }
        }

        let allocationText = parameters["allocation"] ?? Allocation.sparse.rawValue
        let allocation = Allocation(rawValue: allocationText)
        if allocation == nil {
            problems.append("parameter allocation \"\(allocationText)\" must be sparse or preallocate")
        }

        let fsType = parameters["fsType"] ?? "ext4"
        if !fsTypes.contains(fsType) {
            problems.append("parameter fsType \"\(fsType)\" is not supported by pvd.io/loop (use ext4, xfs or btrfs)")
        }

        let mkfsText = parameters["mkfsOptions"] ?? ""
        if mkfsText.contains(where: { $0 == "\"" || $0 == "'" || $0 == "\\" || $0 == "\0" }) {
            problems.append("parameter mkfsOptions is split on spaces and takes no quotes or backslashes")
        }
        let mkfsOptions = mkfsText.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)

        let overcommitText = parameters["overcommit"] ?? "false"
        let overcommit: Bool? = overcommitText == "true" ? true : (overcommitText == "false" ? false : nil)
        if overcommit == nil {
            problems.append("parameter overcommit \"\(overcommitText)\" must be \"true\" or \"false\"")
        }

        guard problems.isEmpty, let allocation, let overcommit else { return (nil, problems) }
        let value = LoopParameters(
            imageDir: imageDir, allocation: allocation, fsType: fsType, mkfsOptions: mkfsOptions, overcommit: overcommit)
        return (value, problems)
    }

    /// The parameters, or `.invalid` naming every bad one.
    static func require(_ parameters: [String: String], root: String) throws(DriverError) -> LoopParameters {
        let (value, problems) = parse(parameters, root: root)
        guard let value else { throw DriverError(.invalid, problems.joined(separator: "; ")) }
        return value
    }
}
