import ArgumentParser
import PVDAdmission
import PVDModel
import PVDStore

extension PVD {
    /// `pvd patch KIND NAME -p '{"spec":{"claimRef":null}}'`: a JSON merge patch, as
    /// `kubectl patch --type merge`. The way to make a Retained volume Available again.
    struct Patch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "patch",
            abstract: "Change fields of an object with a JSON merge patch (null removes a field).")

        @OptionGroup var global: GlobalOptions

        @OptionGroup var remote: RemoteOptions

        @Argument(help: "The kind, e.g. pv.")
        var kind: String

        @Argument(help: "The object's name.")
        var name: String

        @Option(name: .shortAndLong, help: "The namespace (default: default).")
        var namespace: String?

        @Option(name: .shortAndLong, help: "The patch, as JSON or YAML.")
        var patch: String

        @Option(help: "The patch type: merge (the only one pvd takes; kubectl's strategic merge is the same for the fields pvd has).")
        var type: String = "merge"

        func validate() throws {
            guard type == "merge" || type == "strategic" else { throw ValidationError("--type \(type): pvd takes merge patches") }
        }

        func run() async throws {
            try await runReportingErrors {
                let kind = try ResourceKind.resolve(kind)
                let docs: [JSONValue]
                do throws(YAMLReadError) { docs = try YAMLConversion.documents(patch) } catch { throw CLIError("-p: \(error.reason)") }
                guard docs.count == 1, case .object(let members) = docs[0] else { throw CLIError("-p: the patch must be one JSON object") }
                for forbidden in ["status", "apiVersion", "kind"] where members[forbidden] != nil {
                    throw CLIError("-p: \(forbidden) cannot be patched")
                }
                if let meta = members["metadata"], case .object(let m) = meta {
                    for k in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "generation"] where m[k] != nil {
                        throw CLIError("-p: metadata.\(k) cannot be patched")
                    }
                }
                let store = try await openStoreOrServer(create: false)
                let ns = namespace ?? "default"
                for _ in 0..<5 {
                    let current: AnyResource
                    do { current = try await store.get(kind: kind, namespace: ns, name: name) } catch let error as StoreError {
                        if error.code == .notFound {
                            printError("Error from server (NotFound): \(kind.plural) \"\(name)\" not found")
                            throw ExitCode(1)
                        }
                        throw CLIError(error.message)
                    }
                    let patched = try Self.patched(current, with: docs[0])
                    // A server that admits writes checks expansion against the class itself.
                    if !store.admitsWrites, let e = try await ExpansionAdmission.check(existing: current, updated: patched, store: store) {
                        throw CLIError("\(current.displayName): \(e.field): \(e.message)")
                    }
                    if patched == current {
                        printOut("\(kind.qualifiedName)/\(name) patched (no change)\n")
                        return
                    }
                    do {
                        _ = try await store.update(patched.resource)
                        printOut("\(kind.qualifiedName)/\(name) patched\n")
                        return
                    } catch let error as StoreError {
                        if error.code == .conflict { continue }
                        throw CLIError(error.message)
                    }
                }
                throw CLIError("\(kind.shortName) \(name): kept conflicting with other writers; try again")
            }
        }

        /// The object with the patch applied, validated, with Kubernetes' immutability rules; a
        /// patch may clear fields an apply keeps (a PV's claimRef, a claim's volumeName).
        static func patched(_ object: AnyResource, with patch: JSONValue) throws -> AnyResource {
            let value = JSONMergePatch.apply(patch, to: try ObjectRenderer.value(object))
            let decoded: AnyResource
            do { decoded = try ManifestReader.decodeObject(value, source: "-p", document: 1).object } catch {
                throw CLIError(error.description)
            }
            do {
                return try Admission.replace(object, with: decoded)
            } catch {
                throw CLIError(error.description)
            }
        }
    }
}
