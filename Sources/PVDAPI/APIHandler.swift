import Logging
import PVDAdmission
import PVDModel
import PVDStore

/// The Kubernetes API over one store: authenticates, authorizes, then answers discovery,
/// OpenAPI and the REST verbs of every kind pvd keeps. Everything it writes goes through
/// `Admission`, the path `pvd apply` takes. Framework-free: `APIServer` carries its bytes.
public struct APIHandler: Sendable {
    public let store: any ObjectStore
    public let authenticator: Authenticator
    public let authorizer: any Authorizer
    /// The directory check of pvd's own StorageClasses (this node's drivers), as `pvd apply` runs it.
    public let classCheck: Admission.ClassCheck?
    public let logger: Logger
    /// The chain has the `Node` mode: what a node's identity writes must stay its own
    /// (`NodeRules.restriction`, Kubernetes' NodeRestriction admission).
    let restrictsNodes: Bool

    /// The largest request body taken: Kubernetes' 3 MiB.
    public static let maxBodyBytes = ManifestLimits.maxObjectBytes
    /// How long a watch without `timeoutSeconds` stays open (kube-apiserver picks 30–60 min).
    static let defaultWatchTimeout: Duration = .seconds(1800)

    public init(store: any ObjectStore, authenticator: Authenticator, authorizer: any Authorizer, classCheck: Admission.ClassCheck?, logger: Logger) {
        self.store = store
        self.authenticator = authenticator
        self.authorizer = authorizer
        self.classCheck = classCheck
        self.logger = logger
        let modes = (authorizer as? AuthorizerChain)?.modes ?? [authorizer]
        restrictsNodes = modes.contains { $0 is NodeAuthorizer }
    }

    /// The answer to one request. Never throws: every failure is a Status.
    public func respond(_ request: APIRequest) async -> APIResponse {
        var user: UserInfo
        switch authenticator.authenticate(authorization: request.authorization, peerCertificate: request.peerCertificate) {
        case .success(let u): user = u
        case .failure(let why):
            logger.info("request not authenticated", metadata: ["pvd.api.path": "\(request.path)", "pvd.api.reason": "\(why)"])
            return .status(.unauthorized)
        }
        if request.impersonation.isRequested {
            if let problem = request.impersonation.problem { return .status(.badRequest(problem)) }
            for check in request.impersonation.checks(by: user) {
                if let refusal = await refusal(check, path: request.path) { return .status(refusal) }
            }
            let identity = request.impersonation.identity
            logger.debug("acting as", metadata: ["pvd.api.user": "\(user.name)", "pvd.api.as": "\(identity.name)", "pvd.api.asGroups": "\(identity.groups)"])
            user = identity
        }
        let route = APIRoute(path: request.path)
        let attributes = Self.attributes(of: request, route: route, user: user)
        if let refusal = await refusal(attributes, path: request.path) { return .status(refusal) }
        do {
            return try await answer(route, request, user: user)
        } catch let status as APIStatus {
            return .status(status)
        } catch {
            logger.error("request failed", metadata: ["pvd.api.path": "\(request.path)", "pvd.error": "\(error)"])
            return .status(.internalError("\(error)"))
        }
    }

    /// The 403 for what the authorizers do not allow, with Kubernetes' message; nil when allowed.
    func refusal(_ attributes: RequestAttributes, path: String) async -> APIStatus? {
        let reason: String
        switch await authorizer.authorize(attributes) {
        case .allow: return nil
        case .deny(let r), .noOpinion(let r): reason = r
        }
        logger.notice("request forbidden", metadata: [
            "pvd.api.user": "\(attributes.user.name)", "pvd.api.verb": "\(attributes.verb)", "pvd.api.path": "\(path)",
        ])
        var status = APIStatus.forbidden(attributes.forbiddenMessage(reason: reason))
        if attributes.isResourceRequest {
            status.kind = attributes.resource
            status.group = attributes.apiGroup
            if !attributes.name.isEmpty { status.name = attributes.name }
        }
        return status
    }

    private func answer(_ route: APIRoute, _ request: APIRequest, user: UserInfo) async throws -> APIResponse {
        let discoveryMethods = ["GET", "HEAD"]
        switch route {
        case .version:
            guard discoveryMethods.contains(request.method) else { throw APIStatus.methodNotAllowed(request.method, path: request.path) }
            return .json(200, APIVersionInfo.current.json)
        case .health:
            return APIResponse(status: 200, contentType: "text/plain; charset=utf-8", body: .bytes(Array("ok".utf8)))
        case .coreVersions:
            if request.wantsAggregatedDiscovery { return .json(200, Discovery.aggregated(core: true), contentType: Discovery.aggregatedContentType) }
            return .json(200, Discovery.apiVersions)
        case .groupList:
            if request.wantsAggregatedDiscovery { return .json(200, Discovery.aggregated(core: false), contentType: Discovery.aggregatedContentType) }
            return .json(200, Discovery.groupList)
        case .group(let g):
            return .json(200, Discovery.group(g))
        case .resourceList(let g):
            guard let list = Discovery.resourceList(group: g) else { throw APIStatus.notFoundPath(request.path) }
            return .json(200, list)
        case .openAPIIndex:
            return .json(200, OpenAPIDocuments.index)
        case .openAPIDocument(let g):
            return .json(200, OpenAPIDocuments.document(group: g))
        case .resource(let target):
            return try await resource(target, request, user: user)
        case .selfSubjectAccessReview:
            guard request.method == "POST" else { throw APIStatus.methodNotAllowed(request.method, path: request.path) }
            let question = try AccessReview.attributes(body: request.body, contentType: request.contentType, user: user)
            return .json(201, AccessReview.answer(question, await authorizer.authorize(question)))
        case .unknown:
            throw APIStatus.notFoundPath(request.path)
        }
    }

    private func resource(_ target: APIRoute.ResourceTarget, _ request: APIRequest, user: UserInfo) async throws -> APIResponse {
        switch (request.method, target.name) {
        case ("GET", nil):
            if let w = request.query["watch"], w == "1" || w == "true" { return try await watch(target, request) }
            return try await list(target, request)
        case ("GET", .some(let name)): return try await get(target, name: name, request)
        case ("POST", nil): return try await create(target, request, user: user)
        case ("PUT", .some(let name)): return try await update(target, name: name, request, user: user)
        case ("PATCH", .some(let name)): return try await patch(target, name: name, request, user: user)
        case ("DELETE", .some(let name)): return try await delete(target, name: name, request)
        default: throw APIStatus.methodNotAllowed(request.method, path: request.path)
        }
    }

    /// The request as the authorizers see it: Kubernetes' verb for the method and path.
    static func attributes(of request: APIRequest, route: APIRoute, user: UserInfo) -> RequestAttributes {
        if route == .selfSubjectAccessReview {
            return RequestAttributes(user: user, verb: "create", isResourceRequest: true, apiGroup: "authorization.k8s.io", resource: "selfsubjectaccessreviews")
        }
        guard case .resource(let t) = route else {
            return RequestAttributes(user: user, verb: request.method.lowercased(), isResourceRequest: false, path: request.path)
        }
        let verb: String = switch (request.method, t.name) {
        case ("GET", nil), ("HEAD", nil): (request.query["watch"] == "1" || request.query["watch"] == "true") ? "watch" : "list"
        case ("GET", _), ("HEAD", _): "get"
        case ("POST", _): "create"
        case ("PUT", _): "update"
        case ("PATCH", _): "patch"
        case ("DELETE", nil): "deletecollection"
        case ("DELETE", _): "delete"
        default: request.method.lowercased()
        }
        return RequestAttributes(
            user: user, verb: verb, isResourceRequest: true, apiGroup: t.kind.descriptor.group, resource: t.kind.plural,
            subresource: t.subresource ?? "", namespace: t.namespace ?? "", name: t.name ?? "")
    }
}

/// What `/version` reports. The dispatching kubectl on these machines runs the kubectl whose
/// minor version matches the server's, so pvd reports the Kubernetes API level it follows (1.32).
public struct APIVersionInfo: Sendable, Equatable {
    public var major = "1"
    public var minor = "32"
    public var gitVersion = "v1.32.0-pvd.\(PVDVersion.string)"

    public static let current = APIVersionInfo()

    public var json: JSONValue {
        .object([
            "major": .string(major), "minor": .string(minor), "gitVersion": .string(gitVersion), "gitCommit": .string(""),
            "gitTreeState": .string("clean"), "buildDate": .string("1970-01-01T00:00:00Z"), "goVersion": .string("swift"),
            "compiler": .string("swiftc"), "platform": .string("linux/amd64"),
        ])
    }
}
