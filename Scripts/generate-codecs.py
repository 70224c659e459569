#!/usr/bin/env python3
"""Generates pvd's fast JSON codecs from the schemas in Sources/PVDModel/Schema.

Each schema file `<Name>.json` becomes `Sources/PVDModel/FastJSON+<Name>.generated.swift`: for
every struct it lists, a `writeJSON(to:)` that writes the members in sorted-key order (the bytes
Foundation's `.sortedKeys` encoder writes) and an `init(json:)` that reads them in any order, as
`init(from:)` does. The schema says, per member, its JSON name, Swift property and type and what
a missing or null member means; see docs/DESIGN.md, "Adding a kind".

    python3 Scripts/generate-codecs.py           rewrite the generated files
    python3 Scripts/generate-codecs.py --check   exit 1 if any is out of date (CI, a test)

Schema shape, one object per struct:

    {"name": "HostPathVolumeSource",
     "doc": "`path` is required.",                     doc comment of init(json:), optional
     "fields": ["path: String", "type: String?"]}

A field is `<json>[ -> <swift>]: <Type>[?][ = <default>]`:
  `T?`            optional: missing or null is nil;
  `T = expr`      missing or null is `expr`;
  `T`             required: missing or null makes the fast decoder decline (Foundation decides).
Types: String, Int, Int64, Bool, [String], [String: String], [T], [String: T], or a T that is
itself FastJSONDecodable. The fields' order is the order the decoder tests keys in.

How the value is built, one of:
  "seed": "self.init()"   made first, members assigned as they are read (no required members);
  "construct": "…"        members read into locals, then this Swift statement, in which `{x}`
                          stands for member x's value (with its default); members it does not
                          name are assigned to `self.x` afterwards;
  neither                 members read into locals, then `self.init(x: x, y: y, …)` in field order.

With `"codable": true` the Foundation codec (`CodingKeys`, `init(from:)`, `encode(to:)`) is
generated too, with the same meaning, so a new kind writes neither codec by hand.

The same schemas also make the OpenAPI v3 component schemas the API serves (`kubectl explain`),
written to Sources/PVDAPI/OpenAPISchemas.generated.swift: one object schema per struct, its
members typed from the field types, required where the codec requires them. A struct's
`"description"` and its fields' `"describe": {"json name": "text"}` become the descriptions;
`"gvk": ["group", "Kind"]` marks a kind's top-level type; `"openapiName"` is Kubernetes' name for
a struct pvd names otherwise (PodVolume is Volume). A schema file's `"package"` names the
OpenAPI package its types belong to (default `io.k8s.api.core.v1`); the metadata and selector
types go by Kubernetes' own names (`META_TYPES`).
"""

import hashlib
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "Sources/PVDModel/Schema"
OUT_DIR = ROOT / "Sources/PVDModel"
OPENAPI_OUT = ROOT / "Sources/PVDAPI/OpenAPISchemas.generated.swift"

META = "io.k8s.apimachinery.pkg.apis.meta.v1"
# Types Kubernetes keeps in apimachinery, whatever schema file pvd declares them in.
META_TYPES = {"ObjectMeta", "LabelSelector", "LabelSelectorRequirement", "ManagedFieldsEntry"}
# Field types that are no struct of the schemas: their OpenAPI schema (a name: a component).
OPENAPI_SCALARS = {
    "String": {"type": "string"},
    "Int": {"type": "integer", "format": "int64"},
    "Int64": {"type": "integer", "format": "int64"},
    "Int32": {"type": "integer", "format": "int32"},
    "Bool": {"type": "boolean"},
    "Time": f"{META}.Time",
    "MicroTime": f"{META}.MicroTime",
    "Quantity": "io.k8s.apimachinery.pkg.api.resource.Quantity",
    "JSONValue": f"{META}.FieldsV1",
}
# pvd's string enums (AccessMode, ClaimPhase, ...) are strings in the schemas.
OPENAPI_SHARED = {
    f"{META}.Time": {"description": "A time in RFC 3339 form, to the second.", "type": "string", "format": "date-time"},
    f"{META}.MicroTime": {"description": "A time in RFC 3339 form, to the microsecond.", "type": "string", "format": "date-time"},
    "io.k8s.apimachinery.pkg.api.resource.Quantity": {
        "description": "An amount with an optional suffix: binary (Ki, Mi, Gi, Ti, Pi, Ei), decimal (k, M, G, T, P, E, m) "
                       "or an exponent (1e3). Sizes are bytes.",
        "oneOf": [{"type": "string"}, {"type": "number"}]},
    f"{META}.FieldsV1": {"description": "A set of fields as a trie in JSON: f:<name>, k:<merge key>, v:<value> and . members.",
                         "type": "object"},
}
# The members every kind has, described once.
COMMON_DOCS = {
    "apiVersion": "The API version of the object: v1, or <group>/v1.",
    "kind": "The kind of the object.",
    "metadata": "The object's metadata: name, namespace, labels, annotations.",
}

SWIFT_KEYWORDS = {"operator", "default", "class", "struct", "enum", "protocol", "extension", "func",
                  "var", "let", "in", "is", "as", "init", "self", "Self", "where", "repeat", "return",
                  "internal", "public", "private", "static", "subscript", "switch", "case", "import"}

FIELD_RE = re.compile(r"^\s*(?P<json>[A-Za-z0-9_.-]+)\s*(?:->\s*(?P<swift>[A-Za-z_][A-Za-z0-9_]*)\s*)?:"
                      r"\s*(?P<type>[^=?]+?)\s*(?P<opt>\?)?\s*(?:=\s*(?P<default>.+?))?\s*$")

SCALAR_READERS = {
    "String": ("optionalString()", "readString()"),
    "Int": ("optionalInt()", "readInt()"),
    "Int64": ("optionalInt64()", "readInt64()"),
    "Int32": ("optionalInt32()", "readInt32()"),
    "Bool": ("optionalBool()", "readBool()"),
    "[String]": ("optionalStringArray()", "readStringArray()"),
    "[String: String]": ("optionalStringMap()", None),
}


class SchemaError(Exception):
    pass


class Field:
    def __init__(self, owner, spec):
        m = FIELD_RE.match(spec)
        if not m:
            raise SchemaError(f"{owner}: cannot read field {spec!r}")
        self.json = m["json"]
        self.swift = m["swift"] or m["json"]
        self.type = m["type"].strip()
        self.optional = m["opt"] is not None
        self.default = m["default"]
        if self.optional and self.default:
            raise SchemaError(f"{owner}.{self.json}: optional with a default; say one or the other")
        self.required = not self.optional and self.default is None
        self.reader = self._reader(owner)

    @property
    def ident(self):
        """The Swift identifier, quoted where it is a keyword."""
        return f"`{self.swift}`" if self.swift in SWIFT_KEYWORDS else self.swift

    @property
    def local_type(self):
        return f"{self.type}?"

    def _reader(self, owner):
        t = self.type
        if t in SCALAR_READERS:
            optional, required = SCALAR_READERS[t]
        elif t.startswith("[String:") and t.endswith("]"):
            element = t[len("[String:"):-1].strip()
            optional, required = f"optionalMap({element}.self)", None
        elif t.startswith("[") and t.endswith("]"):
            element = t[1:-1].strip()
            optional, required = f"optionalArray({element}.self)", f"readArray({element}.self)"
        else:
            optional, required = f"optional({t}.self)", None
            if self.required:
                return f"{t}(json: &r)"
        reader = required if self.required else optional
        if reader is None:
            raise SchemaError(f"{owner}.{self.json}: a required {t} has no reader")
        return f"r.{reader}"

    def value(self):
        """The member's value after reading: the local, with the default applied."""
        return f"{self.ident} ?? {self.default}" if self.default else self.ident


def utf8_key(field):
    return field.json.encode("utf-8")


def construction(name, t, fields, indent="        "):
    """The statements that build the value from locals named as the members: the `construct`
    template with each `{x}` replaced by member x's value, then assignments of the members it
    does not name; or `self.init(x: x, ...)` over every member."""
    construct = t.get("construct")
    if not construct:
        return [indent + "self.init(" + ", ".join(f"{f.swift}: {f.value()}" for f in fields) + ")"]
    named = set(re.findall(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", construct))
    unknown = named - {f.swift for f in fields}
    if unknown:
        raise SchemaError(f"{name}: construct names unknown members {sorted(unknown)}")
    by_swift = {f.swift: f for f in fields}
    out = [indent + re.sub(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: by_swift[m[1]].value(), construct)]
    out += [f"{indent}self.{f.swift} = {f.value()}" for f in fields if f.swift not in named]
    return out


def generate_codable(name, t, fields):
    """`CodingKeys`, `init(from:)` and `encode(to:)` with the fast codec's meaning, for types
    whose Foundation codec the schema also owns (`"codable": true`)."""
    keys = ", ".join(f.ident if f.json == f.swift else f'{f.ident} = "{f.json}"' for f in fields)
    out = [f"extension {name} {{", f"    enum CodingKeys: String, CodingKey {{ case {keys} }}", "",
           "    public init(from decoder: any Decoder) throws {",
           "        let c = try decoder.container(keyedBy: CodingKeys.self)"]

    def decode(f):
        if f.required:
            return f"try c.decode({f.type}.self, forKey: .{f.swift})"
        return f"try c.decodeIfPresent({f.type}.self, forKey: .{f.swift})"

    seed = t.get("seed")
    if seed:
        out.append(f"        {seed}")
        for f in fields:
            default = f" ?? {f.default}" if f.default else ""
            out.append(f"        self.{f.swift} = {decode(f)}{default}")
    else:
        for f in fields:
            out.append(f"        let {f.ident} = {decode(f)}")
        out += construction(name, t, fields)
    out += ["    }", "", "    public func encode(to encoder: any Encoder) throws {",
            "        var c = encoder.container(keyedBy: CodingKeys.self)"]
    for f in fields:
        method = "encodeIfPresent" if f.optional else "encode"
        out.append(f"        try c.{method}({f.ident}, forKey: .{f.swift})")
    out += ["    }", "}"]
    return out


def generate_type(t):
    name = t["name"]
    fields = [Field(name, f) for f in t["fields"]]
    if len(fields) > 32:
        raise SchemaError(f"{name}: more than 32 members do not fit the `seen` bits")
    if len({f.json for f in fields}) != len(fields):
        raise SchemaError(f"{name}: a JSON name appears twice")
    seed, construct = t.get("seed"), t.get("construct")
    if seed and construct:
        raise SchemaError(f"{name}: seed and construct both given")

    out = [f"extension {name}: FastJSONEncodable, FastJSONDecodable {{",
           "    public func writeJSON(to w: inout JSONWriter) {",
           "        w.beginObject()"]
    for f in sorted(fields, key=utf8_key):
        out.append(f'        w.field("{f.json}", {f.ident})')
    out += ["        w.endObject()", "    }", ""]

    if "doc" in t:
        out.append(f"    /// {t['doc']}")
    out.append("    public init(json r: inout JSONReader) throws(FastJSONError) {")
    if seed:
        if any(f.required for f in fields):
            raise SchemaError(f"{name}: a seeded type cannot have required members")
        out.append(f"        {seed}")
    else:
        for f in fields:
            out.append(f"        var {f.ident}: {f.local_type}")
    out += ["        var seen: UInt32 = 0", "        try r.beginObject()", "        var first = true",
            "        while try r.nextKey(&first) {"]
    for i, f in enumerate(fields):
        keyword = "if" if i == 0 else "} else if"
        target = f"self.{f.swift}" if seed else f.ident
        read = f"try {f.reader}"
        if seed and f.default:
            read += f" ?? {f.default}"
        out += [f'            {keyword} r.isKey("{f.json}") {{',
                f"                try r.once(&seen, 1 << {i})",
                f"                {target} = {read}"]
    out += ["            } else {", "                try r.skipValue()", "            }", "        }"]
    if not seed:
        required = [f.ident for f in fields if f.required]
        if required:
            out.append(f"        guard {', '.join('let ' + r for r in required)} else {{ throw FastJSONError() }}")
        out += construction(name, t, fields)
    out += ["    }", "}"]
    if t.get("codable"):
        out += [""] + generate_codable(name, t, fields)
    return "\n".join(out)


def generate_file(schema_path):
    schema = json.loads(schema_path.read_text())
    rel = schema_path.relative_to(ROOT)
    header = [f"// Generated by Scripts/generate-codecs.py from {rel}; do not edit.",
              "// Change the schema and run `python3 Scripts/generate-codecs.py` (or `make codecs`).",
              ""]
    if "comment" in schema:
        header += [f"// {line}" if line else "//" for line in schema["comment"]] + [""]
    body = "\n\n".join(generate_type(t) for t in schema["types"])
    return "\n".join(header) + "\n" + body + "\n"


def openapi_schemas():
    """The component schemas of every struct of every schema file, by OpenAPI name."""
    files = [json.loads(p.read_text()) for p in sorted(SCHEMA_DIR.glob("*.json"))]
    names = {}
    for schema in files:
        package = schema.get("package", "io.k8s.api.core.v1")
        for t in schema["types"]:
            shown = t.get("openapiName", t["name"])
            names[t["name"]] = f"{META}.{shown}" if t["name"] in META_TYPES else f"{package}.{shown}"

    def of(type_name):
        t = type_name.strip()
        if t.startswith("[String:") and t.endswith("]"):
            return {"type": "object", "additionalProperties": of(t[len("[String:"):-1])}
        if t.startswith("[") and t.endswith("]"):
            return {"type": "array", "items": of(t[1:-1])}
        if t in names:
            return {"$ref": f"#/components/schemas/{names[t]}"}
        scalar = OPENAPI_SCALARS.get(t, {"type": "string"})
        return {"$ref": f"#/components/schemas/{scalar}"} if isinstance(scalar, str) else dict(scalar)

    out = dict(OPENAPI_SHARED)
    for schema in files:
        for t in schema["types"]:
            fields = [Field(t["name"], f) for f in t["fields"]]
            docs = t.get("describe", {})
            unknown = set(docs) - {f.json for f in fields}
            if unknown:
                raise SchemaError(f"{t['name']}: describe names unknown members {sorted(unknown)}")
            props = {}
            for f in sorted(fields, key=lambda f: f.json):
                member = of(f.type)
                # A $ref cannot carry a description beside it in OpenAPI 3.0: wrap it as Kubernetes does.
                if "$ref" in member:
                    member = {"allOf": [member]}
                if f.json in docs or (f.json in COMMON_DOCS and "gvk" in t):
                    member["description"] = docs.get(f.json, COMMON_DOCS.get(f.json))
                props[f.json] = member
            body = {"type": "object", "properties": props}
            if "description" in t:
                body["description"] = t["description"]
            required = sorted(f.json for f in fields if f.required and f.json not in ("metadata", "spec"))
            if required:
                body["required"] = required
            if "gvk" in t:
                group, kind = t["gvk"]
                body["x-kubernetes-group-version-kind"] = [{"group": group, "kind": kind, "version": "v1"}]
            out[names[t["name"]]] = body
    return out


def generate_openapi():
    text = json.dumps(openapi_schemas(), sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    if '"##' in text:
        raise SchemaError("a description holds '\"##', which ends the Swift raw string")
    return "\n".join([
        "// Generated by Scripts/generate-codecs.py from Sources/PVDModel/Schema; do not edit.",
        "// Change the schemas and run `python3 Scripts/generate-codecs.py` (or `make codecs`).",
        "",
        "/// The OpenAPI v3 component schemas of every struct pvd keeps, as compact JSON.",
        "enum OpenAPISchemas {",
        f'    static let digest = "{digest}"',
        f'    static let json = ##"{text}"##',
        "}",
        "",
    ])


def main(argv):
    check = "--check" in argv[1:]
    stale = []
    expected = set()
    for schema_path in sorted(SCHEMA_DIR.glob("*.json")):
        out_path = OUT_DIR / f"FastJSON+{schema_path.stem}.generated.swift"
        expected.add(out_path)
        try:
            text = generate_file(schema_path)
        except SchemaError as e:
            print(f"{schema_path.relative_to(ROOT)}: {e}", file=sys.stderr)
            return 2
        if out_path.exists() and out_path.read_text() == text:
            continue
        stale.append(out_path)
        if not check:
            out_path.write_text(text)
    try:
        openapi = generate_openapi()
    except SchemaError as e:
        print(f"OpenAPI schemas: {e}", file=sys.stderr)
        return 2
    if not (OPENAPI_OUT.exists() and OPENAPI_OUT.read_text() == openapi):
        stale.append(OPENAPI_OUT)
        if not check:
            OPENAPI_OUT.write_text(openapi)
    orphans = [p for p in OUT_DIR.glob("FastJSON+*.generated.swift") if p not in expected]
    for p in orphans:
        stale.append(p)
        if not check:
            p.unlink()
    for p in stale:
        verb = "out of date" if check else "written"
        print(f"{p.relative_to(ROOT)}: {verb}", file=sys.stderr if check else sys.stdout)
    if check and stale:
        print("run `python3 Scripts/generate-codecs.py` and commit the result", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
