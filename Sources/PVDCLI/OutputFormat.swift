import ArgumentParser
import Foundation
import PVDModel

/// `-o` values `get` accepts.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table = "", wide, yaml, json, name
}

/// Renders objects as YAML, JSON or names, the way kubectl does: one object as itself, several
/// (or a list request) as a `v1 List`; without `metadata.managedFields` unless asked.
enum ObjectRenderer {
    static func value(_ object: AnyResource, managedFields: Bool = true) throws -> JSONValue {
        var object = object
        if !managedFields { object.metadata.managedFields = nil }
        var r = object.resource
        r.setTypeMeta()
        let data = try JSONCoding.shared.encode(r)
        return try JSONCoding.shared.decode(JSONValue.self, from: data)
    }

    static func listValue(_ objects: [AnyResource], managedFields: Bool = true) throws -> JSONValue {
        .object([
            "apiVersion": .string("v1"), "kind": .string("List"),
            "items": .array(try objects.map { try value($0, managedFields: managedFields) }),
            "metadata": .object(["resourceVersion": .string("")]),
        ])
    }

    static func render(_ objects: [AnyResource], format: OutputFormat, asList: Bool, managedFields: Bool = false) throws -> String {
        switch format {
        case .name:
            return objects.map { "\($0.kind.qualifiedName)/\($0.metadata.name)\n" }.joined()
        case .json:
            let v = asList ? try listValue(objects, managedFields: managedFields) : try value(objects[0], managedFields: managedFields)
            return String(decoding: try JSONCoding.shared.encodePretty(v), as: UTF8.self) + "\n"
        case .yaml:
            let v = asList ? try listValue(objects, managedFields: managedFields) : try value(objects[0], managedFields: managedFields)
            return try YAMLConversion.yaml(v)
        case .table, .wide:
            preconditionFailure("tables are printed by TablePrinter")
        }
    }
}
