#if canImport(Glibc)
import Glibc
#endif

/// Free space on the filesystem that holds a path, as an unprivileged user may use it
/// (`statvfs`'s f_bavail × f_frsize): what a node reports it has room for. A directory not made
/// yet (a class's basePath before its first volume) is measured at its nearest existing parent.
public enum FreeSpace {
    public static func availableBytes(under path: String) -> Int64? {
        var p = path
        while true {
            var st = statvfs()
            if statvfs(p, &st) == 0 {
                let bytes = UInt64(st.f_bavail).multipliedReportingOverflow(by: UInt64(st.f_frsize))
                return bytes.overflow ? Int64.max : Int64(clamping: bytes.partialValue)
            }
            guard errno == ENOENT, let slash = p.lastIndex(of: "/"), p != "/" else { return nil }
            p = slash == p.startIndex ? "/" : String(p[..<slash])
        }
    }
}
