import PVDAdmission
import PVDDrivers
import PVDModel

/// Admission of a StorageClass served by one of this node's drivers: the directory it keeps
/// its volumes in (a hostPath `basePath`, a loop `imageDir`) must keep clear of pvd's root and
/// internal directories, of the other classes' directories (a shared one is fine, a nested one
/// is not) and of every volume's data, or one class's volumes could land on, in or around
/// another's. Run by `pvd apply` before anything is written; the drivers check each new volume
/// against the same rules again when they make it.
public enum ClassDirectoryAdmission {
    /// The refusal for `sc` among `classes` (every class as it will be, `sc`'s old self
    /// excluded by name) and the stored `volumes`, or nil when it is clear or not pvd's.
    public static func check(
        _ sc: StorageClass, classes: [StorageClass], volumes: some Sequence<PersistentVolume>, agent: NodeAgent
    ) -> ValidationError? {
        guard let driver = agent.driver(for: sc.provisioner),
              let dir = driver.classDirectory(parameters: sc.parameters ?? [:], owner: "StorageClass \(sc.metadata.name)'s") else { return nil }
        let others = classes.filter { $0.metadata.name != sc.metadata.name }
        let reserved = PathReservations.internalPaths(root: driver.root) + agent.reservedPaths(volumes: volumes, classes: others)
        guard let clash = PathReservations.conflict(classDirectory: dir.path, kind: dir.kind, with: reserved) else { return nil }
        let field = dir.kind == .imageDir ? "parameters.imageDir" : "parameters.basePath"
        return ValidationError(
            field: field,
            message: "\(dir.path) \(PathReservations.relation(of: dir.path, to: clash.path)) \(clash); a class needs a directory of its own, clear of pvd's own directories, other classes' and volumes' data")
    }

    /// The check as the one admission path takes it, for this node's drivers.
    public static func classCheck(_ agent: NodeAgent) -> Admission.ClassCheck {
        Admission.ClassCheck(
            concerns: { agent.driver(for: $0.provisioner) != nil },
            check: { sc, classes, volumes in check(sc, classes: classes, volumes: volumes, agent: agent) })
    }
}
