import PVDModel

extension Describer {
    /// kubectl's container block: image, command and args, state (with reason, exit code and
    /// times), last state, ready, restart count, mounts.
    static func containerLines(_ containers: [Container], _ statuses: [ContainerStatus]) -> [(String, String)] {
        var f: [(String, String)] = []
        for c in containers {
            let s = statuses.first { $0.name == c.name }
            f.append(("  \(c.name)", ""))
            if let id = s?.containerID { f.append(("    Container ID", id)) }
            f.append(("    Image", c.image ?? ""))
            if let command = c.command { f.append(("    Command", command.joined(separator: "\n"))) }
            if let args = c.args { f.append(("    Args", args.joined(separator: "\n"))) }
            f += state("    State", s?.state)
            if let last = s?.lastState { f += state("    Last State", last) }
            f.append(("    Ready", String(s?.ready ?? false)))
            f.append(("    Restart Count", String(s?.restartCount ?? 0)))
            let mounts = (c.volumeMounts ?? []).map { m in
                "\(m.mountPath) from \(m.name)" + (m.subPath.map { " (\($0))" } ?? "") + (m.readOnly == true ? " (ro)" : " (rw)")
            }
            f.append(("    Mounts", mounts.isEmpty ? "<none>" : mounts.joined(separator: "\n")))
        }
        return f
    }

    static func state(_ label: String, _ state: ContainerState?) -> [(String, String)] {
        if let w = state?.waiting {
            return [(label, "Waiting"), ("      Reason", w.reason ?? "")] + (w.message.map { [("      Message", $0)] } ?? [])
        }
        if let r = state?.running {
            return [(label, "Running"), ("      Started", r.startedAt?.rfc3339 ?? "")]
        }
        if let t = state?.terminated {
            return [(label, "Terminated"), ("      Reason", t.reason ?? ""), ("      Exit Code", String(t.exitCode)),
                    ("      Started", t.startedAt?.rfc3339 ?? ""), ("      Finished", t.finishedAt?.rfc3339 ?? "")]
        }
        return [(label, "Waiting")]
    }
}
