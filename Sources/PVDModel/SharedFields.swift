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
