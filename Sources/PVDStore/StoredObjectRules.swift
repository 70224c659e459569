import Foundation

/// The rules of the SQLite backend that another backend must apply the same way, exposed so
/// that `EtcdStore` (in its own module) decides them byte for byte as this one does.
public enum StoredObjectRules {
    /// Whether two encodings of an object differ outside `metadata` and `status`: what moves
    /// `metadata.generation` on update. Undecidable input counts as a change.
    public static func specChanged(from old: Data, to new: Data) -> Bool {
        JSONMembers.specChanged(old, new)
    }
}
