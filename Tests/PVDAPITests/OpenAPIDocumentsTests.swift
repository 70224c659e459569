import PVDModel
import Testing
@testable import PVDAPI

/// The OpenAPI component schemas generated from the codec schemas: complete enough for
/// `kubectl explain` to walk from every kind down to every member.
struct OpenAPIDocumentsTests {
    static var schemas: [String: JSONValue] {
        guard case .object(let all) = OpenAPIDocuments.schemas else { return [:] }
        return all
    }

    @Test func everyKindHasASchemaNamingItsGroupVersionKind() throws {
        let kinds = Self.schemas.values.compactMap { schema -> String? in
            guard case .array(let gvks) = schema["x-kubernetes-group-version-kind"] ?? .null, let gvk = gvks.first else { return nil }
            return "\(gvk["group"]?.stringValue ?? "?")/\(gvk["kind"]?.stringValue ?? "?")"
        }
        let expected = ResourceKind.allCases.map { "\($0.descriptor.group)/\($0.rawValue)" }
        #expect(Set(kinds) == Set(expected))
        #expect(kinds.count == expected.count)
    }

    @Test func everyReferenceResolves() {
        var refs: [String] = []
        func walk(_ v: JSONValue) {
            switch v {
            case .object(let members):
                if let ref = members["$ref"]?.stringValue { refs.append(ref) }
                members.values.forEach(walk)
            case .array(let items): items.forEach(walk)
            default: break
            }
        }
        Self.schemas.values.forEach(walk)
        #expect(refs.count > 50)
        let missing = refs.filter { !$0.hasPrefix("#/components/schemas/") || Self.schemas[String($0.dropFirst("#/components/schemas/".count))] == nil }
        #expect(missing.isEmpty, "\(Set(missing))")
    }

    /// The fields come from the codec schemas, so a member added to a kind appears here too.
    @Test func membersAreTheCodecs() throws {
        let pod = try #require(Self.schemas["io.k8s.api.core.v1.PodSecurityContext"])
        let names = pod["properties"].flatMap { if case .object(let m) = $0 { Set(m.keys) } else { nil } }
        #expect(names == ["runAsUser", "runAsGroup", "fsGroup", "fsGroupChangePolicy"])
        let claim = try #require(Self.schemas["io.k8s.api.core.v1.PersistentVolumeClaimCondition"])
        #expect(claim["required"] == .array([.string("status"), .string("type")]))
        #expect(OpenAPIDocuments.hash.hasSuffix(OpenAPISchemas.digest))
        // Each group's document carries them.
        #expect(OpenAPIDocuments.document(group: "storage.k8s.io")["components"]?["schemas"] == OpenAPIDocuments.schemas)
    }
}
