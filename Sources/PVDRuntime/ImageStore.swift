import Foundation
import PVDDrivers

#if canImport(Glibc)
import Glibc
#endif

/// The node's images, offline, under `<root>/images-oci`: one OCI image layout (`layout/`)
/// that `skopeo copy` imports `docker save` tarballs and OCI layouts into, each image unpacked
/// once by `umoci unpack` (whiteouts applied) into `rootfs/<manifest digest>/rootfs`, which
/// containers use read-only as their overlay's lower layer. `names.json` maps a normalised
/// name (`docker.io/library/alpine:latest`) to its tag in the layout: OCI tags cannot hold
/// every character an image name can.
///
/// Nothing is ever pulled: an image not here is `ErrImageNeverPull` for the Pod that wants it.
public struct ImageStore: Sendable {
    public let directory: String
    var layout: String { "\(directory)/layout" }
    var namesFile: String { "\(directory)/names.json" }

    /// One image in the store.
    public struct Record: Sendable, Hashable, Codable {
        public var name: String
        public var tag: String
        /// `sha256:…` of the image manifest.
        public var digest: String
    }

    /// An image ready to run: its unpacked root and what its configuration says.
    public struct Resolved: Sendable, Hashable {
        public var name: String
        public var digest: String
        public var rootfs: String
        public var config: ImageConfig
    }

    public init(root: String) {
        directory = "\(root)/images-oci"
    }

    /// Every image, by name.
    public func list() throws(RuntimeError) -> [Record] {
        let tags = try readNames()
        let index = try layoutIndex()
        return tags.keys.sorted().compactMap { name in
            guard let tag = tags[name], let digest = index[tag] else { return nil }
            return Record(name: name, tag: tag, digest: digest)
        }
    }

    /// The image `name` refers to (normalised as Kubernetes normalises it), or nil when it is
    /// not in the store or not unpacked.
    public func resolve(_ name: String) throws(RuntimeError) -> Resolved? {
        guard let ref = ImageReference(name) else { throw RuntimeError(.invalid, "image \"\(name)\": not a valid image reference") }
        guard let record = try list().first(where: { $0.name == ref.description }) else { return nil }
        let rootfs = "\(unpackDirectory(record.digest))/rootfs"
        guard access(rootfs, F_OK) == 0 else { return nil }
        return Resolved(name: record.name, digest: record.digest, rootfs: rootfs, config: try config(of: record.digest))
    }

    /// Imports a `docker save` tarball (a file) or an OCI image layout (a directory) under
    /// `name`, or under the name the archive itself records (RepoTags, or the layout's one
    /// ref.name). An image already there under that name is replaced.
    @discardableResult
    public func importImage(from path: String, name: String?) async throws(RuntimeError) -> Record {
        var info = stat()
        guard stat(path, &info) == 0 else { throw RuntimeError.system("image import: stat", path, errno: errno) }
        let isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
        var given = name
        if given == nil { given = isDirectory ? try Self.layoutName(path) : try await Self.archiveName(path) }
        guard let given, let ref = ImageReference(given) else {
            throw RuntimeError(.invalid, "image import \(path): no usable image name in it; give one with --name")
        }
        try makeDirectories()
        let lock = try StoreLock(path: "\(directory)/.lock")
        defer { withExtendedLifetime(lock) {} }
        var names = try readNames()
        let tag = names[ref.description] ?? Self.freeTag(for: ref.description, taken: Set(names.values))
        let source = isDirectory ? "oci:\(path)" : "docker-archive:\(path)"
        try await Self.tool("skopeo", ["--insecure-policy", "copy", "--quiet", source, "oci:\(layout):\(tag)"])
        guard let digest = try layoutIndex()[tag] else { throw RuntimeError(.system, "image import \(path): skopeo wrote no \(tag) into \(layout)") }
        let unpacked = unpackDirectory(digest)
        if access("\(unpacked)/rootfs", F_OK) != 0 {
            // Unpacked beside its final place, then renamed: a half-unpacked root is never used.
            let staging = "\(unpacked).unpacking"
            try? FileManager.default.removeItem(atPath: staging)
            try await Self.tool("umoci", ["unpack", "--image", "\(layout):\(tag)", staging])
            guard rename(staging, unpacked) == 0 else { throw RuntimeError.system("image import: rename", staging, errno: errno) }
        }
        names[ref.description] = tag
        try writeNames(names)
        return Record(name: ref.description, tag: tag, digest: digest)
    }

    /// Removes the image `name`; its unpacked root goes too when no other name shares it.
    public func remove(_ name: String) async throws(RuntimeError) {
        guard let ref = ImageReference(name) else { throw RuntimeError(.invalid, "image \"\(name)\": not a valid image reference") }
        let lock = try StoreLock(path: "\(directory)/.lock")
        defer { withExtendedLifetime(lock) {} }
        let records = try list()
        guard let record = records.first(where: { $0.name == ref.description }) else {
            throw RuntimeError(.notFound, "image \"\(ref)\" not found")
        }
        try await Self.tool("umoci", ["rm", "--image", "\(layout):\(record.tag)"])
        try await Self.tool("umoci", ["gc", "--layout", layout])
        var names = try readNames()
        names.removeValue(forKey: record.name)
        try writeNames(names)
        if !records.contains(where: { $0.name != record.name && $0.digest == record.digest }) {
            try? FileManager.default.removeItem(atPath: unpackDirectory(record.digest))
        }
    }

    func unpackDirectory(_ digest: String) -> String {
        "\(directory)/rootfs/\(digest.replacingOccurrences(of: "sha256:", with: ""))"
    }

    /// The image configuration the manifest `digest` points at.
    func config(of digest: String) throws(RuntimeError) -> ImageConfig {
        struct Manifest: Codable { struct Descriptor: Codable { var digest: String }; var config: Descriptor }
        let manifest: Manifest = try Self.decode(blobPath(digest))
        let blob: ImageConfig.Blob = try Self.decode(blobPath(manifest.config.digest))
        return blob.config ?? ImageConfig()
    }

    func blobPath(_ digest: String) -> String {
        "\(layout)/blobs/\(digest.replacingOccurrences(of: ":", with: "/"))"
    }

    /// Tag → manifest digest, from the layout's index.json (empty before the first import).
    func layoutIndex() throws(RuntimeError) -> [String: String] {
        struct Index: Codable {
            struct Entry: Codable { var digest: String; var annotations: [String: String]? }
            var manifests: [Entry]
        }
        guard access("\(layout)/index.json", F_OK) == 0 else { return [:] }
        let index: Index = try Self.decode("\(layout)/index.json")
        var tags: [String: String] = [:]
        for m in index.manifests {
            if let tag = m.annotations?["org.opencontainers.image.ref.name"] { tags[tag] = m.digest }
        }
        return tags
    }

    func readNames() throws(RuntimeError) -> [String: String] {
        guard access(namesFile, F_OK) == 0 else { return [:] }
        return try Self.decode(namesFile)
    }

    /// Written to a temporary file and renamed: a reader sees the old map or the new one.
    func writeNames(_ names: [String: String]) throws(RuntimeError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let temp = "\(namesFile).tmp"
        do {
            try encoder.encode(names).write(to: URL(fileURLWithPath: temp))
        } catch {
            throw RuntimeError(.system, "write \(temp): \(error)")
        }
        guard rename(temp, namesFile) == 0 else { throw RuntimeError.system("rename", temp, errno: errno) }
    }

    func makeDirectories() throws(RuntimeError) {
        do {
            try FileManager.default.createDirectory(atPath: "\(directory)/rootfs", withIntermediateDirectories: true)
        } catch {
            throw RuntimeError(.system, "create \(directory)/rootfs: \(error)")
        }
    }

    /// A tag for `name` in the layout: its characters outside [A-Za-z0-9._-] as `-`, made
    /// unique with a number when another name already maps to it.
    static func freeTag(for name: String, taken: Set<String>) -> String {
        let base = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_") ? $0 : "-" })
        var tag = base, n = 1
        while taken.contains(tag) {
            n += 1
            tag = "\(base)-\(n)"
        }
        return tag
    }

    /// The one name a `docker save` tarball records (its manifest.json RepoTags), if exactly one.
    static func archiveName(_ path: String) async throws(RuntimeError) -> String? {
        struct Entry: Codable { var RepoTags: [String]? }
        let text = try await tool("tar", ["-xOf", path, "manifest.json"])
        let entries = (try? JSONDecoder().decode([Entry].self, from: Data(text.utf8))) ?? []
        let tags = entries.flatMap { $0.RepoTags ?? [] }
        return tags.count == 1 ? tags[0] : nil
    }

    /// The one ref.name of an OCI layout's index.json, if exactly one.
    static func layoutName(_ path: String) throws(RuntimeError) -> String? {
        struct Index: Codable { struct Entry: Codable { var annotations: [String: String]? }; var manifests: [Entry] }
        let index: Index = try decode("\(path)/index.json")
        let names = index.manifests.compactMap { $0.annotations?["org.opencontainers.image.ref.name"] }
        return names.count == 1 ? names[0] : nil
    }

    static func decode<T: Decodable>(_ path: String) throws(RuntimeError) -> T {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RuntimeError(.notFound, "read \(path): missing or unreadable")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw RuntimeError(.system, "read \(path): not the JSON expected: \(error)")
        }
    }

    @discardableResult
    static func tool(_ name: String, _ args: [String]) async throws(RuntimeError) -> String {
        do {
            return try await ToolInvocation(tool: name, arguments: args).run()
        } catch {
            throw RuntimeError(error.code == .unsupported ? .unsupported : .system, error.message)
        }
    }
}

/// An exclusive `flock(2)` on the store's lock file for as long as it lives: two imports (or an
/// import and a removal) never edit the layout and names.json at once.
final class StoreLock {
    let fd: Int32
    init(path: String) throws(RuntimeError) {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw RuntimeError.system("open", path, errno: errno) }
        guard flock(fd, LOCK_EX) == 0 else {
            let e = errno
            close(fd)
            throw RuntimeError.system("flock", path, errno: e)
        }
    }
    deinit { close(fd) }
}
