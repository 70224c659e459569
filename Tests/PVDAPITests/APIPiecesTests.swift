import Foundation
import PVDModel
import Testing
import SwiftASN1
import X509

@testable import PVDAPI

/// The API's pure pieces as plain values.
struct APIPiecesTests {
    @Test func tokenFileReadsKubeApiserversCSV() throws {
        let f = try TokenFile.parse("# users\nabc,alice,1,\"team-a,dev\"\n\nxyz,bob,2\n\"q,\"\"q\",carol,3,solo\r\n", source: "t.csv")
        #expect(f.users["abc"] == UserInfo(name: "alice", uid: "1", groups: ["team-a", "dev"]))
        #expect(f.users["xyz"] == UserInfo(name: "bob", uid: "2", groups: []))
        #expect(f.users["q,\"q"] == UserInfo(name: "carol", uid: "3", groups: ["solo"]))
        #expect(f.users.count == 3)
    }

    @Test(arguments: [
        ("abc,alice\n", "line 1: want token,user,uid"),
        ("abc,alice,1,\"open\n", "line 1: an unterminated quote"),
        ("a,b,1\na,c,2\n", "line 2: a token given twice"),
        (",alice,1\n", "line 1: the token and the user name must not be empty"),
    ])
    func badTokenFilesAreNamedByLine(text: String, message: String) {
        #expect(throws: TokenFile.ParseError.self) { try TokenFile.parse(text, source: "t.csv") }
        do { _ = try TokenFile.parse(text, source: "t.csv") } catch {
            #expect(error.description.contains(message), "\(error)")
            #expect(!error.description.contains("abc,"), "a token was quoted in an error")
        }
    }

    @Test func authorizerChainTriesModesInOrder() async throws {
        let user = UserInfo(name: "u")
        let a = RequestAttributes(user: user, verb: "get", isResourceRequest: true, resource: "pods", namespace: "ns", name: "p")
        #expect(try await AuthorizerChain.parse("AlwaysAllow").authorize(a) == .allow)
        #expect(try await AuthorizerChain.parse("AlwaysDeny").authorize(a) == .deny(reason: "Everything is forbidden."))
        // AlwaysDeny has no opinion, so a later mode may still allow.
        #expect(try await AuthorizerChain.parse("AlwaysDeny,AlwaysAllow").authorize(a) == .allow)
        #expect(try AuthorizationMode.parse("Node,RBAC") == [.node, .rbac])
        #expect(throws: AuthorizationModeError.self) { try AuthorizerChain.parse("Node,RBAC,Node") }
        #expect(try AuthorizationMode.parse("RBAC,AlwaysDeny") == [.rbac, .alwaysDeny])
        #expect(throws: AuthorizationModeError.self) { try AuthorizerChain.parse("AlwaysAllow,AlwaysAllow") }
        #expect(throws: AuthorizationModeError.self) { try AuthorizerChain.parse("Sometimes") }
        #expect(a.forbiddenMessage(reason: "") == #"pods "p" is forbidden: User "u" cannot get resource "pods" in API group "" in the namespace "ns""#)
        let cluster = RequestAttributes(user: user, verb: "list", isResourceRequest: true, apiGroup: "storage.k8s.io", resource: "storageclasses")
        #expect(cluster.forbiddenMessage(reason: "no") == #"storageclasses.storage.k8s.io is forbidden: User "u" cannot list resource "storageclasses" in API group "storage.k8s.io" at the cluster scope: no"#)
    }

    @Test func statusesAreKubernetesOwn() throws {
        let s = APIStatus.notFound(.storageClass, name: "x").json
        #expect(s["kind"]?.stringValue == "Status")
        #expect(s["message"]?.stringValue == #"storageclasses.storage.k8s.io "x" not found"#)
        #expect(s["code"] == .int(404))
        #expect(s["details"]?["group"]?.stringValue == "storage.k8s.io")
        let invalid = APIStatus.invalid(.persistentVolumeClaim, name: "c", errors: [.required("spec.accessModes")])
        #expect(invalid.message == #"PersistentVolumeClaim "c" is invalid: spec.accessModes: Required value"#)
        #expect(invalid.causes == [.init(reason: "FieldValueRequired", message: "Required value", field: "spec.accessModes")])
        let two = APIStatus.invalid(.persistentVolumeClaim, name: "c", errors: [.required("a"), .required("b")])
        #expect(two.message.hasSuffix("[a: Required value, b: Required value]"))
    }

    @Test func discoveryListsEveryKindWithShortNames() throws {
        let core = try #require(Discovery.resourceList(group: ""))
        guard case .array(let resources)? = core["resources"] else { Issue.record("no resources"); return }
        let names = resources.compactMap { $0["name"]?.stringValue }
        #expect(names.contains("persistentvolumeclaims") && names.contains("persistentvolumeclaims/status"))
        #expect(!names.contains("events/status"))
        let pvc = resources.first { $0["name"]?.stringValue == "persistentvolumeclaims" }
        #expect(pvc?["shortNames"] == .array([.string("pvc")]))
        let pods = resources.first { $0["name"]?.stringValue == "pods" }
        #expect(pods?["categories"] == .array([.string("all")]))
        #expect(Discovery.groups == ["storage.k8s.io", "coordination.k8s.io", "rbac.authorization.k8s.io"])
        #expect(Discovery.resourceList(group: "snapshot.storage.k8s.io") == nil, "no snapshot kinds yet")
        let aggregated = Discovery.aggregated(core: false)
        guard case .array(let items)? = aggregated["items"] else { Issue.record("no items"); return }
        #expect(items.compactMap { $0["metadata"]?["name"]?.stringValue } == ["storage.k8s.io", "coordination.k8s.io", "rbac.authorization.k8s.io"])
    }

    @Test(arguments: [
        ("/api/v1/namespaces/ns/persistentvolumeclaims/c/status", APIRoute.resource(.init(kind: .persistentVolumeClaim, namespace: "ns", name: "c", subresource: "status"))),
        ("/api/v1/persistentvolumeclaims", .resource(.init(kind: .persistentVolumeClaim))),
        ("/apis/storage.k8s.io/v1/storageclasses/hp", .resource(.init(kind: .storageClass, name: "hp"))),
        ("/api/v1/namespaces/ns/persistentvolumes", .unknown),
        ("/api/v1/persistentvolumeclaims/c", .unknown),
        ("/api/v1/namespaces/ns/events/e/status", .unknown),
        ("/apis/storage.k8s.io/v2/storageclasses", .unknown),
        ("/apis", .groupList),
        ("/openapi/v3/apis/coordination.k8s.io/v1", .openAPIDocument(group: "coordination.k8s.io")),
    ])
    func pathsNameWhatKubernetesNames(path: String, route: APIRoute) {
        #expect(APIRoute(path: path) == route)
    }

    @Test func strategicMergePatchMergesKeyedListsAndReplacesOthers() throws {
        let target: JSONValue = .object([
            "spec": .object([
                "containers": .array([.object(["name": .string("a"), "image": .string("x")]), .object(["name": .string("b"), "image": .string("y")])]),
                "accessModes": .array([.string("ReadWriteOnce")]),
            ]),
            "metadata": .object(["finalizers": .array([.string("f1")])]),
        ])
        let patch: JSONValue = .object([
            "spec": .object([
                "$setElementOrder/containers": .array([.object(["name": .string("a")]), .object(["name": .string("b")])]),
                "containers": .array([.object(["name": .string("b"), "image": .string("z")]), .object(["name": .string("a"), "$patch": .string("delete")])]),
                "accessModes": .array([.string("ReadWriteMany")]),
            ]),
            "metadata": .object(["finalizers": .array([.string("f2")])]),
        ])
        let out = try StrategicMergePatch.apply(patch, to: target, kind: .pod)
        #expect(out["spec"]?["containers"] == .array([.object(["name": .string("b"), "image": .string("z")])]))
        #expect(out["spec"]?["accessModes"] == .array([.string("ReadWriteMany")]))
        #expect(out["metadata"]?["finalizers"] == .array([.string("f1"), .string("f2")]))
        #expect(throws: StrategicMergePatch.Failure.self) { try StrategicMergePatch.apply(.object(["$patch": .string("weird")]), to: target, kind: .pod) }
    }

    @Test func jsonPatchFollowsRFC6902() throws {
        let doc: JSONValue = .object(["a": .array([.int(1), .int(2)]), "b": .string("x")])
        let ops: JSONValue = .array([
            .object(["op": .string("add"), "path": .string("/a/-"), "value": .int(3)]),
            .object(["op": .string("replace"), "path": .string("/b"), "value": .string("y")]),
            .object(["op": .string("remove"), "path": .string("/a/0")]),
            .object(["op": .string("test"), "path": .string("/b"), "value": .string("y")]),
        ])
        #expect(try JSONPatch.apply(ops, to: doc) == .object(["a": .array([.int(2), .int(3)]), "b": .string("y")]))
        #expect(throws: JSONPatch.Failure.self) {
            try JSONPatch.apply(.array([.object(["op": .string("test"), "path": .string("/b"), "value": .string("no")])]), to: doc)
        }
        #expect(throws: JSONPatch.Failure.self) { try JSONPatch.apply(.array([.object(["op": .string("replace"), "path": .string("/zz"), "value": .int(1)])]), to: doc) }
    }

    @Test func clientCertificatesAreCheckedAgainstPvdsCA() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-apicert-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (ca, made) = try APICertificates.loadOrCreate(.init(directory: dir + "/a"), hosts: ["node-1", "10.0.0.5"])
        #expect(made)
        #expect(try APICertificates.loadOrCreate(.init(directory: dir + "/a"), hosts: []).made == false, "a second start made a new CA")
        let keyMode = try FileManager.default.attributesOfItem(atPath: dir + "/a/ca.key")[.posixPermissions] as? Int
        #expect(keyMode == 0o600)
        let (other, _) = try APICertificates.loadOrCreate(.init(directory: dir + "/b"), hosts: [])
        let auth = Authenticator(tokens: TokenFile(users: [:]), clientCA: ca.caCertificate)
        func der(_ pem: String) throws -> [UInt8] {
            var s = DER.Serializer()
            try s.serialize(try Certificate(pemEncoded: pem))
            return s.serializedBytes
        }
        let good = try ca.clientCertificate(user: "alice", groups: ["team-a", "dev"])
        let user = try auth.authenticate(authorization: nil, peerCertificate: try der(good.certificate)).get()
        #expect(user.name == "alice")
        #expect(user.groups == ["team-a", "dev", "system:authenticated"])
        let foreign = try other.clientCertificate(user: "mallory", groups: [])
        #expect(throws: Authenticator.Failure.self) { try auth.authenticate(authorization: nil, peerCertificate: try der(foreign.certificate)).get() }
        let expired = try ca.clientCertificate(user: "old", groups: [], days: 1, now: Date().addingTimeInterval(-3 * 86400))
        #expect(throws: Authenticator.Failure.self) { try auth.authenticate(authorization: nil, peerCertificate: try der(expired.certificate)).get() }
        #expect(auth.authenticate(authorization: nil, peerCertificate: nil) == .failure(.noCredentials))
        let serving = try Certificate(pemEncoded: String(contentsOfFile: dir + "/a/apiserver.crt", encoding: .utf8))
        let names = try serving.extensions.subjectAlternativeNames.map(Array.init) ?? []
        #expect(names.contains(.dnsName("node-1")) && names.contains(.dnsName("localhost")))
        #expect(names.contains(.ipAddress(ASN1OctetString(contentBytes: [10, 0, 0, 5]))))
    }

    @Test func kubeconfigNamesServerCAAndUser() {
        let k = Kubeconfig(server: "https://127.0.0.1:6443", caPEM: "CA", user: "alice", credential: .token("t"))
        #expect(k.yaml.contains("server: https://127.0.0.1:6443"))
        #expect(k.yaml.contains("certificate-authority-data: \(Data("CA".utf8).base64EncodedString())"))
        #expect(k.yaml.contains("    token: t\n"))
        #expect(k.yaml.contains("current-context: alice@pvd"))
    }
}
