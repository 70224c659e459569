import ArgumentParser
import PVDEnvironment

/// A duration option's value, read with the one grammar every pvd setting uses (`GoDuration`).
/// A bad one is a usage error naming the flag, from `validate()` and `run()` alike.
enum FlagDuration {
    static func parse(_ text: String, flag: String, minimum: Duration = .zero) throws -> Duration {
        do {
            return try GoDuration.parse(text, from: .flag(flag), minimum: minimum)
        } catch {
            throw ValidationError(error.description)
        }
    }
}
