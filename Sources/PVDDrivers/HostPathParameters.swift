#if canImport(Glibc)
import Glibc
#endif

/// A hostPath StorageClass's parameters, checked.
///
/// - `basePath`: absolute, no `..`, inside the allowed roots; default `<root>/hostpath`.
/// - `pathPattern`: where a volume goes below `basePath`, with the placeholders `${pvname}`
///   (the volume name, `pvc-<claim-uid>`), `${namespace}` and `${name}` (the claim's);
///   default `${pvname}`. `/` separates directories; the expansion must be relative and hold no
///   `.`, `..` or empty component.
/// - `mode`: the volume directory's permissions in octal; default `0777`, so a pod of any uid
///   can write, as Kubernetes' local-path provisioner does.
/// - `quota`: `enforce` (project quotas, XFS or ext4 with prjquota) or `none` (default).
public struct HostPathParameters: Sendable, Hashable {
    public var basePath: String
    public var pathPattern: String
    public var mode: mode_t
    public var enforceQuota: Bool

    public static let known: Set<String> = ["basePath", "pathPattern", "mode", "quota"]
    public static let placeholders = ["pvname", "namespace", "name"]

    /// Parses `parameters`; the problems, each naming its parameter, go to `errors`.
    public init(_ parameters: [String: String], root: String, tree: SafeTree, errors: inout [String]) {
        basePath = root + "/hostpath"
        pathPattern = "${pvname}"
        mode = 0o777
        enforceQuota = false
        for key in parameters.keys.sorted() where !HostPathParameters.known.contains(key) && !key.contains("/") {
            errors.append("parameters.\(key): unknown parameter for pvd.io/hostpath (known: basePath, pathPattern, mode, quota)")
        }
        if let value = parameters["basePath"] {
            do {
                basePath = try SafeTree.normalise(value, what: "parameters.basePath")
                _ = try tree.locate(basePath)
                if let clash = PathReservations.conflict(classDirectory: basePath, kind: .basePath, with: PathReservations.internalPaths(root: root)) {
                    errors.append("parameters.basePath: \(basePath) \(PathReservations.relation(of: basePath, to: clash.path)) \(clash); volumes there could hold or erase what pvd keeps, so give the class a directory of its own")
                }
            } catch {
                errors.append("parameters.basePath: \(error.message)")
            }
        } else {
            basePath = (try? SafeTree.normalise(basePath)) ?? basePath
        }
        if let value = parameters["pathPattern"] {
            pathPattern = value
            if !value.contains("${pvname}") && !value.contains("${name}") {
                errors.append("parameters.pathPattern: \"\(value)\" names neither ${pvname} nor ${name}, so volumes would share a directory")
            }
            do {
                _ = try HostPathParameters.expand(value, pvname: "pvc-x", namespace: "ns", name: "claim")
                try HostPathParameters.checkLiteralComponents(value)
            } catch {
                errors.append("parameters.pathPattern: \(error.message)")
            }
        }
        if let value = parameters["mode"] {
            let digits = value.hasPrefix("0o") ? String(value.dropFirst(2)) : value
            if let parsed = UInt32(digits, radix: 8), parsed <= 0o7777, !digits.isEmpty {
                mode = mode_t(parsed)
            } else {
                errors.append("parameters.mode: \"\(value)\" is not an octal permission mode (e.g. 0777, 0750)")
            }
        }
        switch parameters["quota"] {
        case nil, "none": enforceQuota = false
        case "enforce": enforceQuota = true
        case let other?: errors.append("parameters.quota: \"\(other)\" is not enforce or none")
        }
    }

    /// Parses `parameters` or throws `.invalid` listing every problem.
    public init(_ parameters: [String: String], root: String, tree: SafeTree) throws(DriverError) {
        var errors: [String] = []
        self.init(parameters, root: root, tree: tree, errors: &errors)
        if !errors.isEmpty { throw DriverError(.invalid, errors.joined(separator: "; ")) }
    }

    /// Names a pattern's fixed components may not have: `lost+found` is a filesystem's own, and
    /// names starting `.pvd-` are pvd's (a volume directory is made under `.pvd-new-<name>`).
    public static func checkLiteralComponents(_ pattern: String) throws(DriverError) {
        for part in pattern.split(separator: "/", omittingEmptySubsequences: false) where !part.contains("${") {
            if part == "lost+found" || part.hasPrefix(".pvd-") {
                throw DriverError(.invalid, "\"\(pattern)\" has the component \"\(part)\", a name reserved for the filesystem or for pvd")
            }
        }
    }

    /// Whether the pattern names the claim, so a volume's directory cannot be found from its
    /// name alone (pvd then finds it by the tag it wrote on the directory).
    public var dependsOnClaim: Bool {
        pathPattern.contains("${namespace}") || pathPattern.contains("${name}")
    }

    /// How many directories deep below basePath a volume sits.
    public var depth: Int { pathPattern.split(separator: "/", omittingEmptySubsequences: false).count }

    /// The directories below basePath for one volume.
    public func components(pvname: String, namespace: String, name: String) throws(DriverError) -> [String] {
        try HostPathParameters.expand(pathPattern, pvname: pvname, namespace: namespace, name: name)
    }

    /// Expands `${pvname}`, `${namespace}` and `${name}` in `pattern` and splits it at `/`.
    /// - Throws: `.invalid` on an unknown or unclosed placeholder, an absolute result, or a
    ///   `.`, `..` or empty component (an empty claim name included).
    public static func expand(_ pattern: String, pvname: String, namespace: String, name: String) throws(DriverError) -> [String] {
        let values = ["pvname": pvname, "namespace": namespace, "name": name]
        var out = ""
        var rest = Substring(pattern)
        while let start = rest.firstRange(of: "${") {
            out += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw DriverError(.invalid, "\"\(pattern)\" has an unclosed ${")
            }
            let key = String(rest[start.upperBound..<end])
            guard let value = values[key] else {
                throw DriverError(.invalid, "\"\(pattern)\" uses ${\(key)}; the placeholders are ${pvname}, ${namespace} and ${name}")
            }
            if value.contains("/") {
                throw DriverError(.invalid, "${\(key)} = \"\(value)\" holds a /")
            }
            out += value
            rest = rest[rest.index(after: end)...]
        }
        out += rest
        if out.hasPrefix("/") {
            throw DriverError(.invalid, "\"\(pattern)\" expands to the absolute path \(out); it must be relative to basePath")
        }
        let parts = out.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for part in parts where part.isEmpty || part == "." || part == ".." {
            throw DriverError(.invalid, "\"\(pattern)\" expands to \"\(out)\", which has an empty, . or .. component")
        }
        return parts
    }
}
