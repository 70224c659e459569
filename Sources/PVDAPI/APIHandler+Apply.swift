import Foundation
import Logging
import PVDAdmission
import PVDModel

extension APIHandler {
    static let applyPatchType = "application/apply-patch+yaml"

    /// PATCH with `application/apply-patch+yaml` (`kubectl apply --server-side`): the applied
    /// configuration merged into the stored object by `ServerSideApply` and written through
    /// `Admission` as any update is, or created when there is none (201; the caller must also
    /// be allowed to create). `fieldManager` is required; `force=true` takes conflicting
    /// fields from their owners instead of answering 409.
    func serverSideApply(_ t: APIRoute.ResourceTarget, name: String, _ request: APIRequest, user: UserInfo) async throws -> APIResponse {
        let dry = try dryRun(request)
        if let sub = t.subresource {
            throw APIStatus.badRequest("server-side apply of the \(sub) subresource is not served by pvd: apply the object itself")
        }
        guard let manager = request.query["fieldManager"], !manager.isEmpty else {
            throw Self.patchOptionsInvalid("fieldManager", reason: "FieldValueRequired", "Required value: is required for apply patch")
        }
        let force: Bool
        switch request.query["force"] {
        case nil, "false": force = false
        case "true": force = true
        case let other?: throw APIStatus.badRequest("force: invalid value \"\(other)\" (want true or false)")
        }
        let config = try applyConfiguration(request)
        // The checks of any body (kind and apiVersion of the URL's, its namespace and name,
        // unknown fields under fieldValidation=Strict) before anything is read.
        let (_, warnings) = try decodeObject(config, t, name: name, request: request, strict: true)
        let precondition = config["metadata"]?["resourceVersion"]?.stringValue
        for attempt in 1...5 {
            let existing: AnyResource?
            do { existing = try await stored(t, name: name) } catch let s as APIStatus where s.code == 404 { existing = nil }
            let outcome: ServerSideApply.Outcome
            do {
                outcome = try ServerSideApply.apply(
                    config, to: existing.map(RESTObjects.value), managed: existing?.metadata.managedFields, manager: manager, force: force,
                    apiVersion: t.kind.apiVersion, now: .now())
            } catch {
                switch error {
                case .conflicts(let list):
                    logger.info("apply conflicts", metadata: ["pvd.api.object": "\(t.kind.rawValue) \(name)", "pvd.api.manager": "\(manager)", "pvd.api.conflicts": "\(list.count)"])
                    throw ServerSideApply.status(list, kind: t.kind, name: name)
                case .invalid(let why): throw APIStatus.badRequest(why)
                }
            }
            var (m, _) = try decodeObject(outcome.object, t, name: name, request: request, strict: false)
            try restrict(m.object, user: user, t)
            if let existing {
                m.object.metadata.managedFields = outcome.managedFields ?? []
                do {
                    let written = try await admit(existing, m.object, resourceVersion: precondition, t, dryRun: dry)
                    return APIResponse(status: 200, headers: warnings, body: .bytes(RESTObjects.bytes(written)))
                } catch let status as APIStatus where status.reason == "Conflict" && precondition == nil && attempt < 5 {
                    continue
                }
            }
            var create = Self.attributes(of: request, route: .resource(t), user: user)
            create.verb = "create"
            if let refusal = await refusal(create, path: request.path) { throw refusal }
            m.object.metadata.managedFields = outcome.managedFields
            let result: Admission.Result
            do {
                let prepared = try Admission.prepare([m], namespace: t.namespace)
                result = try await Admission.write(prepared, to: store, mode: .create, classCheck: classCheck, dryRun: dry)
            } catch {
                if error.reason == .alreadyExists && attempt < 5 { continue }
                throw Self.status(error, kind: t.kind, name: name)
            }
            let object = result.outcomes[0].object
            if !dry { logger.info("created", metadata: ["pvd.api.object": "\(object.displayName)", "pvd.api.manager": "\(manager)"]) }
            return APIResponse(status: 201, headers: warnings + result.warnings.map(Self.warningHeader), body: .bytes(RESTObjects.bytes(object)))
        }
        throw APIStatus.conflict(t.kind, name: name)
    }

    /// The applied configuration: one YAML (or JSON) document.
    func applyConfiguration(_ request: APIRequest) throws -> JSONValue {
        try checkSize(request)
        let text = String(decoding: request.body, as: UTF8.self)
        do {
            let docs = try YAMLConversion.documents(text)
            guard docs.count == 1 else { throw APIStatus.badRequest("want one YAML document in an apply patch, got \(docs.count)") }
            return docs[0]
        } catch let s as APIStatus { throw s } catch {
            throw APIStatus.badRequest("error decoding YAML: \(error)")
        }
    }

    /// The managed fields after this request writes `incoming` over `existing` (nil: a
    /// create) by an update: its `fieldManager`, else its User-Agent, takes what it changed.
    /// `old` is `existing` as JSON, which the caller has at hand.
    func managedFields(
        _ incoming: AnyResource, over existing: AnyResource?, old: JSONValue?, _ t: APIRoute.ResourceTarget, _ request: APIRequest
    ) -> [ManagedFieldsEntry]? {
        let base = ManagedFields.base(requested: incoming.metadata.managedFields, stored: existing?.metadata.managedFields)
        return ManagedFields.afterUpdate(
            old: old, new: RESTObjects.value(incoming), managed: base,
            manager: ManagedFields.manager(fieldManager: request.query["fieldManager"], userAgent: request.userAgent),
            apiVersion: t.kind.apiVersion, subresource: t.subresource, now: .now())
    }

    /// Kubernetes' 422 for PatchOptions it refuses (`fieldManager: Required value: …`).
    static func patchOptionsInvalid(_ field: String, reason: String, _ message: String) -> APIStatus {
        APIStatus(
            code: 422, reason: "Invalid", message: "PatchOptions.meta.k8s.io \"\" is invalid: \(field): \(message)", group: "meta.k8s.io",
            kind: "PatchOptions", causes: [.init(reason: reason, message: message, field: field)])
    }
}
