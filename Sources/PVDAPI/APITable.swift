import PVDModel
import PVDPrinting

/// Server-side printing: a meta.k8s.io/v1 Table whose columns are `pvd get`'s (TablePrinter's,
/// so kubectl and pvd print the same), the `-o wide` ones at priority 1 for kubectl to show
/// only with `-o wide`. Each row carries the object's metadata (PartialObjectMetadata), which
/// kubectl needs for the NAMESPACE column of `-A` and for `--show-labels`, or the whole object
/// when asked (`includeObject=Object`).
public enum APITable {
    public enum Include: Sendable { case metadata, object, none }

    /// The Table for `objects` of `kind` as JSON, with the list's resourceVersion.
    public static func table(kind: ResourceKind, objects: [AnyResource], resourceVersion: String?, include: Include, now: Time = .now()) -> JSONValue {
        let narrow = TablePrinter(wide: false, now: now).table(kind: kind, objects: []).headers.count
        let t = TablePrinter(wide: true, now: now).table(kind: kind, objects: objects)
        let columns: [JSONValue] = t.headers.enumerated().map { i, header in
            .object([
                "name": .string(columnName(header)), "type": .string("string"), "format": .string(i == 0 && header == "NAME" ? "name" : ""),
                "description": .string(""), "priority": .int(i < narrow ? 0 : 1),
            ])
        }
        var rows: [JSONValue] = []
        rows.reserveCapacity(objects.count)
        for (i, o) in objects.enumerated() where i < t.rows.count {
            var row: [String: JSONValue] = ["cells": .array(t.rows[i].map(JSONValue.string))]
            switch include {
            case .metadata: row["object"] = partialMetadata(o)
            case .object: row["object"] = RESTObjects.value(o)
            case .none: break
            }
            rows.append(.object(row))
        }
        var meta: [String: JSONValue] = [:]
        if let resourceVersion { meta["resourceVersion"] = .string(resourceVersion) }
        return .object([
            "kind": .string("Table"), "apiVersion": .string("meta.k8s.io/v1"), "metadata": .object(meta),
            "columnDefinitions": .array(columns), "rows": .array(rows),
        ])
    }

    /// kubectl prints column names upper-cased itself; the API names them as Kubernetes does
    /// ("Name", "Access Modes"), so the same header comes out.
    static func columnName(_ header: String) -> String {
        header.split(separator: " ").map { $0.prefix(1) + $0.dropFirst().lowercased() }.joined(separator: " ")
    }

    static func partialMetadata(_ o: AnyResource) -> JSONValue {
        // Only the metadata is encoded: a row needs nothing else, and a list has thousands.
        let meta = (try? JSONCoding.shared.encode(o.metadata)).flatMap { try? JSONCoding.shared.decode(JSONValue.self, from: $0) } ?? .object([:])
        return .object(["kind": .string("PartialObjectMetadata"), "apiVersion": .string("meta.k8s.io/v1"), "metadata": meta])
    }
}
