import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension RuntimeSuites {
    /// Pods that really run: a real `pvd serve --runtime runc` subprocess, real runc, real mounts,
    /// the busybox image built by the test. One daemon at a time (the suite is serialized): each
    /// starts containers and the machine has two cores.
    @Suite
    struct PodRuntimeCLITests {
        /// The issue's manifest as the README shows it and deploy/pods ships it.
        static var manifest: String {
            let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            return (try? String(contentsOf: packageRoot.appendingPathComponent("deploy/pods/random-number-generator.yaml"), encoding: .utf8)) ?? ""
        }

        @Test func theIssuesManifestTwiceKeepsBothNumbers() async throws {
            let f = try RuntimeFixture()
            defer { f.cleanup() }
            let serve = try await f.start()
            #expect(Self.manifest.contains("shuf -i 0-100 -n 1 >> /opt/number.out;"))
            let file = try f.pvd.write("pod.yaml", RuntimeFixture.classAndClaim + "---\n" + Self.manifest)
            for run in 1...2 {
                try f.pvd.ok(["apply", "-f", file])
                #expect(await f.waitPhase("random-number-generator", "Succeeded"), "run \(run): \(serve.log.suffix(3000))")
                let status = f.containerStatus("random-number-generator")
                #expect(status?.path("state.terminated.exitCode") as? Int == 0)
                #expect(status?.path("state.terminated.reason") as? String == "Completed")
                let table = try f.pvd.ok(["get", "pods"]).stdout
                #expect(table.contains("random-number-generator   0/1     Completed   0"), "\(table)")
                try f.pvd.ok(["delete", "pod", "random-number-generator", "--wait"])
            }
            let numbers = try String(contentsOfFile: try f.volumeDirectory() + "/number.out", encoding: .utf8)
                .split(separator: "\n").compactMap { Int($0) }
            #expect(numbers.count == 2 && numbers.allSatisfy { (0...100).contains($0) }, "\(numbers)")
            #expect(f.containers().isEmpty)
            #expect(OwnDevices.mounts(under: f.pvd.root.appendingPathComponent("runtime").path).isEmpty)
        }

        @Test func readOnlyMountRefusesWritesAndExitCodeSeven() async throws {
            let f = try RuntimeFixture()
            defer { f.cleanup() }
            let serve = try await f.start()
            let pod = RuntimeFixture.pod("ro", script: "echo hello > /opt/f; echo written=$?; exit 7", readOnly: true)
            try f.pvd.ok(["apply", "-f", try f.pvd.write("ro.yaml", RuntimeFixture.classAndClaim + "---\n" + pod)])
            #expect(await f.waitPhase("ro", "Failed"), "\(serve.log.suffix(3000))")
            let status = f.containerStatus("ro")
            #expect(status?.path("state.terminated.exitCode") as? Int == 7)
            #expect(status?.path("state.terminated.reason") as? String == "Error")
            let logs = try f.pvd.ok(["logs", "ro"]).stdout
            #expect(logs.contains("Read-only file system") && logs.contains("written=1"), "\(logs)")
            #expect(!FileManager.default.fileExists(atPath: try f.volumeDirectory() + "/f"))
            let describe = try f.pvd.ok(["describe", "pod", "ro"]).stdout
            #expect(describe.contains("Exit Code:") && describe.contains("Started") && describe.contains("Created"), "\(describe)")
            try f.pvd.ok(["delete", "pod", "ro", "--wait"])
            #expect(f.containers().isEmpty)
        }

        /// A loop volume's new filesystem is root's (0755): a Pod's non-root user can write to it
        /// only once the volume has the Pod's fsGroup, as the kubelet gives it to `local` volumes.
        @Test func fsGroupLetsANonRootUserWriteToALoopVolume() async throws {
            let f = try RuntimeFixture()
            defer { f.cleanup() }
            let serve = try await f.start()
            let loop = PodPublishingCLITests.classes() + PodPublishingCLITests.claim("data", cls: "loop")
            try f.pvd.ok(["apply", "-f", try f.pvd.write("c.yaml", loop)])
            let script = "id -G; touch /opt/made && echo made; ls -ln /opt"
            // Without fsGroup the user is refused: the test below could fail.
            let plain = RuntimeFixture.pod("plain", script: script, extra: "  securityContext: {runAsUser: 1000, runAsGroup: 1000}")
            try f.pvd.ok(["apply", "-f", try f.pvd.write("plain.yaml", plain)])
            #expect(await f.waitPhase("plain", "Succeeded"), "\(serve.log.suffix(3000))")
            #expect(try f.pvd.ok(["logs", "plain"]).stdout.contains("Permission denied"))
            try f.pvd.ok(["delete", "pod", "plain", "--wait"])

            let grouped = RuntimeFixture.pod("grouped", script: script + "; test -f /opt/made",
                                             extra: "  securityContext: {runAsUser: 1000, runAsGroup: 1000, fsGroup: 2000}")
            try f.pvd.ok(["apply", "-f", try f.pvd.write("grouped.yaml", grouped)])
            #expect(await f.waitPhase("grouped", "Succeeded"), "\(serve.log.suffix(3000)) \((try? f.pvd.ok(["logs", "grouped"]).stdout) ?? "")")
            let logs = try f.pvd.ok(["logs", "grouped"]).stdout
            #expect(logs.contains("1000 2000") && logs.contains("made"), "\(logs)")
            let pv = try #require(try f.pvd.items("pv").first)
            let dir = try #require(pv.path("spec.local.path") as? String)
            typealias Owner = PodPublishingCLITests.GroupMode
            #expect(PodPublishingCLITests.groupAndMode(dir) == Owner(gid: 2000, mode: 0o2775))
            // Made by the Pod's user in a setgid directory: the group is the volume's.
            #expect(PodPublishingCLITests.groupAndMode(dir + "/made")?.gid == 2000)
            #expect(PodPublishingCLITests.owner(dir + "/made") == 1000)
            #expect(PodPublishingCLITests.groupAndMode(dir + "/lost+found") == Owner(gid: 2000, mode: 0o2770))
            #expect(serve.log.contains("pvd.fsGroup=2000"), "\(serve.log.suffix(3000))")
            try f.pvd.ok(["delete", "pod", "grouped", "--wait"])
            #expect(f.containers().isEmpty)
        }

        /// A Block claim in volumeDevices is a block device node in the container: what the
        /// container writes at its start is on the loop volume, read back on the host; mounting
        /// the same claim as a filesystem is refused before anything starts.
        @Test func aBlockClaimIsADeviceInTheContainer() async throws {
            let f = try RuntimeFixture()
            defer { f.cleanup() }
            let serve = try await f.start()
            let claim = PodPublishingCLITests.classes() + PodPublishingCLITests.claim("raw", cls: "loop", block: true)
            let script = "printf hello-block | dd of=/dev/xvda bs=512 count=1 conv=sync 2>/dev/null && dd if=/dev/xvda bs=11 count=1 2>/dev/null; echo; ls -l /dev/xvda"
            let pod = """
                apiVersion: v1
                kind: Pod
                metadata: {name: blk}
                spec:
                  restartPolicy: Never
                  containers:
                  - image: alpine
                    name: app
                    command: ["/bin/sh", "-c"]
                    args: [\(RuntimeFixture.json(script))]
                    volumeDevices: [{name: raw, devicePath: /dev/xvda}]
                  volumes:
                  - name: raw
                    persistentVolumeClaim: {claimName: raw}

                """
            try f.pvd.ok(["apply", "-f", try f.pvd.write("blk.yaml", claim + pod)])
            #expect(await f.waitPhase("blk", "Succeeded"), "\(serve.log.suffix(3000)) \((try? f.pvd.ok(["logs", "blk"]).stdout) ?? "")")
            let logs = try f.pvd.ok(["logs", "blk"]).stdout
            #expect(logs.contains("hello-block") && logs.contains("brw-rw----"), "\(logs)")
            let pv = try #require(try f.pvd.items("pv").first)
            let device = try #require(pv.path("spec.local.path") as? String)
            let head = try FileHandle(forReadingFrom: URL(fileURLWithPath: device)).read(upToCount: 11) ?? Data()
            #expect(String(decoding: head, as: UTF8.self) == "hello-block", "the volume holds \(head as NSData)")
            try f.pvd.ok(["delete", "pod", "blk", "--wait"])

            let mounted = RuntimeFixture.pod("mounted", script: "true").replacingOccurrences(of: "claimName: data", with: "claimName: raw")
            try f.pvd.ok(["apply", "-f", try f.pvd.write("m.yaml", mounted)])
            #expect(await f.wait("mounted", seconds: 60) { ($0?.path("status.containerStatuses") as? [[String: Any]])?.first?.path("state.waiting.reason") as? String == "CreateContainerError" },
                    "\(serve.log.suffix(3000))")
            let describe = try f.pvd.ok(["describe", "pod", "mounted"]).stdout
            #expect(describe.contains("is a Block volume; use volumeDevices"), "\(describe)")
            try f.pvd.ok(["delete", "pod", "mounted", "--wait"])
            #expect(f.containers().isEmpty)
        }

        @Test func deletingAPodThatIgnoresTermEndsAfterItsGracePeriod() async throws {
            let f = try RuntimeFixture()
            defer { f.cleanup() }
            let serve = try await f.start()
            let pod = RuntimeFixture.pod("stubborn", script: "trap '' TERM; echo up; while true; do sleep 1; done", extra: "  terminationGracePeriodSeconds: 3")
            try f.pvd.ok(["apply", "-f", try f.pvd.write("t.yaml", RuntimeFixture.classAndClaim + "---\n" + pod)])
            #expect(await f.waitPhase("stubborn", "Running"), "\(serve.log.suffix(3000))")
            #expect(f.containers().count == 1)
            let started = Date()
            try f.pvd.ok(["delete", "pod", "stubborn"])
            // The claim's volume stays published while the container runs.
            let uid = try #require(f.pod("stubborn")?.path("metadata.uid") as? String)
            let published = f.pvd.root.appendingPathComponent("pods/\(uid)/volumes/data").path
            #expect(OwnDevices.mounts(under: published).count == 1)
            #expect(await f.wait("stubborn", seconds: 30) { $0 == nil })
            let took = Date().timeIntervalSince(started)
            #expect(took >= 3 && took < 20, "took \(took) s")
            #expect(f.containers().isEmpty)
            #expect(await f.wait("-", seconds: 10) { _ in
                OwnDevices.mounts(under: f.pvd.root.appendingPathComponent("pods").path).isEmpty
            })
            let events = try f.pvd.ok(["get", "events", "-o", "json"]).stdout
            #expect(events.contains("Killing"))
        }

        @Test func badInputStartsNothing() async throws {
            let f = try RuntimeFixture()
            defer { f.cleanup() }
            let serve = try await f.start()
            // Validation: a relative mountPath, two mounts on one path, a subPath with `..`.
            let relative = RuntimeFixture.pod("rel", script: "true").replacingOccurrences(of: "mountPath: /opt", with: "mountPath: opt")
            var r = try f.pvd.run(["apply", "-f", try f.pvd.write("rel.yaml", relative)])
            #expect(r.status != 0 && r.stderr.contains("spec.containers[0].volumeMounts[0].mountPath") && r.stderr.contains("absolute"), "\(r.stderr)")
            let twice = RuntimeFixture.pod("twice", script: "true").replacingOccurrences(
                of: "volumeMounts: [{mountPath: /opt, name: data-volume}]",
                with: "volumeMounts: [{mountPath: /opt, name: data-volume}, {mountPath: /opt, name: data-volume}]")
            r = try f.pvd.run(["apply", "-f", try f.pvd.write("twice.yaml", twice)])
            #expect(r.status != 0 && r.stderr.contains("volumeMounts[1].mountPath") && r.stderr.contains("must be unique"), "\(r.stderr)")
            let dotdot = RuntimeFixture.pod("dotdot", script: "true", mount: ", subPath: ../up")
            r = try f.pvd.run(["apply", "-f", try f.pvd.write("dotdot.yaml", dotdot)])
            #expect(r.status != 0 && r.stderr.contains("subPath"), "\(r.stderr)")

            // A claim that does not exist, and an image not in the store.
            let noClaim = RuntimeFixture.pod("noclaim", script: "true")
            try f.pvd.ok(["apply", "-f", try f.pvd.write("noclaim.yaml", noClaim)])
            let noImage = RuntimeFixture.pod("noimage", script: "true").replacingOccurrences(of: "image: alpine", with: "image: nginx:1.27")
                .replacingOccurrences(of: "claimName: data", with: "claimName: other")
            try f.pvd.ok(["apply", "-f", try f.pvd.write("noimage.yaml", noImage)])
            try f.pvd.ok(["apply", "-f", try f.pvd.write("other.yaml", RuntimeFixture.classAndClaim.replacingOccurrences(of: "name: data", with: "name: other"))])
            #expect(await f.wait("noimage", seconds: 60) { ($0?.path("status.containerStatuses") as? [[String: Any]])?.first?.path("state.waiting.reason") as? String == "ErrImageNeverPull" },
                    "\(serve.log.suffix(3000))")
            #expect(await f.wait("noclaim", seconds: 30) {
                let w = ($0?.path("status.containerStatuses") as? [[String: Any]])?.first?.path("state.waiting") as? [String: Any]
                return w?["reason"] as? String == "ContainerCreating" && (w?["message"] as? String ?? "").contains("persistentvolumeclaim \"data\" not found")
            })
            let describe = try f.pvd.ok(["describe", "pod", "noimage"]).stdout
            #expect(describe.contains("ErrImageNeverPull") && describe.contains("is not present with pull policy of Never"), "\(describe)")
            #expect(f.pod("noimage")?.path("status.phase") as? String == "Pending")
            #expect(f.containers().isEmpty)
            #expect(try f.pvd.ok(["get", "pods"]).stdout.contains("ErrImageNeverPull"))
        }

        @Test func subPathThroughASymlinkOutOfTheVolumeIsRefused() async throws {
            let f = try RuntimeFixture()
            defer { f.cleanup() }
            let serve = try await f.start()
            try f.pvd.ok(["apply", "-f", try f.pvd.write("c.yaml", RuntimeFixture.classAndClaim)])
            #expect(await f.wait("-", seconds: 60) { _ in (try? f.volumeDirectory()) != nil })
            let outside = f.pvd.root.appendingPathComponent("outside").path
            try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: try f.volumeDirectory() + "/escape", withDestinationPath: outside)
            let pod = RuntimeFixture.pod("escape", script: "echo pwned > /opt/x", mount: ", subPath: escape")
            try f.pvd.ok(["apply", "-f", try f.pvd.write("p.yaml", pod)])
            #expect(await f.wait("escape", seconds: 60) {
                let w = ($0?.path("status.containerStatuses") as? [[String: Any]])?.first?.path("state.waiting") as? [String: Any]
                return w?["reason"] as? String == "CreateContainerError" && (w?["message"] as? String ?? "").contains("outside its volume")
            }, "\(serve.log.suffix(3000))")
            #expect(!FileManager.default.fileExists(atPath: outside + "/x"))
            #expect(f.containers().isEmpty)
        }

        @Test func killMinusNineWhileAContainerRunsThenRestartAdoptsIt() async throws {
            let f = try RuntimeFixture()
            defer { f.cleanup() }
            let first = try await f.start()
            let pod = RuntimeFixture.pod("survivor", script: "echo start >> /opt/log; sleep 6; echo end >> /opt/log; exit 3")
            try f.pvd.ok(["apply", "-f", try f.pvd.write("s.yaml", RuntimeFixture.classAndClaim + "---\n" + pod)])
            #expect(await f.waitPhase("survivor", "Running"), "\(first.log.suffix(3000))")
            kill(first.process.processIdentifier, SIGKILL)
            first.process.waitUntilExit()
            // The container outlives pvd (runc may still be creating it when pvd dies).
            #expect(await f.wait("-", seconds: 10) { _ in f.containers().count == 1 })
            let second = try await f.start()
            #expect(await f.wait("-", seconds: 10) { _ in second.log.contains("container adopted") }, "\(second.log.suffix(3000))")
            #expect(await f.waitPhase("survivor", "Failed", seconds: 60), "\(second.log.suffix(3000))")
            // The exit code of the adopted run, read from its shim's exit file.
            #expect(f.containerStatus("survivor")?.path("state.terminated.exitCode") as? Int == 3)
            let log = try String(contentsOfFile: try f.volumeDirectory() + "/log", encoding: .utf8)
            #expect(log == "start\nend\n")
            #expect(f.containers().isEmpty)
        }

        @Test func aContainerNoPodOwnsIsCleanedAtStart() async throws {
            let f = try RuntimeFixture()
            defer { f.cleanup() }
            let first = try await f.start()
            let pod = RuntimeFixture.pod("gone", script: "sleep 600")
            try f.pvd.ok(["apply", "-f", try f.pvd.write("g.yaml", RuntimeFixture.classAndClaim + "---\n" + pod)])
            #expect(await f.waitPhase("gone", "Running"), "\(first.log.suffix(3000))")
            let uid = try #require(f.pod("gone")?.path("metadata.uid") as? String)
            kill(first.process.processIdentifier, SIGKILL)
            first.process.waitUntilExit()
            // The Pod goes while no pvd runs (its finalizer dropped by hand, as a forced delete would).
            try f.pvd.ok(["patch", "pod", "gone", "--type", "merge", "-p", #"{"metadata":{"finalizers":null}}"#])
            try f.pvd.ok(["delete", "pod", "gone"])
            let second = try await f.start()
            #expect(await f.wait("-", seconds: 30) { _ in f.containers().isEmpty }, "\(second.log.suffix(3000))")
            #expect(await f.wait("-", seconds: 10) { _ in second.log.contains("orphan container removed") }, "\(second.log.suffix(3000))")
            #expect(await f.wait("-", seconds: 30) { _ in !FileManager.default.fileExists(atPath: f.pvd.root.appendingPathComponent("runtime/\(uid)").path) })
            #expect(OwnDevices.mounts(under: f.pvd.root.appendingPathComponent("runtime").path).isEmpty)
            #expect(access("/sys/fs/cgroup/memory/pvd-\(uid)-app", F_OK) != 0)
        }

        @Test func logsFollowPrintsUntilTheRunEnds() async throws {
            let f = try RuntimeFixture()
            defer { f.cleanup() }
            let serve = try await f.start()
            let pod = RuntimeFixture.pod("talker", script: "echo one; sleep 2; echo two")
            try f.pvd.ok(["apply", "-f", try f.pvd.write("t.yaml", RuntimeFixture.classAndClaim + "---\n" + pod)])
            #expect(await f.waitPhase("talker", "Running"), "\(serve.log.suffix(3000))")
            #expect(await f.wait("-", seconds: 10) { _ in ((try? f.pvd.run(["logs", "talker"]))?.stdout ?? "").contains("one") })
            let followed = try f.pvd.run(["logs", "talker", "-f"])
            #expect(followed.status == 0 && followed.stdout == "one\ntwo\n", "\(followed)")
            #expect(await f.waitPhase("talker", "Succeeded", seconds: 10))
            let wrong = try f.pvd.run(["logs", "talker", "-c", "nope"])
            #expect(wrong.status != 0 && wrong.stderr.contains("choose one of: [app]"), "\(wrong.stderr)")
        }
    }
}
