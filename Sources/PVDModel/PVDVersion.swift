/// pvd's version, printed by `pvd version` and reported by each Node.
public enum PVDVersion {
    public static let string = "0.1.0"
}
