#if canImport(Glibc)
import Glibc
#endif

/// Which loop devices were bound to which files at one moment, by the file's device and inode:
/// one scan of sysfs that a batch of volumes (recovery) looks itself up in, instead of scanning
/// every device once per volume. A device found here is a candidate only: confirm it with
/// `LoopDevices.isBacking` before using it, as the binding may have changed since.
public struct LoopBindings: Sendable {
    var byIdentity: [LoopFiles.Identity: [LoopDevice]] = [:]

    init(_ pairs: [(LoopFiles.Identity, LoopDevice)]) {
        for (identity, device) in pairs { byIdentity[identity, default: []].append(device) }
        for key in byIdentity.keys { byIdentity[key]?.sort { $0.number < $1.number } }
    }

    /// The devices bound to the file `st` describes, lowest number first.
    func devices(of st: stat) -> [LoopDevice] {
        byIdentity[LoopFiles.identity(of: st)] ?? []
    }
}
