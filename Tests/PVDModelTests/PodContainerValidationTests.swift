import Foundation
import PVDModel
import Testing

/// Kubernetes' container rules on a Pod, and typed containers through the codecs.
struct PodContainerValidationTests {
    static func pod(_ mounts: [VolumeMount], names: [String] = ["app"], volumes: [String] = ["data"]) -> Pod {
        Pod(name: "p", spec: PodSpec(
            volumes: volumes.map { PodVolume(name: $0, persistentVolumeClaim: PersistentVolumeClaimVolumeSource(claimName: "c")) },
            containers: names.map { Container(name: $0, image: "alpine", volumeMounts: mounts) }))
    }

    @Test(arguments: [
        ([VolumeMount(name: "data", mountPath: "/opt")], nil),
        ([VolumeMount(name: "data", mountPath: "opt")], "spec.containers[0].volumeMounts[0].mountPath: Invalid value: \"opt\": must be an absolute path"),
        ([VolumeMount(name: "nope", mountPath: "/opt")], "spec.containers[0].volumeMounts[0].name: Not found: \"nope\""),
        ([VolumeMount(name: "data", mountPath: "/opt"), VolumeMount(name: "data", mountPath: "/opt/")],
         "spec.containers[0].volumeMounts[1].mountPath: Invalid value: \"/opt/\": must be unique"),
        ([VolumeMount(name: "data", mountPath: "/opt", subPath: "../x")],
         "spec.containers[0].volumeMounts[0].subPath: Invalid value: \"../x\": must not contain '..'"),
        ([VolumeMount(name: "data", mountPath: "/opt", subPath: "/x")],
         "spec.containers[0].volumeMounts[0].subPath: Invalid value: \"/x\": must be a relative path"),
    ] as [([VolumeMount], String?)])
    func mountRules(mounts: [VolumeMount], expected: String?) {
        let errors = Self.pod(mounts).validate().map(\.description)
        if let expected {
            #expect(errors == [expected])
        } else {
            #expect(errors.isEmpty)
        }
    }

    @Test(arguments: [
        ([VolumeDevice(name: "raw", devicePath: "/dev/xvda")], nil),
        ([VolumeDevice(name: "nope", devicePath: "/dev/xvda")], "spec.containers[0].volumeDevices[0].name: Not found: \"nope\""),
        ([VolumeDevice(name: "raw", devicePath: "dev/xvda")], "spec.containers[0].volumeDevices[0].devicePath: Invalid value: \"dev/xvda\": must be an absolute path"),
        ([VolumeDevice(name: "raw", devicePath: "/dev/../xvda")], "spec.containers[0].volumeDevices[0].devicePath: Invalid value: \"/dev/../xvda\": must not contain '..'"),
        ([VolumeDevice(name: "raw", devicePath: "/opt")], "spec.containers[0].volumeDevices[0].devicePath: Invalid value: \"/opt\": can not be used by volumeDevices and volumeMounts"),
        ([VolumeDevice(name: "data", devicePath: "/dev/xvda")], "spec.containers[0].volumeDevices[0].name: Invalid value: \"data\": can not be used by volumeDevices and volumeMounts"),
        ([VolumeDevice(name: "raw", devicePath: "/dev/a"), VolumeDevice(name: "raw", devicePath: "/dev/b")],
         "spec.containers[0].volumeDevices[1].name: Invalid value: \"raw\": must be unique"),
        ([VolumeDevice(name: "", devicePath: "")], "spec.containers[0].volumeDevices[0].name: Required value"),
    ] as [([VolumeDevice], String?)])
    func deviceRules(devices: [VolumeDevice], expected: String?) {
        var pod = Self.pod([VolumeMount(name: "data", mountPath: "/opt")], volumes: ["data", "raw", "other"])
        pod.spec.containers?[0].volumeDevices = devices
        let errors = pod.validate().map(\.description)
        if let expected {
            #expect(errors.first == expected, "\(errors)")
        } else {
            #expect(errors.isEmpty, "\(errors)")
        }
    }

    @Test func containerNamesAreUniqueAcrossInitContainers() {
        var pod = Self.pod([], names: ["app"])
        pod.spec.initContainers = [Container(name: "app", image: "alpine")]
        #expect(pod.validate().map(\.description) == ["spec.containers[0].name: Duplicate value: \"app\""])
    }

    @Test func restartPolicyAndImageAreChecked() {
        var pod = Self.pod([])
        pod.spec.restartPolicy = "Sometimes"
        pod.spec.containers?[0].image = nil
        #expect(pod.validate().map(\.field) == ["spec.containers[0].image", "spec.restartPolicy"])
    }

    @Test(arguments: [
        (PodSecurityContext(runAsUser: 1000, runAsGroup: 1000, fsGroup: 2000, fsGroupChangePolicy: "OnRootMismatch"), nil, []),
        (PodSecurityContext(fsGroup: 0, fsGroupChangePolicy: "Always"), SecurityContext(runAsUser: Pod.maxID), []),
        (PodSecurityContext(fsGroup: -1), nil, ["spec.securityContext.fsGroup: Invalid value: \"-1\": must be between 0 and 2147483647, inclusive"]),
        (PodSecurityContext(runAsUser: Pod.maxID + 1), nil, ["spec.securityContext.runAsUser: Invalid value: \"2147483648\": must be between 0 and 2147483647, inclusive"]),
        (PodSecurityContext(fsGroup: 5, fsGroupChangePolicy: "Sometimes"), nil,
         ["spec.securityContext.fsGroupChangePolicy: Unsupported value: \"Sometimes\": supported values: \"OnRootMismatch\", \"Always\""]),
        (nil, SecurityContext(runAsUser: 1, runAsGroup: -7), ["spec.containers[0].securityContext.runAsGroup: Invalid value: \"-7\": must be between 0 and 2147483647, inclusive"]),
    ] as [(PodSecurityContext?, SecurityContext?, [String])])
    func securityContextRules(pod security: PodSecurityContext?, container: SecurityContext?, expected: [String]) {
        var pod = Self.pod([])
        pod.spec.securityContext = security
        pod.spec.containers?[0].securityContext = container
        #expect(pod.validate().map(\.description) == expected)
    }

    @Test func theIssuesManifestDecodesTyped() throws {
        let yaml = """
            apiVersion: v1
            kind: Pod
            metadata: {name: random-number-generator}
            spec:
              restartPolicy: Never
              containers:
              - image: alpine
                name: alpine
                command: ["/bin/sh", "-c"]
                args: ["shuf -i 0-100 -n 1 >> /opt/number.out;"]
                ports: [{containerPort: 80}]
                volumeMounts: [{mountPath: /opt, name: data-volume}]
              volumes:
              - name: data-volume
                persistentVolumeClaim: {claimName: data}
            """
        let objects = try ManifestReader.read(yaml, source: "pod.yaml")
        let pod = try #require(objects.first?.object.as(Pod.self))
        // An unknown member of a container is ignored with a warning, as for every kind.
        #expect(objects.first?.warnings.contains { $0.contains("ports") } == true)
        let c = try #require(pod.spec.containers?.first)
        #expect(c.command == ["/bin/sh", "-c"])
        #expect(c.args == ["shuf -i 0-100 -n 1 >> /opt/number.out;"])
        #expect(c.volumeMounts == [VolumeMount(name: "data-volume", mountPath: "/opt")])
        #expect(pod.spec.restartPolicy == "Never")
        #expect(pod.validate().isEmpty)
    }
}

/// `spec.restartPolicy` is a field pvd keeps now, selectable as in Kubernetes.
struct PodRestartPolicySelectionTests {
    @Test(arguments: [(nil, "Always"), ("Never", "Never"), ("OnFailure", "OnFailure")] as [(String?, String)])
    func restartPolicyIsSelectableWithItsDefault(policy: String?, expected: String) throws {
        var pod = Pod(name: "p")
        pod.spec.restartPolicy = policy
        let field = try #require(Pod.selectableFields.first { $0.name == "spec.restartPolicy" })
        #expect(field.value(pod) == expected)
        let selector = try FieldSelector(parsing: "spec.restartPolicy=\(expected)")
        #expect(selector.matches(["spec.restartPolicy": field.value(pod)]))
    }
}
