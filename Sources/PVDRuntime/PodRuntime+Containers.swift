import Logging
import PVDDrivers
import PVDModel
import PVDStore

#if canImport(Glibc)
import Glibc
#endif

extension PodRuntime {
    /// Why nothing of the Pod can start yet, per container ("" for all): a claim that does not
    /// exist or is not published here yet (ContainerCreating), an image not in the store
    /// (ErrImageNeverPull, with a Warning event once). Nil when everything is in place.
    func blockers(_ pod: Pod, uid: String, _ rec: inout PodRecord) async -> [String: ContainerStateWaiting]? {
        var out: [String: ContainerStateWaiting] = [:]
        let mounts = Set(((try? MountTable.entries()) ?? []).map(\.mountPoint))
        for volume in pod.spec.volumes ?? [] {
            guard let claim = volume.persistentVolumeClaim else { continue }
            if !mounts.contains(layout.volume(uid, claim: claim.claimName)) {
                var message = "waiting for volume \(volume.name) (claim \(claim.claimName)) to be published"
                do {
                    _ = try await store.get(PersistentVolumeClaim.self, namespace: rec.namespace, name: claim.claimName)
                } catch where error.code == .notFound {
                    message = "persistentvolumeclaim \"\(claim.claimName)\" not found"
                } catch {}
                out[""] = ContainerStateWaiting(reason: "ContainerCreating", message: message)
                break
            }
        }
        for c in (pod.spec.initContainers ?? []) + (pod.spec.containers ?? []) {
            let image = c.image ?? ""
            let resolved: ImageStore.Resolved?
            do {
                resolved = try images.resolve(image)
            } catch {
                out[c.name] = ContainerStateWaiting(reason: "InvalidImageName", message: error.message)
                continue
            }
            guard resolved == nil else { continue }
            let message = "Container image \"\(image)\" is not present with pull policy of Never"
            out[c.name] = ContainerStateWaiting(reason: "ErrImageNeverPull", message: message)
            if rec.announced.insert("ErrImageNeverPull/\(c.name)").inserted {
                rec.record(.warning, "ErrImageNeverPull", message)
                logger.warning("image not present", metadata: ["pvd.pod": "\(rec.key)", "pvd.container": "\(c.name)", "pvd.image": "\(image)"])
            }
        }
        return out.isEmpty ? nil : out
    }

    /// Starts what is due: init containers one at a time in order, then every app container;
    /// a container in back-off waits for its time.
    func progress(_ pod: Pod, uid: String, _ rec: inout PodRecord) async {
        let now = ContinuousClock.now
        for name in rec.initNames {
            guard let c = rec.containers[name] else { continue }
            if c.succeeded { continue }
            if c.finished || c.running { return }
            if let at = c.restartAt, at > now { return }
            if let spec = pod.spec.initContainers?.first(where: { $0.name == name }) { await start(pod, spec, uid: uid, &rec) }
            return
        }
        for name in rec.appNames {
            guard let c = rec.containers[name], !c.running, !c.finished else { continue }
            if let at = c.restartAt, at > now { continue }
            if let spec = pod.spec.containers?.first(where: { $0.name == name }) { await start(pod, spec, uid: uid, &rec) }
        }
    }

    /// Prepares and starts one run of a container; its exit comes back through the mailbox.
    func start(_ pod: Pod, _ spec: Container, uid: String, _ rec: inout PodRecord) async {
        guard var c = rec.containers[spec.name] else { return }
        let meta: Logger.Metadata = ["pvd.pod": "\(rec.key)", "pvd.container": "\(spec.name)"]
        do {
            guard let image = try images.resolve(spec.image ?? "") else { return }
            if c.hasRun { c.status.restartCount += 1 }
            if !rec.announced.contains("Pulled/\(spec.name)/\(image.digest)") {
                rec.announced.insert("Pulled/\(spec.name)/\(image.digest)")
                rec.record(.normal, "Pulled", "Container image \"\(spec.image ?? "")\" already present on machine")
            }
            try launcher.writePodFiles(uid: uid, podName: pod.metadata.name)
            _ = try await launcher.prepare(pod: pod, uid: uid, container: spec, image: image)
            c.status.image = image.name
        } catch {
            // Nothing started: the prepared pieces go, and the next attempt waits a back-off.
            try? await launcher.teardown(uid: uid, container: spec.name)
            c.status.state = ContainerState(waiting: ContainerStateWaiting(reason: "CreateContainerError", message: error.message))
            c.restartAt = ContinuousClock.now + RestartRules.initialBackoff
            rec.containers[spec.name] = c
            if rec.announced.insert("Failed/\(spec.name)/\(error.message)").inserted {
                rec.record(.warning, "Failed", "Error: \(error.message)")
            }
            logger.warning("container not created", metadata: meta.merging(["pvd.error": "\(error.message)"]) { a, _ in a })
            return
        }
        let id = RuntimeLayout.containerID(podUID: uid, container: spec.name)
        rec.record(.normal, "Created", "Created container \(spec.name)")
        let (launcher, mailbox, logger, run) = (self.launcher, self.mailbox, self.logger, c.status.restartCount)
        let name = spec.name
        // Detached: the wait outlives a shutting-down daemon's services (the container runs on
        // and the next pvd adopts it), and is never cancelled with them.
        Task.detached {
            let code: Int32
            do throws(RuntimeError) {
                switch try await launcher.run(uid: uid, container: name, run: run) {
                case .exited(let n): code = n
                case .signalled(let s): code = 128 + s
                }
            } catch {
                logger.warning("container run failed", metadata: ["pvd.container.id": "\(id)", "pvd.error": "\(error.message)"])
                code = 128
            }
            await mailbox.exited(.init(uid: uid, container: name, exitCode: code))
        }
        // runc writes the pid file once the container's process runs: only then is it Running,
        // as the kubelet reports a container once its runtime has started it.
        let (pidFile, exitFile) = (layout.pidFile(uid, name), layout.exitFile(uid, name))
        Task.detached {
            // At most a minute; a run that ends without a pid file never started.
            for _ in 0..<12000 {
                if access(pidFile, F_OK) == 0 {
                    await mailbox.started(uid: uid, container: name)
                    return
                }
                if access(exitFile, F_OK) == 0 { return }
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        c.running = true
        c.hasRun = true
        c.restartAt = nil
        c.termSent = false
        c.status.state = ContainerState(waiting: ContainerStateWaiting(reason: "ContainerCreating"))
        c.status.containerID = "runc://\(id)"
        rec.containers[spec.name] = c
        logger.info("container created", metadata: meta.merging(["pvd.container.id": "\(id)", "pvd.restarts": "\(run)"]) { a, _ in a })
    }

    /// runc started the run's process: the container is Running (and Ready: pvd has no probes).
    func started(_ uid: String, _ name: String, _ state: inout [String: PodRecord]) {
        guard var rec = state[uid], var c = rec.containers[name], c.running, c.status.state?.running == nil else { return }
        c.status.state = ContainerState(running: ContainerStateRunning(startedAt: Time.now()))
        c.status.ready = true
        c.status.started = true
        rec.containers[name] = c
        rec.record(.normal, "Started", "Started container \(name)")
        state[uid] = rec
        logger.info("container started", metadata: ["pvd.pod": "\(rec.key)", "pvd.container": "\(name)", "pvd.restarts": "\(c.status.restartCount)"])
    }

    /// A run ended: its state, its OOM verdict, its removal, and whether it runs again.
    func finish(_ uid: String, _ name: String, exitCode: Int32, reason: String? = nil, _ state: inout [String: PodRecord]) async {
        guard var rec = state[uid], var c = rec.containers[name], c.running else { return }
        let id = RuntimeLayout.containerID(podUID: uid, container: name)
        let oom = Runc.wasOOMKilled(containerID: id)
        // Removed after the status is written: runc delete is not on the way to Succeeded.
        rec.pendingTeardown.append(name)
        var term = ContainerStateTerminated(
            exitCode: exitCode, reason: reason ?? RestartRules.reason(exitCode: exitCode, oomKilled: oom),
            startedAt: c.status.state?.running?.startedAt ?? Time.now(), finishedAt: Time.now())
        term.signal = exitCode > 128 ? exitCode - 128 : nil
        c.running = false
        c.adopted = false
        c.status.ready = false
        c.status.started = false
        c.status.state = ContainerState(terminated: term)
        let policy = rec.restartPolicy
        let again = rec.stopDeadline == nil
            && (c.isInit ? RestartRules.restartsInit(policy: policy, exitCode: exitCode) : RestartRules.restarts(policy: policy, exitCode: exitCode))
        if again {
            let wait = RestartRules.backoff(restarts: Int(c.status.restartCount) + 1)
            c.restartAt = ContinuousClock.now + wait
            c.status.lastState = ContainerState(terminated: term)
            c.status.state = ContainerState(waiting: ContainerStateWaiting(
                reason: "CrashLoopBackOff", message: "back-off \(wait) restarting failed container=\(name) pod=\(rec.name)"))
            rec.record(.warning, "BackOff", "Back-off restarting failed container \(name) in pod \(rec.name)")
        } else {
            c.finished = true
        }
        rec.containers[name] = c
        state[uid] = rec
        logger.info("container exited", metadata: [
            "pvd.pod": "\(rec.key)", "pvd.container": "\(name)", "pvd.exitCode": "\(exitCode)", "pvd.reason": "\(term.reason ?? "")",
            "pvd.restarts": "\(again)",
        ])
    }

    /// Stops every run of the Pod: TERM once, KILL once the grace period is over (at once when
    /// not graceful); no container starts or restarts any more.
    func stop(_ rec: inout PodRecord, graceful: Bool, grace: Int64 = 0) async {
        let now = ContinuousClock.now
        if rec.stopDeadline == nil {
            rec.stopDeadline = now + .seconds(graceful ? max(0, grace) : 0)
            for name in rec.containers.keys { rec.containers[name]?.restartAt = nil }
        }
        let overdue = now >= (rec.stopDeadline ?? now)
        for name in (rec.initNames + rec.appNames) {
            guard var c = rec.containers[name] else { continue }
            if !c.running {
                c.finished = true
            } else {
                let id = RuntimeLayout.containerID(podUID: rec.uid, container: name)
                if !c.termSent {
                    c.termSent = await launcher.runc.kill(id, signal: "TERM")
                    if c.termSent {
                        rec.record(.normal, "Killing", "Stopping container \(name)")
                        logger.info("container stopping", metadata: ["pvd.pod": "\(rec.key)", "pvd.container": "\(name)", "pvd.grace": "\(grace)"])
                    }
                }
                if overdue {
                    await launcher.runc.kill(id, signal: "KILL")
                }
            }
            rec.containers[name] = c
        }
    }

    /// Removes the runs that ended since the last pass (runc delete, overlay, bundle).
    func tearDownEnded(_ rec: inout PodRecord) async {
        for name in rec.pendingTeardown where rec.containers[name]?.running != true {
            do {
                try await launcher.teardown(uid: rec.uid, container: name)
            } catch {
                logger.warning("container not removed", metadata: ["pvd.pod": "\(rec.key)", "pvd.container": "\(name)", "pvd.error": "\(error.message)"])
            }
        }
        rec.pendingTeardown = []
    }

    /// Containers an earlier pvd started: their exit files say when and how they ended; one
    /// runc no longer runs without an exit file was lost (137, ContainerStatusUnknown).
    func checkAdopted(_ state: inout [String: PodRecord]) async {
        let adopted = state.values.flatMap { rec in rec.containers.filter { $0.value.adopted && $0.value.running }.map { (rec.uid, $0.key) } }
        guard !adopted.isEmpty else { return }
        let listed = (try? await launcher.runc.list()) ?? []
        for (uid, name) in adopted {
            if let code = Runc.recordedExit(layout.exitFile(uid, name)) {
                await finish(uid, name, exitCode: code, &state)
            } else if !listed.contains(where: { $0.id == RuntimeLayout.containerID(podUID: uid, container: name) && $0.status == "running" }) {
                await finish(uid, name, exitCode: 137, reason: "ContainerStatusUnknown", &state)
            }
        }
    }
}
