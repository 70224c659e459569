/// The store or the drivers cannot be opened where the environment points: the message names
/// the store location or the root and says why.
public struct NodeEnvironmentError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
