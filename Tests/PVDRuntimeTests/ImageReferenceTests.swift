import PVDRuntime
import Testing

/// Image names normalised as Kubernetes normalises them.
struct ImageReferenceTests {
    @Test(arguments: [
        ("alpine", "docker.io/library/alpine:latest"),
        ("alpine:3.19", "docker.io/library/alpine:3.19"),
        ("library/alpine", "docker.io/library/alpine:latest"),
        ("bitnami/redis:7", "docker.io/bitnami/redis:7"),
        ("docker.io/alpine", "docker.io/library/alpine:latest"),
        ("index.docker.io/library/alpine", "docker.io/library/alpine:latest"),
        ("quay.io/coreos/etcd:v3.5", "quay.io/coreos/etcd:v3.5"),
        ("localhost:5000/app", "localhost:5000/app:latest"),
        ("registry:5000/team/app:1", "registry:5000/team/app:1"),
        ("alpine@sha256:abc", "docker.io/library/alpine@sha256:abc"),
    ])
    func normalises(name: String, expected: String) {
        #expect(ImageReference(name)?.description == expected)
    }

    @Test(arguments: ["", "Alpine", "a b", "alpine:", "a//b", "alpine@nodigest"])
    func refuses(name: String) {
        #expect(ImageReference(name) == nil)
    }
}
