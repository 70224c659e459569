import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension RuntimeSuites {
    /// Restart policy, init containers, KILL and OOM exit states, and protection of a claim in use,
    /// through a real `pvd serve --runtime runc`.
    @Suite
    struct PodLifecycleCLITests {
        @Test func onFailureRestartsAfterTheBackoff() async throws {
            let f = try RuntimeFixture()
            defer { f.cleanup() }
            let serve = try await f.start()
            // Fails on its first run, succeeds on its second.
            let script = "echo run >> /opt/runs; echo attempt $(wc -l < /opt/runs); [ $(wc -l < /opt/runs) -ge 2 ] && exit 0; exit 1"
            let pod = RuntimeFixture.pod("flaky", script: script, policy: "OnFailure")
            try f.pvd.ok(["apply", "-f", try f.pvd.write("f.yaml", RuntimeFixture.classAndClaim + "---\n" + pod)])
            #expect(await f.wait("flaky", seconds: 30) { ($0?.path("status.containerStatuses") as? [[String: Any]])?.first?.path("state.waiting.reason") as? String == "CrashLoopBackOff" },
                    "\(serve.log.suffix(3000))")
            #expect(await f.waitPhase("flaky", "Succeeded", seconds: 60), "\(serve.log.suffix(3000))")
            let status = f.containerStatus("flaky")
            // kubelet's first back-off is 10 s: from the first run's end, as the status records
            // it, to the second run's start (whole seconds, so 9 at least). Read from the
            // status, not the test's clock, which a loaded machine makes late.
            let stamp = ISO8601DateFormatter()
            let ended = (status?.path("lastState.terminated.finishedAt") as? String).flatMap(stamp.date(from:))
            let restarted = (status?.path("state.terminated.startedAt") as? String).flatMap(stamp.date(from:))
            #expect(ended != nil && restarted != nil, "\(String(describing: status))")
            if let ended, let restarted { #expect(restarted.timeIntervalSince(ended) >= 9, "\(ended) → \(restarted)") }
            #expect(status?["restartCount"] as? Int == 1)
            #expect(status?.path("lastState.terminated.exitCode") as? Int == 1)
            #expect(status?.path("state.terminated.exitCode") as? Int == 0)
            #expect(try f.pvd.ok(["logs", "flaky"]).stdout == "attempt 2\n")
            #expect(try f.pvd.ok(["logs", "flaky", "--previous"]).stdout == "attempt 1\n")
            #expect(try f.pvd.ok(["get", "events", "-o", "json"]).stdout.contains("BackOff"))
        }

        @Test func initContainersRunInOrderBeforeTheApp() async throws {
            let f = try RuntimeFixture()
            defer { f.cleanup() }
            let serve = try await f.start()
            let pod = """
                apiVersion: v1
                kind: Pod
                metadata: {name: ordered}
                spec:
                  restartPolicy: Never
                  initContainers:
                  - {name: one, image: alpine, command: ["/bin/sh", "-c", "sleep 1; echo one >> /opt/order"], volumeMounts: [{mountPath: /opt, name: v}]}
                  - {name: two, image: alpine, command: ["/bin/sh", "-c", "echo two >> /opt/order"], volumeMounts: [{mountPath: /opt, name: v}]}
                  containers:
                  - {name: app, image: alpine, command: ["/bin/sh", "-c", "echo app >> /opt/order; cat /etc/hostname"], volumeMounts: [{mountPath: /opt, name: v}]}
                  volumes: [{name: v, persistentVolumeClaim: {claimName: data}}]

                """
            try f.pvd.ok(["apply", "-f", try f.pvd.write("o.yaml", RuntimeFixture.classAndClaim + "---\n" + pod)])
            #expect(await f.waitPhase("ordered", "Succeeded"), "\(serve.log.suffix(3000))")
            #expect(try String(contentsOfFile: try f.volumeDirectory() + "/order", encoding: .utf8) == "one\ntwo\napp\n")
            #expect(try f.pvd.ok(["logs", "ordered", "-c", "app"]).stdout == "ordered\n")
            let inits = f.pod("ordered")?.path("status.initContainerStatuses") as? [[String: Any]]
            #expect(inits?.map { $0.path("state.terminated.reason") as? String } == ["Completed", "Completed"])
        }

        @Test func killGives137AndAnOOMIsOOMKilled() async throws {
            let f = try RuntimeFixture()
            defer { f.cleanup() }
            let serve = try await f.start()
            let sleeper = RuntimeFixture.pod("sleeper", script: "sleep 600")
            // `tail -n 1` keeps a whole line in memory, and /dev/zero has no newline: far past a 16Mi limit.
            let hog = RuntimeFixture.pod("hog", script: "head -c 200000000 /dev/zero | tail -n 1 > /dev/null")
                .replacingOccurrences(of: "    volumeMounts:", with: "    resources: {limits: {memory: 16Mi}}\n    volumeMounts:")
                .replacingOccurrences(of: "claimName: data", with: "claimName: data\n")
            try f.pvd.ok(["apply", "-f", try f.pvd.write("k.yaml", RuntimeFixture.classAndClaim + "---\n" + sleeper + "---\n" + hog)])
            #expect(await f.waitPhase("sleeper", "Running"), "\(serve.log.suffix(3000))")
            let uid = try #require(f.pod("sleeper")?.path("metadata.uid") as? String)
            #expect(await f.wait("-", seconds: 10) { _ in f.containers().contains("\(uid)-app") })
            _ = RuntimeFixture.capture("/usr/sbin/runc", ["--root", f.runcRoot, "kill", "\(uid)-app", "KILL"])
            #expect(await f.waitPhase("sleeper", "Failed", seconds: 30), "\(serve.log.suffix(3000))")
            #expect(f.containerStatus("sleeper")?.path("state.terminated.exitCode") as? Int == 137)
            #expect(await f.waitPhase("hog", "Failed", seconds: 60), "\(serve.log.suffix(3000))")
            #expect(f.containerStatus("hog")?.path("state.terminated.reason") as? String == "OOMKilled", "\(String(describing: f.containerStatus("hog")))")
        }

        @Test func aClaimInUseByARunningPodStaysTerminatingUntilThePodIsGone() async throws {
            let f = try RuntimeFixture()
            defer { f.cleanup() }
            let serve = try await f.start()
            let pod = RuntimeFixture.pod("user", script: "sleep 600", extra: "  terminationGracePeriodSeconds: 1")
            try f.pvd.ok(["apply", "-f", try f.pvd.write("u.yaml", RuntimeFixture.classAndClaim + "---\n" + pod)])
            #expect(await f.waitPhase("user", "Running"), "\(serve.log.suffix(3000))")
            try f.pvd.ok(["delete", "pvc", "data"])
            try await Task.sleep(for: .milliseconds(1500))
            let claim = try #require(try f.pvd.items("pvc").first)
            #expect(claim.path("metadata.deletionTimestamp") != nil)
            #expect(try f.pvd.ok(["get", "pvc"]).stdout.contains("Terminating"))
            try f.pvd.ok(["delete", "pod", "user", "--wait"])
            #expect(await f.wait("-", seconds: 30) { _ in ((try? f.pvd.items("pvc")) ?? []).isEmpty }, "\(serve.log.suffix(3000))")
            #expect(f.containers().isEmpty)
        }

        @Test func userEnvironmentHostnameAndEtcFilesReachTheProcess() async throws {
            let f = try RuntimeFixture()
            defer { f.cleanup() }
            let serve = try await f.start()
            let script = "echo uid=$(id -u) gid=$(id -g) groups=$(id -G); echo host=$(hostname) env=$GREETING/$HOSTNAME; "
                + "cat /etc/hostname; grep -c localhost /etc/hosts; echo pwd=$(pwd); touch /opt/by-user; ls -n /opt/by-user"
            let pod = RuntimeFixture.pod("who", script: script, extra: "  securityContext: {runAsUser: 1000, runAsGroup: 2000, fsGroup: 3000}")
                .replacingOccurrences(of: "    volumeMounts:", with: "    env: [{name: GREETING, value: hello}]\n    workingDir: /tmp\n    volumeMounts:")
            try f.pvd.ok(["apply", "-f", try f.pvd.write("c.yaml", RuntimeFixture.classAndClaim)])
            // The volume is root's: let the Pod's user write into it (a hostPath volume is never given
            // the fsGroup, as in Kubernetes).
            #expect(await f.wait("-", seconds: 60) { _ in (try? f.volumeDirectory()) != nil })
            _ = chmod(try f.volumeDirectory(), 0o777)
            try f.pvd.ok(["apply", "-f", try f.pvd.write("w.yaml", pod)])
            #expect(await f.wait("who", seconds: 90) { ["Succeeded", "Failed"].contains($0?.path("status.phase") as? String ?? "") }, "\(serve.log.suffix(3000))")
            let logs = try f.pvd.ok(["logs", "who"]).stdout
            #expect(logs.contains("uid=1000 gid=2000 groups=2000 3000"), "\(logs)")
            #expect(logs.contains("host=who env=hello/who"), "\(logs)")
            #expect(logs.contains("\nwho\n"), "\(logs)")
            #expect(logs.contains("pwd=/tmp"), "\(logs)")
            #expect(logs.contains(" 1000 "), "the file in the volume is the Pod user's: \(logs)")
        }
    }
}
