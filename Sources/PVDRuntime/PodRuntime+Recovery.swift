import Foundation
import Logging
import PVDModel
import PVDStore

extension PodRuntime {
    /// Start-up, before the first pass: what runc lists under pvd's root and what lies under
    /// `<root>/runtime` is matched with the store's Pods. A container no Pod of this node owns
    /// (or whose Pod is finished) is deleted with its overlay, bundle and mounts; one a live Pod
    /// owns is adopted, its end read from the exit file its shim writes (a container that ended
    /// while pvd was down is finished at once, restarting as the restartPolicy says). A Pod whose
    /// status says running but runc has no such container lost it: 137, ContainerStatusUnknown.
    func recover(_ state: inout [String: PodRecord]) async {
        let listed: [Runc.Listed]
        let pods: [Pod]
        do {
            listed = try await launcher.runc.list()
            pods = try await store.list(Pod.self, namespace: nil, selector: nil).items
        } catch {
            logger.warning("runtime recovery skipped", metadata: ["pvd.error": "\(error)"])
            return
        }
        var live: [String: Pod] = [:]
        for pod in pods where pod.spec.nodeName == nodeName {
            guard let uid = pod.metadata.uid else { continue }
            let phase = pod.status?.phase
            if phase != PodPhase.succeeded && phase != PodPhase.failed { live[uid] = pod }
        }
        var adopted = 0, removed = 0
        for c in listed {
            if let owner = RuntimeLayout.owner(of: c.id), let pod = live[owner.uid],
               ((pod.spec.initContainers ?? []) + (pod.spec.containers ?? [])).contains(where: { $0.name == owner.container }) {
                var rec = state[owner.uid] ?? PodRecord(pod: pod, uid: owner.uid)
                rec.containers[owner.container]?.running = true
                rec.containers[owner.container]?.adopted = true
                rec.containers[owner.container]?.hasRun = true
                state[owner.uid] = rec
                adopted += 1
                logger.info("container adopted", metadata: ["pvd.container.id": "\(c.id)", "pvd.status": "\(c.status)"])
                continue
            }
            do {
                if let owner = RuntimeLayout.owner(of: c.id) {
                    try await launcher.teardown(uid: owner.uid, container: owner.container)
                } else {
                    try await launcher.runc.delete(c.id)
                }
                removed += 1
                logger.info("orphan container removed", metadata: ["pvd.container.id": "\(c.id)"])
            } catch {
                logger.warning("orphan container not removed", metadata: ["pvd.container.id": "\(c.id)", "pvd.error": "\(error.message)"])
            }
        }
        // Pod directories: a Pod that is gone loses all of it; a live Pod's containers that
        // runc does not list were being prepared or had ended: their pieces go.
        let uids = (try? FileManager.default.contentsOfDirectory(atPath: layout.podsDirectory)) ?? []
        for uid in uids.sorted() {
            let owned = pods.contains { $0.metadata.uid == uid && $0.spec.nodeName == nodeName }
            let dirs = (try? FileManager.default.contentsOfDirectory(atPath: "\(layout.pod(uid))/containers")) ?? []
            if !owned {
                do {
                    try await launcher.removePod(uid: uid, containers: dirs)
                    removed += 1
                    logger.info("orphan pod directory removed", metadata: ["pvd.pod.uid": "\(uid)"])
                } catch {
                    logger.warning("orphan pod directory not removed", metadata: ["pvd.pod.uid": "\(uid)", "pvd.error": "\(error.message)"])
                }
                continue
            }
            for name in dirs where state[uid]?.containers[name]?.adopted != true {
                try? await launcher.teardown(uid: uid, container: name)
            }
        }
        // Running in the store, unknown to runc: lost while pvd was down.
        for (uid, pod) in live {
            var rec = state[uid] ?? PodRecord(pod: pod, uid: uid)
            var lost: [String] = []
            for (name, c) in rec.containers where c.status.state?.running != nil && !c.running {
                rec.containers[name]?.running = true
                lost.append(name)
            }
            guard !lost.isEmpty else { continue }
            state[uid] = rec
            for name in lost { await finish(uid, name, exitCode: 137, reason: "ContainerStatusUnknown", &state) }
        }
        logger.info("runtime recovery done", metadata: ["pvd.adopted": "\(adopted)", "pvd.removed": "\(removed)"])
    }
}
