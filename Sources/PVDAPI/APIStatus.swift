import PVDModel

/// A metav1.Status: the body of every error the API answers, with Kubernetes' reason, code and
/// message, so kubectl prints `Error from server (NotFound): persistentvolumeclaims "x" not found`.
public struct APIStatus: Error, Sendable, Equatable {
    /// One field at fault (`details.causes`).
    public struct Cause: Sendable, Equatable {
        public var reason: String
        public var message: String
        public var field: String
    }

    public var code: Int
    public var reason: String
    public var message: String
    /// `details.name`, `details.group` and `details.kind` (the resource, or the kind for Invalid).
    public var name: String?
    public var group: String?
    public var kind: String?
    public var causes: [Cause] = []

    public init(code: Int, reason: String, message: String, name: String? = nil, group: String? = nil, kind: String? = nil, causes: [Cause] = []) {
        self.code = code
        self.reason = reason
        self.message = message
        self.name = name
        self.group = group
        self.kind = kind
        self.causes = causes
    }

    /// The Status object as JSON.
    public var json: JSONValue {
        var details: [String: JSONValue] = [:]
        if let name { details["name"] = .string(name) }
        if let group, !group.isEmpty { details["group"] = .string(group) }
        if let kind { details["kind"] = .string(kind) }
        if !causes.isEmpty {
            details["causes"] = .array(causes.map { .object(["reason": .string($0.reason), "message": .string($0.message), "field": .string($0.field)]) })
        }
        var o: [String: JSONValue] = [
            "kind": .string("Status"), "apiVersion": .string("v1"), "metadata": .object([:]), "status": .string("Failure"),
            "message": .string(message), "reason": .string(reason), "code": .int(Int64(code)),
        ]
        if !details.isEmpty { o["details"] = .object(details) }
        return .object(o)
    }

    // MARK: Kubernetes' errors, worded as the API server words them

    public static func notFound(_ kind: ResourceKind, name: String) -> APIStatus {
        APIStatus(code: 404, reason: "NotFound", message: "\(kind.qualifiedPlural) \"\(name)\" not found", name: name, group: kind.descriptor.group, kind: kind.plural)
    }

    public static func alreadyExists(_ kind: ResourceKind, name: String) -> APIStatus {
        APIStatus(code: 409, reason: "AlreadyExists", message: "\(kind.qualifiedPlural) \"\(name)\" already exists", name: name, group: kind.descriptor.group, kind: kind.plural)
    }

    /// A stale resourceVersion, or a write that lost a race.
    public static func conflict(_ kind: ResourceKind, name: String) -> APIStatus {
        APIStatus(
            code: 409, reason: "Conflict",
            message: "Operation cannot be fulfilled on \(kind.qualifiedPlural) \"\(name)\": the object has been modified; please apply your changes to the latest version and try again",
            name: name, group: kind.descriptor.group, kind: kind.plural)
    }

    /// Field errors: `PersistentVolumeClaim "x" is invalid: spec.accessModes: Required value`.
    public static func invalid(_ kind: ResourceKind, name: String, errors: [ValidationError]) -> APIStatus {
        let list = errors.map { "\($0.field): \($0.message)" }
        let joined = list.count == 1 ? list[0] : "[" + list.joined(separator: ", ") + "]"
        return APIStatus(
            code: 422, reason: "Invalid", message: "\(kind.rawValue) \"\(name)\" is invalid: \(joined)", name: name, group: kind.descriptor.group,
            kind: kind.rawValue, causes: errors.map { Cause(reason: causeReason($0.message), message: $0.message, field: $0.field) })
    }

    public static func badRequest(_ message: String) -> APIStatus {
        APIStatus(code: 400, reason: "BadRequest", message: message)
    }

    public static let unauthorized = APIStatus(code: 401, reason: "Unauthorized", message: "Unauthorized")

    public static func forbidden(_ message: String) -> APIStatus {
        APIStatus(code: 403, reason: "Forbidden", message: message)
    }

    public static func methodNotAllowed(_ method: String, path: String) -> APIStatus {
        APIStatus(code: 405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource (\(method) \(path))")
    }

    public static func notFoundPath(_ path: String) -> APIStatus {
        APIStatus(code: 404, reason: "NotFound", message: "the server could not find the requested resource (\(path))")
    }

    public static func tooLarge(limit: Int) -> APIStatus {
        APIStatus(code: 413, reason: "RequestEntityTooLarge", message: "Request entity too large: limit is \(limit)")
    }

    public static func unsupportedMediaType(_ type: String, accepted: [String]) -> APIStatus {
        APIStatus(
            code: 415, reason: "UnsupportedMediaType",
            message: "the body of the request was in an unknown format (\(type)) - accepted media types include: \(accepted.joined(separator: ", "))")
    }

    /// A watch from a revision the store no longer holds.
    public static func expired(_ message: String) -> APIStatus {
        APIStatus(code: 410, reason: "Expired", message: message)
    }

    public static func internalError(_ message: String) -> APIStatus {
        APIStatus(code: 500, reason: "InternalError", message: "Internal error occurred: \(message)")
    }

    public static func unavailable(_ message: String) -> APIStatus {
        APIStatus(code: 503, reason: "ServiceUnavailable", message: message)
    }

    /// Kubernetes' field.ErrorType of a pvd validation message ("Required value: …" is FieldValueRequired).
    static func causeReason(_ message: String) -> String {
        for (prefix, reason) in [
            ("Required value", "FieldValueRequired"), ("Forbidden", "FieldValueForbidden"), ("Unsupported value", "FieldValueNotSupported"),
            ("Duplicate value", "FieldValueDuplicate"), ("Too long", "FieldValueTooLong"),
        ] where message.hasPrefix(prefix) {
            return reason
        }
        return "FieldValueInvalid"
    }
}
