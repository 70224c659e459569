import Logging
import PVDModel
import PVDStore

#if canImport(Glibc)
import Glibc
#endif

extension PodRuntime {
    /// Writes the Pod's status as the record says, when it differs from the stored one:
    /// read, change, compare-and-swap, again on a conflict (another writer got in between).
    /// The events recorded since the last write go in the same commit.
    func writeStatus(_ pod: Pod, _ rec: inout PodRecord) async {
        let events = rec.pendingEvents
        rec.pendingEvents = []
        let snapshot = rec
        await modify(pod, what: "status", with: events.map { .create(.event($0)) }) { p in
            let rec = snapshot
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

    /// Writes the events recorded for a Pod whose status is not written (one being stopped).
    func flushEvents(_ rec: inout PodRecord) async {
        guard !rec.pendingEvents.isEmpty else { return }
        let writes = rec.pendingEvents.map { StoreWrite.create(.event($0)) }
        rec.pendingEvents = []
        do {
            _ = try await store.commit(writes)
        } catch {
            logger.debug("events not recorded", metadata: ["pvd.pod": "\(rec.key)", "pvd.error": "\(error.message)"])
        }
    }

    /// Read-modify-write of one Pod (the same uid only), at most five rounds on conflicts, with
    /// `extra` writes (events) in the same commit; when the Pod needs no change, `extra` alone.
    func modify(_ pod: Pod, what: String, with extra: [StoreWrite] = [], _ change: (inout Pod) -> Bool) async {
        var current = pod
        for _ in 0..<5 {
            guard change(&current) else {
                if !extra.isEmpty { _ = try? await store.commit(extra) }
                return
            }
            do {
                _ = try await store.commit([.update(.pod(current))] + extra)
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
}
