import Foundation
import Logging
import PVDModel
import PVDStore
import Testing

@testable import PVDAPI

/// The handler over a real SQLite store on a temporary file, without HTTP: every refusal a
/// Status with Kubernetes' code and reason, and nothing written.
struct APIHandlerTests {
    static let token = "t0ken"

    /// A handler over a new store, a token for user `u`, and the given authorizer.
    func withHandler(_ authorizer: any Authorizer = AlwaysAllowAuthorizer(), _ body: (APIHandler, SQLiteStore) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pvd-apih-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SQLiteStore(path: dir + "/state.db")
        let auth = Authenticator(tokens: TokenFile(users: [Self.token: UserInfo(name: "u", uid: "1", groups: ["g"])]), clientCA: nil)
        try await body(APIHandler(store: store, authenticator: auth, authorizer: authorizer, classCheck: nil, logger: Logger(label: "test")), store)
    }

    func request(_ method: String, _ path: String, body: String = "", contentType: String = "application/json", query: [String: String] = [:]) -> APIRequest {
        APIRequest(method: method, path: path, query: query, contentType: contentType, authorization: "Bearer \(Self.token)", body: Array(body.utf8))
    }

    func json(_ r: APIResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(r.bytes))) as? [String: Any] ?? [:]
    }

    static let claims = "/api/v1/namespaces/default/persistentvolumeclaims"
    static let claim = #"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}"#

    @Test(arguments: [
        ("{not json", 400, "BadRequest"),
        (#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"c"}}"#, 400, "BadRequest"),
        (#"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c","namespace":"other"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}"#, 400, "BadRequest"),
        (#"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c"},"spec":{"resources":{"requests":{"storage":"1Gi"}}}}"#, 422, "Invalid"),
        (#"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"Bad_Name"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}"#, 422, "Invalid"),
        (#"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"lots"}}}}"#, 400, "BadRequest"),
    ])
    func badCreateIsRefusedAndWritesNothing(body: String, code: Int, reason: String) async throws {
        try await withHandler { h, store in
            let r = await h.respond(request("POST", Self.claims, body: body))
            #expect(r.status == code, "\(String(decoding: r.bytes, as: UTF8.self))")
            #expect(json(r)["kind"] as? String == "Status")
            #expect(json(r)["reason"] as? String == reason)
            let stored = try await store.list(PersistentVolumeClaim.self, namespace: nil, selector: nil).items
            #expect(stored.isEmpty, "a refused request wrote")
        }
    }

    @Test func aBodyOverTheLimitIs413() async throws {
        try await withHandler { h, store in
            let huge = String(repeating: " ", count: APIHandler.maxBodyBytes + 1)
            let r = await h.respond(request("POST", Self.claims, body: huge))
            #expect(r.status == 413)
            #expect(json(r)["reason"] as? String == "RequestEntityTooLarge")
            let stored = try await store.list(PersistentVolumeClaim.self, namespace: nil, selector: nil).items
            #expect(stored.isEmpty, "a refused request wrote")
        }
    }

    @Test func strictFieldValidationRefusesUnknownFields() async throws {
        try await withHandler { h, store in
            let body = Self.claim.replacingOccurrences(of: #""spec":{"#, with: #""spec":{"foo":1,"#)
            let strict = await h.respond(request("POST", Self.claims, body: body, query: ["fieldValidation": "Strict"]))
            #expect(strict.status == 400)
            #expect((json(strict)["message"] as? String)?.contains(#"strict decoding error: unknown field "spec.foo""#) == true)
            let stored = try await store.list(PersistentVolumeClaim.self, namespace: nil, selector: nil).items
            #expect(stored.isEmpty, "a refused request wrote")
            let warned = await h.respond(request("POST", Self.claims, body: body))
            #expect(warned.status == 201)
            #expect(warned.headers.contains { $0.0 == "Warning" && $0.1.contains("spec.foo") })
        }
    }

    @Test func createGetUpdateConflictAndNameMismatch() async throws {
        try await withHandler { h, _ in
            let created = await h.respond(request("POST", Self.claims, body: Self.claim))
            #expect(created.status == 201)
            let rv = (json(created)["metadata"] as? [String: Any])?["resourceVersion"] as? String
            #expect(rv != nil)
            #expect((json(created)["spec"] as? [String: Any])?["volumeMode"] as? String == "Filesystem", "defaulted as pvd apply defaults")
            let again = await h.respond(request("POST", Self.claims, body: Self.claim))
            #expect(again.status == 409)
            #expect(json(again)["reason"] as? String == "AlreadyExists")

            let labelled = Self.claim.replacingOccurrences(of: #""name":"c""#, with: #""name":"c","labels":{"a":"b"},"resourceVersion":"\#(rv ?? "")""#)
            let put = await h.respond(request("PUT", Self.claims + "/c", body: labelled))
            #expect(put.status == 200, "\(String(decoding: put.bytes, as: UTF8.self))")
            let stale = await h.respond(request("PUT", Self.claims + "/c", body: labelled))
            #expect(stale.status == 409)
            #expect(json(stale)["reason"] as? String == "Conflict")
            #expect(json(stale)["message"] as? String == #"Operation cannot be fulfilled on persistentvolumeclaims "c": the object has been modified; please apply your changes to the latest version and try again"#)

            let mismatch = await h.respond(request("PUT", Self.claims + "/other", body: Self.claim))
            #expect(mismatch.status == 400)
            let missing = await h.respond(request("GET", Self.claims + "/nothere"))
            #expect(missing.status == 404)
            #expect(json(missing)["message"] as? String == #"persistentvolumeclaims "nothere" not found"#)
        }
    }

    @Test func deletePreconditionsMustHold() async throws {
        try await withHandler { h, store in
            let created = await h.respond(request("POST", Self.claims, body: Self.claim))
            let uid = (json(created)["metadata"] as? [String: Any])?["uid"] as? String ?? ""
            let wrong = await h.respond(request("DELETE", Self.claims + "/c", body: #"{"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"uid":"other"}}"#))
            #expect(wrong.status == 409)
            #expect(json(wrong)["message"] as? String == #"Operation cannot be fulfilled on persistentvolumeclaims "c": Precondition failed: UID in precondition: other, UID in object meta: \#(uid)"#)
            #expect((try? await store.get(PersistentVolumeClaim.self, namespace: "default", name: "c"))?.metadata.deletionTimestamp == nil, "a failed precondition deletes nothing")
            let stale = await h.respond(request("DELETE", Self.claims + "/c", body: #"{"preconditions":{"resourceVersion":"999999"}}"#))
            #expect(stale.status == 409)
            #expect((json(stale)["message"] as? String)?.contains("Precondition failed: ResourceVersion in precondition: 999999") == true)
            let bad = await h.respond(request("DELETE", Self.claims + "/c", body: "{nope"))
            #expect(bad.status == 400)
            let right = await h.respond(request("DELETE", Self.claims + "/c", body: #"{"preconditions":{"uid":"\#(uid)"}}"#))
            #expect(right.status == 200)
            // The protection finalizer holds it; the delete has begun.
            #expect((try? await store.get(PersistentVolumeClaim.self, namespace: "default", name: "c"))?.metadata.deletionTimestamp != nil)
        }
    }

    @Test func patchesMergeStrategicAndJSON() async throws {
        try await withHandler { h, _ in
            _ = await h.respond(request("POST", Self.claims, body: Self.claim))
            let merge = await h.respond(request("PATCH", Self.claims + "/c", body: #"{"metadata":{"labels":{"m":"1"}}}"#, contentType: "application/merge-patch+json"))
            #expect(merge.status == 200)
            let rv1 = (json(merge)["metadata"] as? [String: Any])?["resourceVersion"] as? String
            let same = await h.respond(request("PATCH", Self.claims + "/c", body: #"{"metadata":{"labels":{"m":"1"}}}"#, contentType: "application/merge-patch+json"))
            #expect((json(same)["metadata"] as? [String: Any])?["resourceVersion"] as? String == rv1, "a no-op patch wrote")
            let smp = await h.respond(request(
                "PATCH", Self.claims + "/c", body: #"{"metadata":{"labels":{"s":"2"},"$setElementOrder/finalizers":[]}}"#, contentType: "application/strategic-merge-patch+json"))
            #expect(smp.status == 200, "\(String(decoding: smp.bytes, as: UTF8.self))")
            let jp = await h.respond(request("PATCH", Self.claims + "/c", body: #"[{"op":"remove","path":"/metadata/labels/m"}]"#, contentType: "application/json-patch+json"))
            #expect(jp.status == 200)
            #expect((json(jp)["metadata"] as? [String: Any])?["labels"] as? [String: String] == ["s": "2"])
            let immutable = await h.respond(request("PATCH", Self.claims + "/c", body: #"{"spec":{"accessModes":["ReadWriteMany"]}}"#, contentType: "application/merge-patch+json"))
            #expect(immutable.status == 422)
            let unknown = await h.respond(request("PATCH", Self.claims + "/c", body: "{}", contentType: "application/x-patch"))
            #expect(unknown.status == 415)
        }
    }

    @Test func dryRunChecksEverythingAndWritesNothing() async throws {
        try await withHandler { h, store in
            let r = await h.respond(request("POST", Self.claims, body: Self.claim, query: ["dryRun": "All"]))
            #expect(r.status == 201)
            let bad = await h.respond(request("POST", Self.claims, body: Self.claim.replacingOccurrences(of: #""accessModes":["ReadWriteOnce"],"#, with: ""), query: ["dryRun": "All"]))
            #expect(bad.status == 422)
            let stored = try await store.list(PersistentVolumeClaim.self, namespace: nil, selector: nil).items
            #expect(stored.isEmpty, "a dry run wrote")
        }
    }

    @Test func accessReviewsAreAnsweredByTheAuthorizers() async throws {
        // kubectl's protobuf: k8s\0, Unknown{2: SSAR{2: spec{1: resourceAttributes{1 ns, 2 verb, 5 resource}}}}.
        func field(_ n: UInt8, _ bytes: [UInt8]) -> [UInt8] { [n << 3 | 2, UInt8(bytes.count)] + bytes }
        let attributes = field(1, Array("team-a".utf8)) + field(2, Array("create".utf8)) + field(5, Array("persistentvolumeclaims".utf8))
        let body = Array("k8s\0".utf8) + field(1, field(1, Array("v1".utf8))) + field(2, field(2, field(1, attributes)))
        try await withHandler { h, _ in
            var r = request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", contentType: "application/vnd.kubernetes.protobuf")
            r.body = body
            let answer = await h.respond(r)
            #expect(answer.status == 201)
            #expect((json(answer)["status"] as? [String: Any])?["allowed"] as? Bool == true)
            let spec = (json(answer)["spec"] as? [String: Any])?["resourceAttributes"] as? [String: String]
            #expect(spec?["namespace"] == "team-a" && spec?["verb"] == "create" && spec?["resource"] == "persistentvolumeclaims")
        }
        try await withHandler(AuthorizerChain([AlwaysDenyAuthorizer()])) { h, _ in
            let q = #"{"spec":{"resourceAttributes":{"verb":"get","resource":"pods"}}}"#
            // The review itself is a request the authorizers judge: AlwaysDeny refuses it too.
            #expect(await h.respond(request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body: q)).status == 403)
        }
    }

    @Test func alwaysDenyRefusesAndWritesNothing() async throws {
        try await withHandler(AuthorizerChain([AlwaysDenyAuthorizer()])) { h, store in
            let r = await h.respond(request("POST", Self.claims, body: Self.claim))
            #expect(r.status == 403)
            #expect(json(r)["message"] as? String == #"persistentvolumeclaims is forbidden: User "u" cannot create resource "persistentvolumeclaims" in API group "" in the namespace "default": Everything is forbidden."#)
            let stored = try await store.list(PersistentVolumeClaim.self, namespace: nil, selector: nil).items
            #expect(stored.isEmpty, "a refused request wrote")
        }
    }

    @Test func noCredentialsAre401() async throws {
        try await withHandler { h, _ in
            var r = request("GET", Self.claims)
            r.authorization = nil
            #expect(await h.respond(r).status == 401)
            r.authorization = "Bearer wrong"
            let wrong = await h.respond(r)
            #expect(wrong.status == 401)
            #expect(json(wrong)["reason"] as? String == "Unauthorized")
        }
    }

    @Test func listsAndTablesFilterBySelectors() async throws {
        try await withHandler { h, _ in
            _ = await h.respond(request("POST", Self.claims, body: Self.claim.replacingOccurrences(of: #""name":"c""#, with: #""name":"a","labels":{"app":"x"}"#)))
            _ = await h.respond(request("POST", Self.claims, body: Self.claim.replacingOccurrences(of: #""name":"c""#, with: #""name":"b""#)))
            let list = await h.respond(request("GET", "/api/v1/persistentvolumeclaims", query: ["labelSelector": "app=x"]))
            #expect(json(list)["kind"] as? String == "PersistentVolumeClaimList")
            #expect((json(list)["items"] as? [[String: Any]])?.count == 1)
            let byName = await h.respond(request("GET", Self.claims, query: ["fieldSelector": "metadata.name=b"]))
            #expect(((json(byName)["items"] as? [[String: Any]])?.first?["metadata"] as? [String: Any])?["name"] as? String == "b")
            var tableRequest = request("GET", Self.claims)
            tableRequest.accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
            let table = json(await h.respond(tableRequest))
            #expect(table["kind"] as? String == "Table")
            let columns = (table["columnDefinitions"] as? [[String: Any]]) ?? []
            #expect(columns.first?["name"] as? String == "Name")
            #expect(columns.last?["priority"] as? Int == 1, "VOLUMEMODE is a -o wide column")
            #expect(columns.first?["priority"] as? Int == 0)
            #expect((table["rows"] as? [[String: Any]])?.count == 2)
            let bad = await h.respond(request("GET", Self.claims, query: ["fieldSelector": "spec.nothing=1"]))
            #expect(bad.status == 400)
        }
    }
}
