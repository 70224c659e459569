import PVDModel
import PVDStore

/// `Node`: the authorizer for nodes' identities (`NodeRules`), reading the stored object a
/// write names when whether it is the node's own decides. Requests of anyone else, and what
/// the rules leave open, are no opinion: the next mode answers.
public struct NodeAuthorizer: Authorizer {
    public let store: any ObjectStore

    public init(store: any ObjectStore) { self.store = store }

    public func authorize(_ request: RequestAttributes) async -> AuthorizationDecision {
        guard let node = NodeRules.node(of: request.user) else { return .noOpinion(reason: "") }
        switch NodeRules.decide(request, node: node) {
        case .allow:
            return .allow
        case .refuse(let reason):
            return .noOpinion(reason: reason)
        case .ifOwnsStored:
            guard let kind = Discovery.kind(group: request.apiGroup, version: "v1", plural: request.resource),
                  !request.name.isEmpty
            else { return .noOpinion(reason: NodeRules.noRelationship(node)) }
            do {
                let stored = try await store.get(kind: kind, namespace: kind.descriptor.namespaced ? request.namespace : nil, name: request.name)
                return NodeRules.owns(stored, node: node) ? .allow : .noOpinion(reason: NodeRules.noRelationship(node))
            } catch {
                // Not there (or unreadable): nothing relates it to the node, as Kubernetes' graph says.
                return .noOpinion(reason: NodeRules.noRelationship(node))
            }
        }
    }
}
