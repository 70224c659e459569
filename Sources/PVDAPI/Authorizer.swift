import Foundation
import PVDStore

/// What a request asks to do, as Kubernetes' authorizers see it (authorizer.Attributes).
public struct RequestAttributes: Sendable, Equatable {
    public var user: UserInfo
    /// get, list, watch, create, update, patch, delete; for a non-resource path, the HTTP verb
    /// in lower case.
    public var verb: String
    public var isResourceRequest: Bool
    public var apiGroup: String = ""
    public var resource: String = ""
    public var subresource: String = ""
    public var namespace: String = ""
    public var name: String = ""
    /// The request path, for non-resource requests (`/version`, `/api`).
    public var path: String = ""

    public init(
        user: UserInfo, verb: String, isResourceRequest: Bool, apiGroup: String = "", resource: String = "", subresource: String = "",
        namespace: String = "", name: String = "", path: String = ""
    ) {
        self.user = user
        self.verb = verb
        self.isResourceRequest = isResourceRequest
        self.apiGroup = apiGroup
        self.resource = resource
        self.subresource = subresource
        self.namespace = namespace
        self.name = name
        self.path = path
    }
}

/// An authorizer's answer. As in Kubernetes, `noOpinion` passes the request to the next mode;
/// the first `allow` or `deny` decides, and a request no mode allows is refused.
public enum AuthorizationDecision: Sendable, Equatable {
    case allow
    case deny(reason: String)
    case noOpinion(reason: String)
}

/// One authorization mode (`--authorization-mode`). RBAC and Node are further conformers.
public protocol Authorizer: Sendable {
    func authorize(_ request: RequestAttributes) async -> AuthorizationDecision
}

/// `AlwaysAllow`: every authenticated request may do everything.
public struct AlwaysAllowAuthorizer: Authorizer {
    public init() {}
    public func authorize(_ request: RequestAttributes) async -> AuthorizationDecision { .allow }
}

/// `AlwaysDeny`: nothing is allowed. Kubernetes' mode says "no opinion" with this reason, so a
/// later mode may still allow; on its own it refuses everything.
public struct AlwaysDenyAuthorizer: Authorizer {
    public init() {}
    public func authorize(_ request: RequestAttributes) async -> AuthorizationDecision { .noOpinion(reason: "Everything is forbidden.") }
}

/// The modes of `--authorization-mode`, tried in order.
public struct AuthorizerChain: Authorizer {
    public var modes: [any Authorizer]

    public init(_ modes: [any Authorizer]) { self.modes = modes }

    public func authorize(_ request: RequestAttributes) async -> AuthorizationDecision {
        var reasons: [String] = []
        for mode in modes {
            switch await mode.authorize(request) {
            case .allow: return .allow
            case .deny(let reason): return .deny(reason: reason)
            case .noOpinion(let reason): if !reason.isEmpty { reasons.append(reason) }
            }
        }
        return .deny(reason: reasons.joined(separator: "; "))
    }

    /// The chain for a comma list of mode names, as `--authorization-mode` takes it. `RBAC` and
    /// `Node` read objects from `store`; without one (a check of the setting alone) they stand
    /// in as no opinion. `RBAC` allows from `rbacCache` when there is one.
    public static func parse(
        _ text: String, store: (any ObjectStore)? = nil, rbacCache: RBACPolicyCache? = nil
    ) throws(AuthorizationModeError) -> AuthorizerChain {
        var modes: [any Authorizer] = []
        for name in try AuthorizationMode.parse(text) {
            switch name {
            case .alwaysAllow: modes.append(AlwaysAllowAuthorizer())
            case .alwaysDeny: modes.append(AlwaysDenyAuthorizer())
            case .rbac:
                if let store { modes.append(RBACAuthorizer(store: store, cache: rbacCache)) } else { modes.append(AlwaysDenyAuthorizer()) }
            case .node:
                if let store { modes.append(NodeAuthorizer(store: store)) } else { modes.append(AlwaysDenyAuthorizer()) }
            }
        }
        return AuthorizerChain(modes)
    }
}

/// The modes `--authorization-mode` names.
public enum AuthorizationMode: String, Sendable, Equatable {
    case alwaysAllow = "AlwaysAllow"
    case alwaysDeny = "AlwaysDeny"
    case rbac = "RBAC"
    case node = "Node"

    /// The modes of a comma list, in order; each at most once.
    public static func parse(_ text: String) throws(AuthorizationModeError) -> [AuthorizationMode] {
        var out: [AuthorizationMode] = []
        for raw in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = raw.trimmingCharacters(in: .whitespaces)
            guard let mode = AuthorizationMode(rawValue: name) else {
                throw AuthorizationModeError(mode: name, problem: "unknown (want AlwaysAllow, AlwaysDeny, Node or RBAC, comma-separated)")
            }
            guard !out.contains(mode) else { throw AuthorizationModeError(mode: name, problem: "given twice") }
            out.append(mode)
        }
        return out
    }
}

/// An `--authorization-mode` pvd cannot use.
public struct AuthorizationModeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var mode: String
    public var problem: String
    public var description: String { "authorization mode \"\(mode)\": \(problem)" }
}

extension RequestAttributes {
    /// Kubernetes' forbidden message: `persistentvolumeclaims "x" is forbidden: User "u" cannot
    /// get resource "persistentvolumeclaims" in API group "" in the namespace "ns"`, then the
    /// authorizers' reason.
    public func forbiddenMessage(reason: String) -> String {
        var message: String
        if isResourceRequest {
            let groupResource = apiGroup.isEmpty ? resource : "\(resource).\(apiGroup)"
            let what = name.isEmpty ? groupResource : "\(groupResource) \"\(name)\""
            let full = subresource.isEmpty ? resource : "\(resource)/\(subresource)"
            let scope = namespace.isEmpty ? "at the cluster scope" : "in the namespace \"\(namespace)\""
            message = "\(what) is forbidden: User \"\(user.name)\" cannot \(verb) resource \"\(full)\" in API group \"\(apiGroup)\" \(scope)"
        } else {
            message = "forbidden: User \"\(user.name)\" cannot \(verb) path \"\(path)\""
        }
        if !reason.isEmpty { message += ": " + reason }
        return message
    }
}
