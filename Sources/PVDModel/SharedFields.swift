/// Heap storage shared by copies of one big value type, copied on the first mutation of a
/// shared copy: the standard library's own trick for arrays, used here for the objects.
///
/// A PersistentVolume or claim holds some twenty strings, arrays and maps. As plain stored
/// properties, every copy of one (into an index, a snapshot, an enum payload, an array that
/// grows) retains each of them, and moving one moves hundreds of bytes. A binder pass copies
/// each object several times, so at 150,000 claims most of its time was that. Behind a box a
/// copy is one retain, and a change still leaves every other copy as it was.
///
/// Sendable although its field is a `var`: a box is only written through `uniqued`, which
/// first makes it unshared, so no two tasks ever see one box being written.
@usableFromInline
final class SharedFields<Fields: Sendable & Equatable>: @unchecked Sendable {
    @usableFromInline var fields: Fields

    @inlinable init(_ fields: Fields) { self.fields = fields }
}

extension SharedFields {
    /// Whether two boxes hold equal fields; the same box trivially does.
    @inlinable static func same(_ a: SharedFields, _ b: SharedFields) -> Bool {
        a === b || a.fields == b.fields
    }
}

/// A value type that keeps its fields in a `SharedFields` box.
@usableFromInline
protocol CopyOnWriteFields {
    associatedtype Fields: Sendable & Equatable
    var box: SharedFields<Fields> { get set }
}

extension CopyOnWriteFields {
    /// The box, made unshared first so the caller may write through it.
    @inlinable var uniqued: SharedFields<Fields> {
        mutating get {
            if !isKnownUniquelyReferenced(&box) { box = SharedFields(box.fields) }
            return box
        }
    }
}

/// The fields of an object with a spec and a status (a PersistentVolume, a claim), kept in its
/// `SharedFields` box, and their JSON shape for `Codable`: missing metadata and spec decode as
/// empty ones, so validation can name what is missing.
@usableFromInline
struct ObjectFields<Spec: Codable & Sendable & Equatable & EmptySpec, Status: Codable & Sendable & Equatable>:
    Sendable, Equatable, Codable
{
    @usableFromInline var apiVersion: String?
    @usableFromInline var kindName: String?
    @usableFromInline var metadata: ObjectMeta
    @usableFromInline var spec: Spec
    @usableFromInline var status: Status?

    enum CodingKeys: String, CodingKey { case apiVersion, kindName = "kind", metadata, spec, status }

    @usableFromInline init(
        apiVersion: String? = nil, kindName: String? = nil, metadata: ObjectMeta, spec: Spec, status: Status? = nil
    ) {
        self.apiVersion = apiVersion
        self.kindName = kindName
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    @usableFromInline init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        kindName = try c.decodeIfPresent(String.self, forKey: .kindName)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta(name: "")
        spec = try c.decodeIfPresent(Spec.self, forKey: .spec) ?? Spec.empty
        status = try c.decodeIfPresent(Status.self, forKey: .status)
    }

    @usableFromInline func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(apiVersion, forKey: .apiVersion)
        try c.encodeIfPresent(kindName, forKey: .kindName)
        try c.encode(metadata, forKey: .metadata)
        try c.encode(spec, forKey: .spec)
        try c.encodeIfPresent(status, forKey: .status)
    }
}

/// A spec with an empty value, which a manifest without a spec decodes as.
@usableFromInline
protocol EmptySpec {
    static var empty: Self { get }
}

extension PersistentVolumeSpec: EmptySpec {
    @usableFromInline static var empty: PersistentVolumeSpec { PersistentVolumeSpec() }
}

extension PersistentVolumeClaimSpec: EmptySpec {
    @usableFromInline static var empty: PersistentVolumeClaimSpec { PersistentVolumeClaimSpec() }
}
