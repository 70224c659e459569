#if canImport(Glibc)
import Glibc
#endif

/// glibc's `malloc_trim(0)`: returns freed heap memory to the kernel. Glibc's Swift module does
/// not expose <malloc.h>, so the function is looked up once with dlsym (nil off glibc).
enum MemoryTrim {
    private typealias Trim = @convention(c) (Int) -> Int32
    private static let trim: Trim? = dlsym(nil, "malloc_trim").map { unsafeBitCast($0, to: Trim.self) }

    static func run() { _ = trim?(0) }
}
