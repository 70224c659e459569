/// What is wrong with a duration's text, without saying where the text came from: the
/// `SettingError` that carries it names the flag, variable or config field.
public enum DurationProblem: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case notADuration
    case negative
    /// Longer than Go's limit, about 292 years of nanoseconds.
    case tooLong
    /// Readable, but under what the setting allows (a poll interval of 1ms, say).
    case belowMinimum(Duration)

    public var description: String {
        switch self {
        case .empty: "empty, want a duration (use 500ms, 2s, 1m)"
        case .notADuration: "not a duration (use 500ms, 2s, 1m)"
        case .negative: "a duration may not be negative"
        case .tooLong: "too long a duration"
        case .belowMinimum(let minimum): "want at least \(GoDuration.format(minimum))"
        }
    }
}
