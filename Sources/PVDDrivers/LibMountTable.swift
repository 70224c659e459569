import CLibMount

#if canImport(Glibc)
import Glibc
#endif

/// A parsed mount table: a `struct libmnt_table` from `mnt_new_table_from_file()`, released with
/// `mnt_unref_table()`. Not copyable; lives for one lookup.
struct LibMountTable: ~Copyable {
    private let handle: OpaquePointer

    /// `mnt_new_table_from_file()` on a mountinfo-format file ("/proc/self/mountinfo").
    init(file: String) throws(DriverError) {
        guard let handle = mnt_new_table_from_file(file) else {
            let e = errno == 0 ? EINVAL : errno
            throw DriverError.system("read mount table", file, errno: e)
        }
        self.handle = handle
    }

    deinit { mnt_unref_table(handle) }

    /// The last-mounted entry whose mount point is exactly `target` (already canonical), the
    /// one a path lookup sees: `mnt_table_find_target()` iterating `MNT_ITER_BACKWARD`.
    func entry(mountedAt target: String) -> MountInfo? {
        guard let fs = mnt_table_find_target(handle, target, Int32(MNT_ITER_BACKWARD)) else { return nil }
        func text(_ p: UnsafePointer<CChar>?) -> String { p.map { String(cString: $0) } ?? "" }
        return MountInfo(
            source: text(mnt_fs_get_source(fs)),
            target: text(mnt_fs_get_target(fs)),
            fsType: text(mnt_fs_get_fstype(fs)),
            options: MountOptionList.split(text(mnt_fs_get_options(fs)))
        )
    }
}

/// Mount option strings: "rw,relatime,context=\"a,b\"" ⇄ ["rw", "relatime", "context=\"a,b\""].
enum MountOptionList {
    /// Splits at commas outside double quotes, dropping empty items.
    static func split(_ text: String) -> [String] {
        var items: [String] = []
        var current = ""
        var quoted = false
        for c in text {
            if c == "\"" { quoted.toggle() }
            if c == "," && !quoted {
                if !current.isEmpty { items.append(current) }
                current = ""
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { items.append(current) }
        return items
    }

    /// Joins options into the string libmount and mount(2) take, dropping empty ones.
    static func join(_ options: [String]) -> String {
        options.filter { !$0.isEmpty }.joined(separator: ",")
    }
}
