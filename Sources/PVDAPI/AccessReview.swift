import PVDModel

/// `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews`, what `kubectl auth can-i`
/// sends: "may I do this?", answered by the same authorizers as every request. kubectl sends it
/// as protobuf (and does not retry a 415 as JSON), so the few fields it carries are read from
/// the protobuf envelope directly; a JSON body is read too.
enum AccessReview {
    /// The question's attributes for `user`, from a protobuf or JSON body.
    static func attributes(body: [UInt8], contentType: String, user: UserInfo) throws -> RequestAttributes {
        if contentType.hasPrefix("application/vnd.kubernetes.protobuf") { return try protobuf(body, user: user) }
        let value: JSONValue
        do { value = try JSONCoding.shared.decode(JSONValue.self, from: body) } catch {
            throw APIStatus.badRequest("a SelfSubjectAccessReview must be JSON or protobuf")
        }
        let spec = value["spec"]
        if let r = spec?["resourceAttributes"] {
            return RequestAttributes(
                user: user, verb: r["verb"]?.stringValue ?? "", isResourceRequest: true, apiGroup: r["group"]?.stringValue ?? "",
                resource: r["resource"]?.stringValue ?? "", subresource: r["subresource"]?.stringValue ?? "",
                namespace: r["namespace"]?.stringValue ?? "", name: r["name"]?.stringValue ?? "")
        }
        if let n = spec?["nonResourceAttributes"] {
            return RequestAttributes(user: user, verb: n["verb"]?.stringValue ?? "", isResourceRequest: false, path: n["path"]?.stringValue ?? "")
        }
        throw APIStatus.invalid(.pod, name: "", errors: [.required("spec.resourceAttributes")])
    }

    /// The review as Kubernetes answers it (201, JSON; kubectl reads a JSON answer to its protobuf question).
    static func answer(_ a: RequestAttributes, _ decision: AuthorizationDecision) -> JSONValue {
        var spec: [String: JSONValue] = [:]
        if a.isResourceRequest {
            spec["resourceAttributes"] = .object([
                "namespace": .string(a.namespace), "verb": .string(a.verb), "group": .string(a.apiGroup), "resource": .string(a.resource),
                "subresource": .string(a.subresource), "name": .string(a.name),
            ])
        } else {
            spec["nonResourceAttributes"] = .object(["path": .string(a.path), "verb": .string(a.verb)])
        }
        var status: [String: JSONValue]
        switch decision {
        case .allow: status = ["allowed": .bool(true)]
        case .deny(let reason), .noOpinion(let reason): status = ["allowed": .bool(false), "reason": .string(reason)]
        }
        if case .deny = decision { status["denied"] = .bool(true) }
        return .object([
            "kind": .string("SelfSubjectAccessReview"), "apiVersion": .string("authorization.k8s.io/v1"), "metadata": .object([:]),
            "spec": .object(spec), "status": .object(status),
        ])
    }

    /// `k8s\0` + runtime.Unknown{2: raw}; raw = SelfSubjectAccessReview{2: spec};
    /// spec = {1: resourceAttributes{1 namespace, 2 verb, 3 group, 4 version, 5 resource,
    /// 6 subresource, 7 name}, 2: nonResourceAttributes{1 path, 2 verb}}.
    static func protobuf(_ body: [UInt8], user: UserInfo) throws -> RequestAttributes {
        let what = "a SelfSubjectAccessReview"
        guard let review = try ProtoMessage(envelope: body).message(2, what: what), let spec = try review.message(2, what: what) else {
            throw APIStatus.badRequest("\(what) that cannot be read as protobuf")
        }
        func text(_ m: ProtoMessage, _ n: Int) -> String { m.string(n) ?? "" }
        if let r = try spec.message(1, what: what) {
            return RequestAttributes(
                user: user, verb: text(r, 2), isResourceRequest: true, apiGroup: text(r, 3), resource: text(r, 5), subresource: text(r, 6),
                namespace: text(r, 1), name: text(r, 7))
        }
        if let n = try spec.message(2, what: what) {
            return RequestAttributes(user: user, verb: text(n, 2), isResourceRequest: false, path: text(n, 1))
        }
        throw APIStatus.badRequest("\(what) that cannot be read as protobuf")
    }
}
