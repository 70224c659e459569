/// Where a setting's text came from, so an error can point at the thing to fix.
public enum SettingOrigin: Sendable, Equatable {
    /// A command-line option, spelled as typed: `--timeout`.
    case flag(String)
    /// An environment variable: `PVD_BUSY_TIMEOUT`.
    case variable(String)
    /// A field of a config file.
    case file(path: String, field: String)
}

/// A setting pvd cannot use: where it came from, the text, and why. Printed as
/// `PVD_BUSY_TIMEOUT="5x": not a duration (use 500ms, 2s, 1m)`; never replaced by a default.
public struct SettingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var origin: SettingOrigin
    public var value: String
    public var problem: String

    public init(_ origin: SettingOrigin, value: String, problem: String) {
        self.origin = origin
        self.value = value
        self.problem = problem
    }

    public var description: String {
        switch origin {
        case .flag(let name): "\(name) \"\(value)\": \(problem)"
        case .variable(let name): "\(name)=\"\(value)\": \(problem)"
        case .file(let path, let field): "config \(path): field \(field): \"\(value)\": \(problem)"
        }
    }
}

extension GoDuration {
    /// Parses a setting's duration, at least `minimum`; an error names `origin`.
    public static func parse(_ text: String, from origin: SettingOrigin, minimum: Duration = .zero) throws(SettingError) -> Duration {
        do throws(DurationProblem) {
            let d = try parse(text)
            if d < minimum { throw DurationProblem.belowMinimum(minimum) }
            return d
        } catch {
            throw SettingError(origin, value: text, problem: error.description)
        }
    }
}
