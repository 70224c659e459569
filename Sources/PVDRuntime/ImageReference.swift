/// An image name normalised as Kubernetes (and the Docker CLI) normalise them: a missing
/// registry is `docker.io`, a one-part Docker Hub name is under `library/`, a missing tag is
/// `latest`; a digest (`@sha256:…`) is kept and then needs no tag.
public struct ImageReference: Sendable, Hashable, CustomStringConvertible {
    public var registry: String
    public var repository: String
    public var tag: String?
    public var digest: String?

    /// Parses `name`; nil for an empty name, an upper-case repository, or whitespace.
    public init?(_ name: String) {
        guard !name.isEmpty, !name.contains(where: { $0.isWhitespace }) else { return nil }
        var rest = Substring(name)
        if let at = rest.firstIndex(of: "@") {
            digest = String(rest[rest.index(after: at)...])
            rest = rest[..<at]
            guard digest?.contains(":") == true else { return nil }
        }
        // A colon after the last slash starts the tag; one before it is a registry's port.
        let lastSlash = rest.lastIndex(of: "/")
        if let colon = rest.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
            tag = String(rest[rest.index(after: colon)...])
            rest = rest[..<colon]
            guard tag?.isEmpty == false else { return nil }
        }
        let parts = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !parts.contains(where: \.isEmpty) else { return nil }
        // The first part is a registry when it looks like a host: a dot, a port, or localhost.
        if parts.count > 1, parts[0].contains(".") || parts[0].contains(":") || parts[0] == "localhost" {
            registry = parts[0]
            repository = parts.dropFirst().joined(separator: "/")
        } else {
            registry = "docker.io"
            repository = parts.joined(separator: "/")
        }
        if registry == "index.docker.io" { registry = "docker.io" }
        if registry == "docker.io" && !repository.contains("/") { repository = "library/" + repository }
        guard repository == repository.lowercased() else { return nil }
        if tag == nil && digest == nil { tag = "latest" }
    }

    /// `docker.io/library/alpine:latest`.
    public var description: String {
        "\(registry)/\(repository)" + (tag.map { ":\($0)" } ?? "") + (digest.map { "@\($0)" } ?? "")
    }
}
