#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Hands a command to `pvd-server`, the binary beside this one that links every part (see
/// `LinkedParts`): `execv` with the same arguments, so the process keeps its PID, its standard
/// streams and its environment, and nothing of the command has run here yet.
enum Handoff {
    /// The binary's name, looked for in the directory of the running executable.
    static let serverBinary = "pvd-server"

    /// Replaces this process with `pvd-server` running `arguments` (the command line as given,
    /// argument 0 first). Returns only by throwing: when there is no `pvd-server` beside this
    /// binary, or the kernel refuses to run it.
    static func exec(for parts: Set<LinkedParts.Part>, arguments: [String]) throws(CLIError) -> Never {
        let needs = LinkedParts.Part.allCases.filter(parts.contains).map(\.rawValue).joined(separator: " and ")
        guard let own = executablePath() else {
            throw CLIError("this command needs \(needs), which pvd leaves out, and the running binary's path cannot be read (/proc/self/exe): run \(serverBinary) instead")
        }
        let dir = own.lastIndex(of: "/").map { String(own[..<$0]) } ?? "."
        let target = dir + "/" + serverBinary
        var argv: [UnsafeMutablePointer<CChar>?] = ([target] + arguments.dropFirst()).map { strdup($0) }
        argv.append(nil)
        execv(target, argv)
        let code = errno
        for p in argv { free(p) }
        if code == ENOENT {
            throw CLIError("this command needs \(needs), which pvd leaves out so that it starts fast; \(serverBinary) has \(parts.count == 1 ? "it" : "them") but is not at \(target): install it beside pvd")
        }
        throw CLIError("cannot run \(target) for \(needs): \(String(cString: strerror(code))) (errno \(code))")
    }

    /// The running executable's path, from `/proc/self/exe`.
    static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
