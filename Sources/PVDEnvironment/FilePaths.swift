#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Paths made absolute once, when settings are resolved, so the daemon and the drivers never
/// depend on the directory they were started from.
enum FilePaths {
    static func absolute(_ path: String, in cwd: String) -> String {
        if path.hasPrefix("/") { return path }
        if path == "." { return cwd }
        return cwd.hasSuffix("/") ? cwd + path : cwd + "/" + path
    }
}

/// The process's working directory (getcwd), "/" if it cannot be read.
enum WorkingDirectory {
    static func current() -> String {
        guard let p = getcwd(nil, 0) else { return "/" }
        defer { free(p) }
        return String(cString: p)
    }
}
