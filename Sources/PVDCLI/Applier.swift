import PVDAdmission
import PVDControllers
import PVDModel
import PVDStore

/// `pvd apply` over the one admission path (`Admission`, shared with the API): this node's
/// drivers check pvd's own classes' directories, and refusals become the CLI's errors.
enum Applier {
    /// What happened to one object.
    struct Result {
        var kind: ResourceKind
        var name: String
        var outcome: Admission.Outcome.Kind
        /// A warning for stderr, printed once the apply is committed.
        var warning: String? = nil
    }

    /// Validates every object and settles namespaces; see `Admission.prepare`.
    static func prepare(_ objects: [ManifestObject], namespace: String?) throws -> [ManifestObject] {
        do {
            return try Admission.prepare(objects, namespace: namespace)
        } catch {
            throw CLIError(error.description)
        }
    }

    /// Writes the objects in one transaction; see `Admission.write`. `agent` (this node's
    /// drivers) admits the directories of pvd's own StorageClasses (`ClassDirectoryAdmission`);
    /// nil skips that.
    static func apply(_ objects: [ManifestObject], to store: any ObjectStore, agent: NodeAgent? = nil) async throws -> [Result] {
        let written: Admission.Result
        do {
            written = try await Admission.write(objects, to: store, mode: .apply, classCheck: agent.map(ClassDirectoryAdmission.classCheck))
        } catch {
            throw CLIError(error.description)
        }
        for w in written.warnings { printError("Warning: \(w)") }
        return zip(objects, written.outcomes).map { m, o in
            Result(kind: m.object.kind, name: m.object.metadata.name, outcome: o.outcome, warning: o.warning)
        }
    }
}
