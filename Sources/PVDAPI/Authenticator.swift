import Foundation
import SwiftASN1
import X509

/// Who a request comes from: a bearer token from the token file, else a client certificate
/// signed by pvd's CA (CN = user, O = groups), else nobody (401; anonymous requests are not
/// taken). A token that is given but unknown is 401 even with a good certificate, as in Kubernetes.
public struct Authenticator: Sendable {
    public var tokens: TokenFile
    /// The CA client certificates must be signed by; nil takes no certificates.
    public var clientCA: Certificate?

    public init(tokens: TokenFile, clientCA: Certificate?) {
        self.tokens = tokens
        self.clientCA = clientCA
    }

    /// Why a request is not authenticated; the client only ever sees 401 "Unauthorized".
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case noCredentials
        case unknownToken
        case badCertificate(String)
        public var description: String {
            switch self {
            case .noCredentials: "no bearer token and no client certificate"
            case .unknownToken: "a bearer token the token file does not hold"
            case .badCertificate(let why): "client certificate: \(why)"
            }
        }
    }

    /// The user of a request with this `Authorization` header and peer certificate (DER).
    public func authenticate(authorization: String?, peerCertificate: [UInt8]?, now: Date = Date()) -> Result<UserInfo, Failure> {
        if let authorization {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let token = parts[1].trimmingCharacters(in: .whitespaces)
                guard let user = tokens.users[token] else { return .failure(.unknownToken) }
                return .success(user.authenticated)
            }
        }
        guard let der = peerCertificate else { return .failure(.noCredentials) }
        return verify(certificate: der, now: now).map(\.authenticated)
    }

    /// The user a client certificate names, if pvd's CA signed it and it is valid now for client auth.
    func verify(certificate der: [UInt8], now: Date) -> Result<UserInfo, Failure> {
        guard let ca = clientCA else { return .failure(.badCertificate("this server takes no client certificates")) }
        let cert: Certificate
        do { cert = try Certificate(derEncoded: der) } catch { return .failure(.badCertificate("not a certificate: \(error)")) }
        guard cert.issuer == ca.subject, ca.publicKey.isValidSignature(cert.signature, for: cert) else {
            return .failure(.badCertificate("not signed by pvd's CA (issuer \(cert.issuer))"))
        }
        guard cert.notValidBefore <= now, now <= cert.notValidAfter else {
            return .failure(.badCertificate("expired or not yet valid (valid \(cert.notValidBefore) to \(cert.notValidAfter))"))
        }
        if let eku = try? cert.extensions.extendedKeyUsage, !eku.contains(.clientAuth) {
            return .failure(.badCertificate("not for client authentication"))
        }
        var name = ""
        var groups: [String] = []
        for rdn in cert.subject {
            for attribute in rdn {
                guard let value = String(attribute.value) else { continue }
                if attribute.type == .RDNAttributeType.commonName { name = value }
                if attribute.type == .RDNAttributeType.organizationName { groups.append(value) }
            }
        }
        guard !name.isEmpty else { return .failure(.badCertificate("no common name")) }
        return .success(UserInfo(name: name, groups: groups))
    }
}
