#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// This machine's name, the default node name: `gethostname(2)`'s first label, "localhost"
/// when it has none. Read directly rather than through Foundation's ProcessInfo, which on
/// Linux may also consult the resolver.
public enum Hostname {
    public static func current() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        let label = String(decoding: bytes, as: UTF8.self).split(separator: ".").first.map(String.init) ?? ""
        return label.isEmpty ? "localhost" : label
    }
}
