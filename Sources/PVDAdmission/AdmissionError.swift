import PVDModel
import PVDStore

/// Why a write from a user was refused: the Kubernetes reason it maps to, where the object came
/// from (a manifest document, or nothing for an API request), which object, and each bad field.
/// `description` is what `pvd apply` prints; the API turns the same value into a metav1.Status.
public struct AdmissionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Kubernetes' StatusReason for the refusal.
    public enum Reason: String, Sendable {
        /// Field errors (validation, immutability): 422.
        case invalid = "Invalid"
        /// The request cannot be what it claims (a namespace that disagrees, a duplicate): 400.
        case badRequest = "BadRequest"
        case notFound = "NotFound"
        case alreadyExists = "AlreadyExists"
        case conflict = "Conflict"
        /// The store could not be used.
        case unavailable = "ServiceUnavailable"
    }

    public var reason: Reason
    /// "claims.yaml document 2"; nil for an API request.
    public var location: String?
    /// The object as pvd's messages name it ("pvc default/data"); nil when none is known.
    public var object: AnyResource?
    /// The fields at fault, for `invalid`.
    public var causes: [ValidationError]
    /// The message when no field is at fault.
    public var message: String

    public init(_ reason: Reason, location: String? = nil, object: AnyResource? = nil, causes: [ValidationError] = [], message: String = "") {
        self.reason = reason
        self.location = location
        self.object = object
        self.causes = causes
        self.message = message
    }

    /// A store failure, kept with its Kubernetes reason.
    public init(_ error: StoreError, object: AnyResource? = nil) {
        let reason: Reason = switch error.code {
        case .notFound: .notFound
        case .alreadyExists: .alreadyExists
        case .conflict: .conflict
        case .invalid: .badRequest
        case .compacted, .unavailable, .fenced: .unavailable
        }
        self.init(reason, object: object, message: error.message)
    }

    public static func == (a: AdmissionError, b: AdmissionError) -> Bool {
        a.reason == b.reason && a.location == b.location && a.object?.displayName == b.object?.displayName
            && a.causes == b.causes && a.message == b.message
    }

    /// "claims.yaml document 2: pvc default/data: spec.accessModes: Required value", one line
    /// per field joined as `pvd apply` prints them; a store's message alone.
    public var description: String {
        var prefix = ""
        if let location { prefix += location + ": " }
        if let object, location != nil || !causes.isEmpty || reason == .badRequest { prefix += object.displayName + ": " }
        if causes.isEmpty { return prefix + message }
        return causes.map { "\(prefix)\($0.field): \($0.message)" }.joined(separator: "\nerror: ")
    }
}
