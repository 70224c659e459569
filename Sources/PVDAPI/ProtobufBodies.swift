import PVDModel

/// Request bodies kubectl sends as Kubernetes protobuf (`application/vnd.kubernetes.protobuf`):
/// `kubectl create role`, `rolebinding`, `clusterrole` and `clusterrolebinding` send nothing
/// else. The envelope is `k8s\0` and a runtime.Unknown {1: typeMeta {1: apiVersion, 2: kind},
/// 2: raw}; the raw object is read by the field numbers of k8s.io/api/rbac/v1 and
/// apimachinery's ObjectMeta into the JSON tree a JSON body gives, so the same decoding,
/// validation and admission follow. A field pvd does not read is refused by number.
enum ProtobufBodies {
    static let contentType = "application/vnd.kubernetes.protobuf"

    /// The object of a protobuf body, as JSON.
    static func decode(_ body: [UInt8], kind: ResourceKind) throws -> JSONValue {
        let envelope = try ProtoMessage(envelope: body)
        guard let raw = envelope.bytes(2) else { throw APIStatus.badRequest("the protobuf envelope carries no object") }
        let typeMeta = try envelope.message(1, what: "typeMeta")
        guard let shape = Self.shapes[kind] else {
            throw APIStatus.unsupportedMediaType(contentType + " (pvd reads protobuf bodies of the RBAC kinds only; send \(kind.plural) as JSON or YAML)",
                                                 accepted: ["application/json", "application/yaml"])
        }
        guard case .object(var object) = try shape.json(try ProtoMessage(raw, what: kind.rawValue)) else {
            throw APIStatus.badRequest("the protobuf \(kind.rawValue) is not an object")
        }
        object["apiVersion"] = .string(typeMeta?.string(1) ?? "")
        object["kind"] = .string(typeMeta?.string(2) ?? "")
        return .object(object)
    }

    /// How one message's fields become JSON members.
    indirect enum Field {
        /// A field the server sets itself (selfLink, generation, timestamps): read, not carried,
        /// as a JSON body's are overwritten.
        case ignored
        case string(String)
        case strings(String)
        case stringMap(String)
        case message(String, Shape)
        case messages(String, Shape)
    }

    struct Shape {
        let name: String
        let fields: [Int: Field]

        func json(_ m: ProtoMessage) throws -> JSONValue {
            var out: [String: JSONValue] = [:]
            for number in Set(m.fields.map(\.number)) {
                guard let field = fields[number] else {
                    throw APIStatus.badRequest("protobuf field \(number) of \(name) is not one pvd reads")
                }
                // Go's protobuf writes every string field, empty or not: empty is unset, as JSON's omitempty.
                switch field {
                case .ignored:
                    continue
                case .string(let key):
                    if let text = m.string(number), !text.isEmpty { out[key] = .string(text) }
                case .strings(let key):
                    out[key] = .array(m.all(number).map { .string(String(decoding: $0, as: UTF8.self)) })
                case .stringMap(let key):
                    var map: [String: JSONValue] = [:]
                    for entry in m.all(number) {
                        let e = try ProtoMessage(entry, what: "\(name).\(key)")
                        map[e.string(1) ?? ""] = .string(e.string(2) ?? "")
                    }
                    if !map.isEmpty { out[key] = .object(map) }
                case .message(let key, let shape):
                    guard let inner = try m.message(number, what: "\(name).\(key)") else { continue }
                    out[key] = try shape.json(inner)
                case .messages(let key, let shape):
                    out[key] = .array(try m.all(number).map { try shape.json(try ProtoMessage($0, what: "\(name).\(key)")) })
                }
            }
            return .object(out)
        }
    }

    static let objectMeta = Shape(name: "ObjectMeta", fields: [
        1: .string("name"), 2: .string("generateName"), 3: .string("namespace"), 4: .ignored, 5: .string("uid"), 6: .string("resourceVersion"),
        7: .ignored, 8: .ignored, 9: .ignored, 10: .ignored, 11: .stringMap("labels"), 12: .stringMap("annotations"),
        14: .strings("finalizers"), 15: .ignored,
    ])
    static let policyRule = Shape(name: "PolicyRule", fields: [
        1: .strings("verbs"), 2: .strings("apiGroups"), 3: .strings("resources"), 4: .strings("resourceNames"), 5: .strings("nonResourceURLs"),
    ])
    static let subject = Shape(name: "Subject", fields: [1: .string("kind"), 2: .string("apiGroup"), 3: .string("name"), 4: .string("namespace")])
    static let roleRef = Shape(name: "RoleRef", fields: [1: .string("apiGroup"), 2: .string("kind"), 3: .string("name")])
    static let role = Shape(name: "Role", fields: [1: .message("metadata", objectMeta), 2: .messages("rules", policyRule)])
    static let binding = Shape(name: "RoleBinding", fields: [
        1: .message("metadata", objectMeta), 2: .messages("subjects", subject), 3: .message("roleRef", roleRef),
    ])

    static let shapes: [ResourceKind: Shape] = [
        .role: role, .clusterRole: Shape(name: "ClusterRole", fields: role.fields),
        .roleBinding: binding, .clusterRoleBinding: Shape(name: "ClusterRoleBinding", fields: binding.fields),
    ]
}

/// One protobuf message's fields in order; length-delimited values kept as bytes. Varint
/// and fixed-width values are kept by number only (the RBAC kinds have none).
struct ProtoMessage {
    struct Entry {
        let number: Int
        let bytes: ArraySlice<UInt8>?
    }
    let fields: [Entry]

    init(_ bytes: ArraySlice<UInt8>, what: String) throws {
        var out: [Entry] = []
        var i = bytes.startIndex
        func varint() throws -> UInt64 {
            var v: UInt64 = 0
            var shift: UInt64 = 0
            while i < bytes.endIndex, shift < 64 {
                let b = bytes[i]
                i += 1
                v |= UInt64(b & 0x7f) << shift
                if b & 0x80 == 0 { return v }
                shift += 7
            }
            throw APIStatus.badRequest("\(what) cannot be read as protobuf")
        }
        while i < bytes.endIndex {
            let key = try varint()
            let number = Int(key >> 3)
            switch key & 7 {
            case 0:
                _ = try varint()
                out.append(Entry(number: number, bytes: nil))
            case 1, 5:
                let width = key & 7 == 1 ? 8 : 4
                guard bytes.endIndex - i >= width else { throw APIStatus.badRequest("\(what) cannot be read as protobuf") }
                i += width
                out.append(Entry(number: number, bytes: nil))
            case 2:
                let n = try varint()
                guard n <= UInt64(bytes.endIndex - i) else { throw APIStatus.badRequest("\(what) cannot be read as protobuf") }
                out.append(Entry(number: number, bytes: bytes[i..<(i + Int(n))]))
                i += Int(n)
            default:
                throw APIStatus.badRequest("\(what) cannot be read as protobuf")
            }
        }
        fields = out
    }

    /// The runtime.Unknown after Kubernetes' `k8s\0` magic, which every protobuf body starts with.
    init(envelope body: [UInt8]) throws {
        guard body.count >= 4, body[0..<4].elementsEqual([0x6b, 0x38, 0x73, 0x00]) else {
            throw APIStatus.badRequest("a protobuf body must start with the k8s envelope")
        }
        try self.init(body[4...], what: "the envelope")
    }

    /// The last value of a length-delimited field (protobuf's rule for a non-repeated one).
    func bytes(_ number: Int) -> ArraySlice<UInt8>? { fields.last { $0.number == number && $0.bytes != nil }?.bytes }
    func all(_ number: Int) -> [ArraySlice<UInt8>] { fields.compactMap { $0.number == number ? $0.bytes : nil } }
    func string(_ number: Int) -> String? { bytes(number).map { String(decoding: $0, as: UTF8.self) } }
    func message(_ number: Int, what: String) throws -> ProtoMessage? { try bytes(number).map { try ProtoMessage($0, what: what) } }
}
