import ArgumentParser
import Foundation
import PVDModel

/// `-o` values `get` accepts.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table = "", wide, yaml, json, name
}

/// Renders objects as YAML, JSON or names, the way kubectl does: one object as itself, several
/// (or a list request) as a `v1 List`.
enum ObjectRenderer {
    static func value(_ object: AnyResource) throws -> JSONValue {
        var r = object.resource
        r.setTypeMeta()
        let data = try JSONCoding.shared.encode(r)
        return try JSONCoding.shared.decode(JSONValue.self, from: data)
    }

    static func listValue(_ objects: [AnyResource]) throws -> JSONValue {
        .object([
            "apiVersion": .string("v1"), "kind": .string("List"),
            "items": .array(try objects.map(value)),
            "metadata": .object(["resourceVersion": .string("")]),
        ])
    }

    static func render(_ objects: [AnyResource], format: OutputFormat, asList: Bool) throws -> String {
        switch format {
        case .name:
            return objects.map { "\($0.kind.qualifiedName)/\($0.metadata.name)\n" }.joined()
        case .json:
            let v = asList ? try listValue(objects) : try value(objects[0])
            return String(decoding: try JSONCoding.shared.encodePretty(v), as: UTF8.self) + "\n"
        case .yaml:
            let v = asList ? try listValue(objects) : try value(objects[0])
            return try YAMLConversion.yaml(v)
        case .table, .wide:
            preconditionFailure("tables are printed by TablePrinter")
        }
    }
}
