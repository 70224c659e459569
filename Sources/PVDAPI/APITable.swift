import PVDModel
import PVDPrinting

/// Server-side printing: a meta.k8s.io/v1 Table whose columns are `pvd get`'s (TablePrinter's,
/// so kubectl and pvd print the same), the `-o wide` ones at priority 1 for kubectl to show
/// only with `-o wide`. Each row carries the object's metadata (PartialObjectMetadata), which
/// kubectl needs for the NAMESPACE column of `-A` and for `--show-labels`, or the whole object
/// when asked (`includeObject=Object`).
public enum APITable {
    public enum Include: Sendable { case metadata, object, none }

    /// The Table for `objects` of `kind`, as JSON bytes, with the list's resourceVersion. Written
    /// straight to one buffer: rows of thousands of objects are not built as JSON trees first.
    public static func table(
        kind: ResourceKind, objects: [AnyResource], resourceVersion: String?, continue next: String? = nil, include: Include, now: Time = .now()
    ) -> [UInt8] {
        let narrow = TablePrinter(wide: false, now: now).table(kind: kind, objects: []).headers.count
        let t = TablePrinter(wide: true, now: now).table(kind: kind, objects: objects)
        var w = JSONWriter(capacity: 256 + objects.count * (include == .object ? 1200 : 400))
        w.beginObject()
        w.field("apiVersion", "meta.k8s.io/v1")
        w.key("columnDefinitions")
        w.beginArray()
        for (i, header) in t.headers.enumerated() {
            w.beginObject()
            w.field("description", "")
            w.field("format", i == 0 && header == "NAME" ? "name" : "")
            w.field("name", columnName(header))
            w.field("priority", i < narrow ? 0 : 1)
            w.field("type", "string")
            w.endObject()
        }
        w.endArray()
        w.field("kind", "Table")
        w.key("metadata")
        w.beginObject()
        if let next { w.field("continue", next) }
        w.field("resourceVersion", resourceVersion)
        w.endObject()
        w.key("rows")
        w.beginArray()
        for (i, o) in objects.enumerated() where i < t.rows.count {
            w.beginObject()
            w.field("cells", t.rows[i])
            switch include {
            case .metadata:
                // Only the metadata: a row needs nothing else, and a list has thousands.
                w.key("object")
                w.beginObject()
                w.field("apiVersion", "meta.k8s.io/v1")
                w.field("kind", "PartialObjectMetadata")
                w.field("metadata", o.metadata)
                w.endObject()
            case .object:
                w.key("object")
                w.raw(RESTObjects.bytes(o))
            case .none: break
            }
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return w.bytes
    }

    /// kubectl prints column names upper-cased itself; the API names them as Kubernetes does
    /// ("Name", "Access Modes"), so the same header comes out.
    static func columnName(_ header: String) -> String {
        header.split(separator: " ").map { $0.prefix(1) + $0.dropFirst().lowercased() }.joined(separator: " ")
    }
}
