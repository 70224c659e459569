/// The process a container runs, composed as Kubernetes composes it from the Pod and the image:
/// `command` replaces the image's ENTRYPOINT (and then its CMD is not used), `args` replaces
/// its CMD; the environment is HOSTNAME, then the image's, then the container's, a later
/// definition of a name replacing an earlier one in place.
public enum CommandLineComposition {
    /// The argv, or nil when nothing is left to run (no command, no args, an image without
    /// ENTRYPOINT and CMD).
    public static func arguments(command: [String]?, args: [String]?, image: ImageConfig) -> [String]? {
        let result: [String]
        if let command, !command.isEmpty {
            result = command + (args ?? [])
        } else if let args, !args.isEmpty {
            result = (image.entrypoint ?? []) + args
        } else {
            result = (image.entrypoint ?? []) + (image.cmd ?? [])
        }
        return result.isEmpty ? nil : result
    }

    /// `NAME=value` strings: HOSTNAME first, then the image's, then the container's.
    public static func environment(hostname: String, image: [String]?, container: [(String, String)]) -> [String] {
        var order: [String] = []
        var values: [String: String] = [:]
        func set(_ name: String, _ value: String) {
            if values[name] == nil { order.append(name) }
            values[name] = value
        }
        set("HOSTNAME", hostname)
        for entry in image ?? [] {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            set(String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
        for (name, value) in container { set(name, value) }
        if values["PATH"] == nil { set("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") }
        return order.map { "\($0)=\(values[$0] ?? "")" }
    }
}
