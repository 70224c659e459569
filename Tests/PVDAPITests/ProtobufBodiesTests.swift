import PVDModel
import Testing
@testable import PVDAPI

/// Protobuf request bodies over hand-made bytes: the envelope, repeated and nested fields, the
/// empty strings Go writes for unset ones, and refusals by field number and by kind.
struct ProtobufBodiesTests {
    /// A length-delimited field.
    static func field(_ number: Int, _ bytes: [UInt8]) -> [UInt8] {
        func varint(_ v: Int) -> [UInt8] {
            var v = v, out: [UInt8] = []
            repeat {
                out.append(UInt8(v & 0x7f) | (v >= 0x80 ? 0x80 : 0))
                v >>= 7
            } while v > 0
            return out
        }
        return varint(number << 3 | 2) + varint(bytes.count) + bytes
    }
    static func text(_ number: Int, _ s: String) -> [UInt8] { field(number, Array(s.utf8)) }

    static func envelope(kind: String, _ raw: [UInt8]) -> [UInt8] {
        [0x6b, 0x38, 0x73, 0x00] + field(1, text(1, "rbac.authorization.k8s.io/v1") + text(2, kind)) + field(2, raw)
    }

    @Test func aRoleReadsAsItsJSON() throws {
        let (field, text) = (Self.field, Self.text)
        // generation (7) as the varint 0, selfLink (4) and generateName (2) empty, as Go writes them.
        let meta = text(1, "reader") + text(2, "") + text(3, "team-a") + text(4, "") + [0x38, 0x00] + field(11, text(1, "app") + text(2, "web"))
        let rule = text(1, "get") + text(1, "list") + text(3, "persistentvolumeclaims")
        let body = Self.envelope(kind: "Role", Self.field(1, meta) + Self.field(2, rule))
        let value = try ProtobufBodies.decode(body, kind: .role)
        #expect(value["kind"] == .string("Role") && value["apiVersion"] == .string("rbac.authorization.k8s.io/v1"))
        #expect(value["metadata"] == .object(["name": .string("reader"), "namespace": .string("team-a"), "labels": .object(["app": .string("web")])]))
        #expect(value["rules"] == .array([.object(["verbs": .array([.string("get"), .string("list")]), "resources": .array([.string("persistentvolumeclaims")])])]))
    }

    @Test func aBindingKeepsItsSubjectsInOrder() throws {
        let subjects = Self.field(2, Self.text(1, "User") + Self.text(3, "bob")) + Self.field(2, Self.text(1, "Group") + Self.text(3, "ops"))
        let body = Self.envelope(kind: "ClusterRoleBinding", Self.field(1, Self.text(1, "b")) + subjects + Self.field(3, Self.text(2, "ClusterRole") + Self.text(3, "view")))
        let value = try ProtobufBodies.decode(body, kind: .clusterRoleBinding)
        guard case .array(let subjectsRead)? = value["subjects"] else {
            Issue.record("no subjects: \(value)")
            return
        }
        #expect(subjectsRead.compactMap { $0["name"]?.stringValue } == ["bob", "ops"])
        #expect(value["roleRef"]?["name"] == .string("view"))
    }

    @Test func whatPvdDoesNotReadIsRefused() {
        let unknownField = Self.envelope(kind: "Role", Self.field(1, Self.text(1, "r") + Self.field(13, [])))
        #expect(throws: APIStatus.self) { try ProtobufBodies.decode(unknownField, kind: .role) }
        do { _ = try ProtobufBodies.decode(unknownField, kind: .role) } catch let s as APIStatus {
            #expect(s.code == 400 && s.message.contains("protobuf field 13 of ObjectMeta"))
        } catch {}
        do { _ = try ProtobufBodies.decode(Self.envelope(kind: "PersistentVolumeClaim", []), kind: .persistentVolumeClaim) } catch let s as APIStatus {
            #expect(s.code == 415, "\(s.message)")
        } catch {}
        #expect(throws: APIStatus.self) { try ProtobufBodies.decode([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x05, 0x01], kind: .role) }
        #expect(throws: APIStatus.self) { try ProtobufBodies.decode(Array("{}".utf8), kind: .role) }
    }
}
