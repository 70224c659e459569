import Foundation
import PVDAdmission
import Logging
import PVDModel
import PVDStore

extension APIHandler {
    /// POST: a new object, through `Admission` as `pvd apply` creates one; 201 with the stored object.
    func create(_ t: APIRoute.ResourceTarget, _ request: APIRequest, user: UserInfo) async throws -> APIResponse {
        let dry = try dryRun(request)
        var (m, warnings) = try decodeBody(request, t, name: nil)
        try restrict(m.object, user: user, t)
        m.object.metadata.managedFields = managedFields(m.object, over: nil, old: nil, t, request)
        let result: Admission.Result
        do {
            let prepared = try Admission.prepare([m], namespace: t.namespace)
            result = try await Admission.write(prepared, to: store, mode: .create, classCheck: classCheck, dryRun: dry)
        } catch {
            throw Self.status(error, kind: t.kind, name: m.object.metadata.name)
        }
        let object = result.outcomes[0].object
        if dry { return APIResponse(status: 201, headers: warnings, body: .bytes(RESTObjects.bytes(object))) }
        logger.info("created", metadata: ["pvd.api.object": "\(object.displayName)", "pvd.api.resourceVersion": "\(object.metadata.resourceVersion ?? "")"])
        return APIResponse(status: 201, headers: warnings + result.warnings.map(Self.warningHeader), body: .bytes(RESTObjects.bytes(object)))
    }

    /// PUT: the whole object, written over the stored one with `Admission.update` (its
    /// resourceVersion, when given, must be the stored one: else 409 Conflict).
    func update(_ t: APIRoute.ResourceTarget, name: String, _ request: APIRequest, user: UserInfo) async throws -> APIResponse {
        let dry = try dryRun(request)
        var (m, warnings) = try decodeBody(request, t, name: name)
        let existing = try await stored(t, name: name)
        let rv = m.object.metadata.resourceVersion
        // A /status write keeps everything else as stored, which the authorizer has checked.
        if t.subresource != "status" { try restrict(m.object, user: user, t) }
        let written: AnyResource
        if t.subresource == "status" {
            written = try await writeStatus(existing, from: RESTObjects.value(m.object), resourceVersion: rv, t, request, dryRun: dry)
        } else {
            m.object.metadata.managedFields = managedFields(m.object, over: existing, old: RESTObjects.value(existing), t, request) ?? []
            written = try await admit(existing, m.object, resourceVersion: rv, t, dryRun: dry)
        }
        return APIResponse(status: 200, headers: warnings, body: .bytes(RESTObjects.bytes(written)))
    }

    /// PATCH: a JSON merge patch or a strategic merge patch applied to the stored object, then
    /// written as an update. A patch that changes nothing writes nothing (no new resourceVersion).
    /// Without a resourceVersion in the patch, a lost race is patched again, as Kubernetes does.
    func patch(_ t: APIRoute.ResourceTarget, name: String, _ request: APIRequest, user: UserInfo) async throws -> APIResponse {
        let dry = try dryRun(request)
        try checkSize(request)
        let type = request.contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        if type == Self.applyPatchType { return try await serverSideApply(t, name: name, request, user: user) }
        let accepted = ["application/merge-patch+json", "application/strategic-merge-patch+json", "application/json-patch+json", Self.applyPatchType]
        guard accepted.contains(type) else { throw APIStatus.unsupportedMediaType(type, accepted: accepted) }
        if request.query["force"] != nil {
            throw Self.patchOptionsInvalid("force", reason: "FieldValueForbidden", "Forbidden: may not be specified for non-apply patch")
        }
        let patch: JSONValue
        do { patch = try JSONCoding.shared.decode(JSONValue.self, from: request.body) } catch {
            throw APIStatus.badRequest("error decoding patch: \(Self.jsonProblem(error))")
        }
        for attempt in 1...5 {
            let existing = try await stored(t, name: name)
            let original = RESTObjects.value(existing)
            let patched: JSONValue
            switch type {
            case "application/merge-patch+json": patched = JSONMergePatch.apply(patch, to: original)
            case "application/json-patch+json":
                do { patched = try JSONPatch.apply(patch, to: original) } catch { throw APIStatus.badRequest("the JSON patch cannot be applied: \(error)") }
            default:
                do { patched = try StrategicMergePatch.apply(patch, to: original, kind: t.kind) } catch {
                    throw APIStatus.badRequest("the strategic merge patch cannot be applied: \(error)")
                }
            }
            let rv = patch["metadata"]?["resourceVersion"]?.stringValue
            do {
                let written: AnyResource
                if t.subresource == "status" {
                    written = try await writeStatus(existing, from: patched, resourceVersion: rv, t, request, dryRun: dry)
                } else {
                    var (m, _) = try decodeObject(patched, t, name: name, request: request, strict: false)
                    try restrict(m.object, user: user, t)
                    m.object.metadata.managedFields = managedFields(m.object, over: existing, old: original, t, request) ?? []
                    written = try await admit(existing, m.object, resourceVersion: rv, t, dryRun: dry)
                }
                return APIResponse(status: 200, body: .bytes(RESTObjects.bytes(written)))
            } catch let status as APIStatus where status.reason == "Conflict" && rv == nil && attempt < 5 {
                continue
            }
        }
        throw APIStatus.conflict(t.kind, name: name)
    }

    /// DELETE: the store's delete (the object stays, with a deletionTimestamp, while
    /// finalizers remain); 200 with the object as it is (or was). A DeleteOptions body's
    /// `preconditions` (uid, resourceVersion) must hold, else 409 as Kubernetes answers: checked
    /// against the read (for Kubernetes' message) and again inside the store's delete, so a
    /// write landing in between is a conflict too.
    func delete(_ t: APIRoute.ResourceTarget, name: String, _ request: APIRequest) async throws -> APIResponse {
        let existing = try await stored(t, name: name)
        let preconditions = try deletePreconditions(request)
        for (field, wanted, actual) in [("UID", preconditions.uid, existing.metadata.uid), ("ResourceVersion", preconditions.resourceVersion, existing.metadata.resourceVersion)] {
            guard let wanted, wanted != actual else { continue }
            var status = APIStatus.conflict(t.kind, name: name)
            status.message = "Operation cannot be fulfilled on \(t.kind.qualifiedPlural) \"\(name)\": Precondition failed: \(field) in precondition: \(wanted), \(field) in object meta: \(actual ?? "")"
            throw status
        }
        if try dryRun(request) { return APIResponse(status: 200, body: .bytes(RESTObjects.bytes(existing))) }
        let remaining: AnyResource?
        do {
            remaining = try await store.delete(
                kind: t.kind, namespace: t.namespace, name: name, uid: preconditions.uid, resourceVersion: preconditions.resourceVersion)
        } catch let e where e.code == .conflict {
            throw APIStatus.conflict(t.kind, name: name)
        } catch {
            throw Self.status(error, kind: t.kind, name: name)
        }
        logger.info(remaining == nil ? "deleted" : "deletion requested", metadata: ["pvd.api.object": "\(existing.displayName)"])
        return APIResponse(status: 200, body: .bytes(RESTObjects.bytes(remaining ?? existing)))
    }

    /// The `preconditions` of a DELETE's DeleteOptions body (kubectl sends none; controllers do).
    func deletePreconditions(_ request: APIRequest) throws -> (uid: String?, resourceVersion: String?) {
        guard !request.body.isEmpty else { return (nil, nil) }
        try checkSize(request)
        let options: JSONValue
        do { options = try JSONCoding.shared.decode(JSONValue.self, from: request.body) } catch {
            throw APIStatus.badRequest("error decoding DeleteOptions: \(Self.jsonProblem(error))")
        }
        let p = options["preconditions"]
        return (p?["uid"]?.stringValue, p?["resourceVersion"]?.stringValue)
    }

    /// NodeRestriction, with the Node mode on: a node's identity may create or leave only
    /// objects that are its own. A refusal is 403, as Kubernetes' admission answers, and writes nothing.
    func restrict(_ object: AnyResource, user: UserInfo, _ t: APIRoute.ResourceTarget) throws {
        guard restrictsNodes, let node = NodeRules.node(of: user), let why = NodeRules.restriction(object, node: node) else { return }
        logger.notice("request forbidden", metadata: ["pvd.api.user": "\(user.name)", "pvd.api.object": "\(object.displayName)", "pvd.api.reason": "\(why)"])
        var status = APIStatus.forbidden("\(t.kind.qualifiedPlural) \"\(object.metadata.name)\" is forbidden: \(why)")
        status.kind = t.kind.plural
        status.group = t.kind.descriptor.group
        status.name = object.metadata.name
        throw status
    }

    /// `Admission.update`, its refusals as Statuses.
    func admit(
        _ existing: AnyResource, _ incoming: AnyResource, resourceVersion: String?, _ t: APIRoute.ResourceTarget, dryRun: Bool
    ) async throws -> AnyResource {
        do {
            let (object, changed) = try await Admission.update(existing, with: incoming, resourceVersion: resourceVersion, store: store, dryRun: dryRun)
            if changed && !dryRun {
                logger.info("updated", metadata: ["pvd.api.object": "\(object.displayName)", "pvd.api.resourceVersion": "\(object.metadata.resourceVersion ?? "")"])
            }
            return object
        } catch {
            throw Self.status(error, kind: t.kind, name: existing.metadata.name)
        }
    }

    /// The `/status` subresource: only `status` is taken from the request; the rest stays as
    /// stored. The object as a whole must still validate.
    func writeStatus(
        _ existing: AnyResource, from incoming: JSONValue, resourceVersion: String?, _ t: APIRoute.ResourceTarget, _ request: APIRequest, dryRun: Bool
    ) async throws -> AnyResource {
        let original = RESTObjects.value(existing)
        guard case .object(var members) = original else { throw APIStatus.internalError("stored object is not a JSON object") }
        members["status"] = incoming["status"] ?? .null
        let value = JSONValue.object(members)
        var object: AnyResource
        do { object = try ManifestReader.decodeObject(value, source: "request", document: 1).object } catch {
            throw APIStatus.badRequest(error.message)
        }
        let errors = object.validate()
        if !errors.isEmpty { throw APIStatus.invalid(t.kind, name: existing.metadata.name, errors: errors) }
        if object == existing { return existing }
        object.metadata.managedFields = managedFields(object, over: existing, old: original, t, request)
        if let resourceVersion, !resourceVersion.isEmpty { object.metadata.resourceVersion = resourceVersion }
        if dryRun { return object }
        do {
            let written = try await store.update(kind: object)
            logger.info("status updated", metadata: ["pvd.api.object": "\(written.displayName)"])
            return written
        } catch {
            throw Self.status(error, kind: t.kind, name: existing.metadata.name)
        }
    }

    static func status(_ error: AdmissionError, kind: ResourceKind, name: String) -> APIStatus {
        switch error.reason {
        case .invalid: .invalid(kind, name: name, errors: error.causes)
        case .badRequest: .badRequest(error.message)
        case .notFound: .notFound(kind, name: name)
        case .alreadyExists: .alreadyExists(kind, name: name)
        case .conflict: .conflict(kind, name: name)
        case .unavailable: .unavailable(error.message)
        }
    }

    static func warningHeader(_ text: String) -> (String, String) {
        ("Warning", "299 - \"\(text.replacingOccurrences(of: "\"", with: "'"))\"")
    }

    /// `dryRun=All` (`kubectl --dry-run=server`): every check runs, nothing is written.
    func dryRun(_ request: APIRequest) throws -> Bool {
        guard let d = request.query["dryRun"], !d.isEmpty else { return false }
        guard d == "All" else { throw APIStatus.badRequest("unsupported dry run option \"\(d)\" (want All)") }
        return true
    }
}
