import Logging
import PVDModel

/// Expansion of hostPath volumes: a directory has no size of its own, so only a volume whose
/// class enforces a project quota has anything to grow (its hard limit); for any other, the
/// capacity is what the objects say, and growing it changes only them.
extension HostPathDriver {
    public func expand(
        name: String, parameters: [String: String], volumeMode: VolumeMode, newCapacityBytes: Int64
    ) async throws(DriverError) -> Int64 {
        guard newCapacityBytes > 0 else {
            throw DriverError(.invalid, "volume \(name): requested capacity \(newCapacityBytes) bytes must be positive")
        }
        try await lock.withLock { () async throws(DriverError) in
            let params = try HostPathParameters(parameters, root: root, tree: tree)
            guard let base = try tree.openAnchor(params.basePath, create: false),
                  try locate(name, params: params, base: base) != nil else {
                throw DriverError(.notFound, "volume \(name) is not under \(params.basePath)")
            }
            guard params.enforceQuota else { return }
            try setQuota(name: name, parameters: parameters, bytes: newCapacityBytes)
            logger.info("project quota raised", metadata: ["pvd.pv": "\(name)", "pvd.bytes": "\(newCapacityBytes)"])
        }
        return newCapacityBytes
    }
}
