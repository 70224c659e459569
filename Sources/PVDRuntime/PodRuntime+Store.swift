import Logging
import PVDModel
import PVDStore

#if canImport(Glibc)
import Glibc
#endif

extension PodRuntime {
    /// Writes the Pod's status as the record says, when it differs from the stored one:
    /// read, change, compare-and-swap, again on a conflict (another writer got in between).
    func writeStatus(_ pod: Pod, _ rec: PodRecord) async {
        await modify(pod, what: "status") { p in
            var status = p.status ?? PodStatus()
            let app = rec.appNames.compactMap { rec.containers[$0] }
            let inits = rec.initNames.compactMap { rec.containers[$0] }
            status.containerStatuses = app.map(\.status)
            status.initContainerStatuses = inits.isEmpty ? nil : inits.map(\.status)
            status.startTime = rec.startTime
            let initFailed = inits.contains { $0.finished && !$0.succeeded }
            status.phase = PodPhaseRules.phase(
                initDone: inits.allSatisfy(\.succeeded), initFailed: initFailed,
                containers: app.map { ($0.status, !$0.finished) })
            guard status != p.status else { return false }
            if status.phase != p.status?.phase {
                logger.info("pod phase", metadata: ["pvd.pod": "\(rec.key)", "pvd.phase": "\(status.phase ?? "")"])
            }
            p.status = status
            return true
        }
    }

    func addFinalizer(_ pod: Pod) async {
        await modify(pod, what: "finalizer") { p in
            guard !p.metadata.hasFinalizer(Finalizers.podRuntime), p.metadata.deletionTimestamp == nil else { return false }
            p.metadata.finalizers = (p.metadata.finalizers ?? []) + [Finalizers.podRuntime]
            return true
        }
    }

    func removeFinalizer(_ pod: Pod) async {
        await modify(pod, what: "finalizer") { p in
            guard p.metadata.hasFinalizer(Finalizers.podRuntime) else { return false }
            p.metadata.finalizers?.removeAll { $0 == Finalizers.podRuntime }
            return true
        }
        logger.info("pod released", metadata: ["pvd.pod": "\(pod.key)"])
    }

    /// Read-modify-write of one Pod (the same uid only), at most five rounds on conflicts.
    func modify(_ pod: Pod, what: String, _ change: (inout Pod) -> Bool) async {
        var current = pod
        for _ in 0..<5 {
            guard change(&current) else { return }
            do {
                _ = try await store.update(current)
                return
            } catch where error.code == .conflict {
                guard let fresh = try? await store.get(Pod.self, namespace: pod.metadata.namespace, name: pod.metadata.name),
                      fresh.metadata.uid == pod.metadata.uid
                else { return }
                current = fresh
            } catch {
                logger.warning("pod \(what) not written", metadata: ["pvd.pod": "\(pod.key)", "pvd.error": "\(error.message)"])
                return
            }
        }
    }

    func event(_ pod: Pod, _ type: EventType, _ reason: String, _ message: String) async {
        await event(pod.reference, namespace: pod.metadata.namespace ?? "default", name: pod.metadata.name, type, reason, message)
    }

    func event(reference rec: PodRecord, _ type: EventType, _ reason: String, _ message: String) async {
        var ref = ObjectReference()
        ref.kind = "Pod"
        ref.apiVersion = "v1"
        ref.namespace = rec.namespace
        ref.name = rec.name
        ref.uid = rec.uid
        await event(ref, namespace: rec.namespace, name: rec.name, type, reason, message)
    }

    /// One Event on the Pod, from the `kubelet` component as Kubernetes' are.
    func event(_ ref: ObjectReference, namespace: String, name: String, _ type: EventType, _ reason: String, _ message: String) async {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let suffix = String(UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec), radix: 16)
        let e = Event(name: "\(name).\(suffix)", namespace: namespace, involvedObject: ref, type: type, reason: reason,
                      message: message, at: Time.now(), component: "kubelet")
        do {
            _ = try await store.create(e)
        } catch {
            logger.debug("event not recorded", metadata: ["pvd.pod": "\(namespace)/\(name)", "pvd.reason": "\(reason)", "pvd.error": "\(error.message)"])
        }
    }
}
