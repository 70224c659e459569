import Foundation
import PVDModel
import PVDStore
import Testing

@testable import PVDAPI

/// Server-side apply through the handler over a real SQLite store: created, owned, no-op,
/// conflicting and refused requests, each refusal writing nothing.
extension APIHandlerTests {
    static let applyType = "application/apply-patch+yaml"
    static let appliedClaim = """
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: c, labels: {tier: gold}}
        spec:
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: 1Gi}}
        """

    func meta(_ r: APIResponse) -> [String: Any] { json(r)["metadata"] as? [String: Any] ?? [:] }

    @Test func applyCreatesThenChangesNothingWhenRepeated() async throws {
        try await withHandler { h, store in
            let created = await h.respond(request("PATCH", Self.claims + "/c", body: Self.appliedClaim, contentType: Self.applyType, query: ["fieldManager": "ci"]))
            #expect(created.status == 201, "\(String(decoding: created.bytes, as: UTF8.self))")
            let managed = meta(created)["managedFields"] as? [[String: Any]]
            #expect(managed?.count == 1 && managed?[0]["manager"] as? String == "ci" && managed?[0]["operation"] as? String == "Apply")
            #expect((json(created)["spec"] as? [String: Any])?["volumeMode"] as? String == "Filesystem", "defaulted as any create")
            let rv = meta(created)["resourceVersion"] as? String
            let again = await h.respond(request("PATCH", Self.claims + "/c", body: Self.appliedClaim, contentType: Self.applyType, query: ["fieldManager": "ci"]))
            #expect(again.status == 200)
            #expect(meta(again)["resourceVersion"] as? String == rv, "a repeated apply wrote")
            let stored = try await store.get(PersistentVolumeClaim.self, namespace: "default", name: "c")
            #expect(stored.metadata.managedFields?.first?.manager == "ci")
        }
    }

    @Test func anotherManagersValueIsAConflictThatWritesNothing() async throws {
        try await withHandler { h, store in
            _ = await h.respond(request("PATCH", Self.claims + "/c", body: Self.appliedClaim, contentType: Self.applyType, query: ["fieldManager": "ci"]))
            let labelled = await h.respond(request(
                "PATCH", Self.claims + "/c", body: #"{"metadata":{"labels":{"tier":"silver"}}}"#, contentType: "application/merge-patch+json",
                query: ["fieldManager": "kubectl-label"]))
            #expect(labelled.status == 200)
            let before = try await store.get(PersistentVolumeClaim.self, namespace: "default", name: "c")
            let conflict = await h.respond(request("PATCH", Self.claims + "/c", body: Self.appliedClaim, contentType: Self.applyType, query: ["fieldManager": "ci"]))
            #expect(conflict.status == 409)
            #expect(json(conflict)["reason"] as? String == "Conflict")
            #expect((json(conflict)["message"] as? String)?.hasPrefix(#"Apply failed with 1 conflict: conflict with "kubectl-label" using v1 at "#) == true)
            let causes = (json(conflict)["details"] as? [String: Any])?["causes"] as? [[String: Any]]
            #expect(causes?.first?["reason"] as? String == "FieldManagerConflict" && causes?.first?["field"] as? String == ".metadata.labels.tier")
            #expect(try await store.get(PersistentVolumeClaim.self, namespace: "default", name: "c") == before, "a conflict wrote")

            let forced = await h.respond(request(
                "PATCH", Self.claims + "/c", body: Self.appliedClaim, contentType: Self.applyType, query: ["fieldManager": "ci", "force": "true"]))
            #expect(forced.status == 200)
            #expect((meta(forced)["labels"] as? [String: String])?["tier"] == "gold")
            #expect((meta(forced)["managedFields"] as? [[String: Any]])?.compactMap { $0["manager"] as? String } == ["ci"])
        }
    }

    @Test func writesThatAreNotAppliesRecordTheirManager() async throws {
        try await withHandler { h, store in
            var post = request("POST", Self.claims, body: Self.claim)
            post.userAgent = "kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9"
            #expect(await h.respond(post).status == 201)
            let created = try await store.get(PersistentVolumeClaim.self, namespace: "default", name: "c")
            #expect(created.metadata.managedFields?.map { "\($0.manager ?? "") \($0.operation ?? "")" } == ["kubectl Update"])
            _ = await h.respond(request("PATCH", Self.claims + "/c", body: #"{"metadata":{"labels":{"x":"1"}}}"#, contentType: "application/merge-patch+json", query: ["fieldManager": "edit"]))
            let patched = try await store.get(PersistentVolumeClaim.self, namespace: "default", name: "c")
            #expect(patched.metadata.managedFields?.compactMap(\.manager) == ["kubectl", "edit"])
            #expect(patched.metadata.managedFields?.last?.fieldsV1 == .object(["f:metadata": .object(["f:labels": .object(["f:x": .object([:])])])]))
        }
    }

    @Test(arguments: [
        // No fieldManager: Kubernetes' PatchOptions refusal.
        (Self.appliedClaim, [String: String](), 422, "fieldManager: Required value: is required for apply patch"),
        (Self.appliedClaim, ["fieldManager": "ci", "force": "maybe"], 400, "force"),
        (Self.appliedClaim.replacingOccurrences(of: "kind: PersistentVolumeClaim", with: "kind: Pod"), ["fieldManager": "ci"], 400, "do not match the URL"),
        (Self.appliedClaim.replacingOccurrences(of: "name: c,", with: "name: other,"), ["fieldManager": "ci"], 400, "does not match the name on the URL"),
        (Self.appliedClaim.replacingOccurrences(of: "tier: gold}", with: "tier: gold}, managedFields: [{manager: x}]"), ["fieldManager": "ci"], 400, "managedFields must be nil"),
        (Self.appliedClaim.replacingOccurrences(of: "accessModes: [ReadWriteOnce]", with: "accessModes: []"), ["fieldManager": "ci"], 422, "spec.accessModes"),
        ("{not: [yaml", ["fieldManager": "ci"], 400, "YAML"),
    ])
    func aBadApplyIsRefusedAndWritesNothing(body: String, query: [String: String], code: Int, text: String) async throws {
        try await withHandler { h, store in
            let r = await h.respond(request("PATCH", Self.claims + "/c", body: body, contentType: Self.applyType, query: query))
            #expect(r.status == code, "\(String(decoding: r.bytes, as: UTF8.self))")
            #expect((json(r)["message"] as? String)?.contains(text) == true, "\(json(r)["message"] ?? "")")
            let stored = try await store.list(PersistentVolumeClaim.self, namespace: nil, selector: nil).items
            #expect(stored.isEmpty, "a refused apply wrote")
        }
    }

    @Test func forceOnAnotherPatchIsRefused() async throws {
        try await withHandler { h, store in
            _ = await h.respond(request("POST", Self.claims, body: Self.claim))
            let before = try await store.get(PersistentVolumeClaim.self, namespace: "default", name: "c")
            let r = await h.respond(request("PATCH", Self.claims + "/c", body: #"{"metadata":{"labels":{"x":"1"}}}"#, contentType: "application/merge-patch+json", query: ["force": "true"]))
            #expect(r.status == 422)
            #expect(json(r)["message"] as? String == #"PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch"#)
            #expect(try await store.get(PersistentVolumeClaim.self, namespace: "default", name: "c") == before)
        }
    }
}
