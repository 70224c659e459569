/// One problem found by validation: the field path, in Kubernetes' notation
/// ("spec.accessModes", "spec.volumes[0].name", "spec.capacity[storage]"), and what is wrong with
/// it, worded as Kubernetes words it ("Required value", "Unsupported value: \"X\": supported
/// values: \"A\", \"B\"", "Invalid value: \"0\": must be greater than zero").
public struct ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    /// "spec.accessModes: Required value", as `kubectl apply` shows it.
    public var description: String { "\(field): \(message)" }

    /// A field that must be set and is not.
    public static func required(_ field: String, _ detail: String = "") -> ValidationError {
        ValidationError(field: field, message: detail.isEmpty ? "Required value" : "Required value: \(detail)")
    }

    /// A value that breaks a rule, with the rule.
    public static func invalid(_ field: String, _ value: String, _ detail: String) -> ValidationError {
        ValidationError(field: field, message: "Invalid value: \(quoted(value)): \(detail)")
    }

    /// A value outside a fixed set, with the set.
    public static func notSupported(_ field: String, _ value: String, _ supported: [String]) -> ValidationError {
        let list = supported.map(quoted).joined(separator: ", ")
        return ValidationError(field: field, message: "Unsupported value: \(quoted(value)): supported values: \(list)")
    }

    /// A field that may not be set, or not to this, in this context.
    public static func forbidden(_ field: String, _ detail: String) -> ValidationError {
        ValidationError(field: field, message: "Forbidden: \(detail)")
    }

    /// A reference to something that does not exist (a volume mount naming no volume).
    public static func notFound(_ field: String, _ value: String) -> ValidationError {
        ValidationError(field: field, message: "Not found: \(quoted(value))")
    }

    /// A value that repeats one that must be unique.
    public static func duplicate(_ field: String, _ value: String) -> ValidationError {
        ValidationError(field: field, message: "Duplicate value: \(quoted(value))")
    }

    /// A value or collection above a size limit.
    public static func tooLong(_ field: String, _ limit: Int, unit: String = "bytes") -> ValidationError {
        ValidationError(field: field, message: "Too long: may not be more than \(limit) \(unit)")
    }

    /// A string in double quotes with quotes, backslashes and control characters escaped.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if u.value < 0x20 || u.value == 0x7F {
                    let hex = String(u.value, radix: 16)
                    out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}

/// An object that can check itself against Kubernetes' validation rules for the fields pvd uses.
/// An empty result means valid.
public protocol Validatable {
    func validate() -> [ValidationError]
}
