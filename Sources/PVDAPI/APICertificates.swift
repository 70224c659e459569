import Crypto
import Foundation
import SwiftASN1
import X509

/// pvd's own certificate authority for the API, and what it signs: the serving certificate
/// (made on first start, beside the CA, under `<root>/api`) and client certificates for
/// `pvd kubeconfig` (CN = user, O = groups, as Kubernetes' x509 authenticator reads them).
/// P-256 keys, PEM files; the keys are written mode 0600.
public struct APICertificates: Sendable {
    public var caCertificate: Certificate
    /// The CA's key, as its raw bytes: swift-crypto's key type is not Sendable here.
    let caKeyBytes: Data
    var caKey: P256.Signing.PrivateKey {
        // The bytes came from a key of this type; reading them back cannot fail.
        (try? P256.Signing.PrivateKey(rawRepresentation: caKeyBytes)) ?? P256.Signing.PrivateKey()
    }

    init(caCertificate: Certificate, caKey: P256.Signing.PrivateKey) {
        self.caCertificate = caCertificate
        caKeyBytes = caKey.rawRepresentation
    }

    /// Paths of the files under one directory.
    public struct Files: Sendable, Equatable {
        public var directory: String
        public init(directory: String) { self.directory = directory }
        public var caCertificate: String { directory + "/ca.crt" }
        public var caKey: String { directory + "/ca.key" }
        public var servingCertificate: String { directory + "/apiserver.crt" }
        public var servingKey: String { directory + "/apiserver.key" }
    }

    /// Something about the certificate files that stops the API: the file and what is wrong.
    public struct FileError: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var problem: String
        public var description: String { "\(path): \(problem)" }
    }

    /// The CA under `files`, made (with a serving certificate for `hosts`) when there is none yet.
    /// `made` says whether this call made them.
    public static func loadOrCreate(_ files: Files, hosts: [String], now: Date = Date()) throws(FileError) -> (APICertificates, made: Bool) {
        let fm = FileManager.default
        if fm.fileExists(atPath: files.caCertificate) || fm.fileExists(atPath: files.caKey) {
            let ca = try load(files)
            if !fm.fileExists(atPath: files.servingCertificate) || !fm.fileExists(atPath: files.servingKey) {
                try ca.writeServing(files, hosts: hosts, now: now)
            }
            return (ca, false)
        }
        do {
            try fm.createDirectory(atPath: files.directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw FileError(path: files.directory, problem: "cannot be made: \(error.localizedDescription)")
        }
        let ca = try makeAuthority(now: now)
        let caPEM: String
        do { caPEM = try pem(ca.caCertificate) } catch { throw FileError(path: files.caCertificate, problem: "cannot be encoded: \(error)") }
        try write(caPEM, to: files.caCertificate, mode: 0o644)
        try write(ca.caKey.pemRepresentation, to: files.caKey, mode: 0o600)
        try ca.writeServing(files, hosts: hosts, now: now)
        return (ca, true)
    }

    /// Reads an existing CA.
    public static func load(_ files: Files) throws(FileError) -> APICertificates {
        let certText = try read(files.caCertificate)
        let keyText = try read(files.caKey)
        do {
            let cert = try Certificate(pemEncoded: certText)
            let key = try P256.Signing.PrivateKey(pemRepresentation: keyText)
            guard Certificate.PublicKey(key.publicKey) == cert.publicKey else {
                throw FileError(path: files.caKey, problem: "is not the key of \(files.caCertificate)")
            }
            return APICertificates(caCertificate: cert, caKey: key)
        } catch let e as FileError {
            throw e
        } catch {
            throw FileError(path: files.caCertificate, problem: "not a pvd CA certificate and P-256 key in PEM: \(error)")
        }
    }

    /// A new CA, valid for ten years.
    static func makeAuthority(now: Date) throws(FileError) -> APICertificates {
        let key = P256.Signing.PrivateKey()
        do {
            let name = try DistinguishedName { CommonName("pvd-ca") }
            let publicKey = Certificate.PublicKey(key.publicKey)
            let cert = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
                notValidBefore: now - 300, notValidAfter: now + 10 * 365 * 86400, issuer: name, subject: name,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: publicKey)
                },
                issuerPrivateKey: Certificate.PrivateKey(key))
            return APICertificates(caCertificate: cert, caKey: key)
        } catch {
            throw FileError(path: "(new CA)", problem: "cannot be made: \(error)")
        }
    }

    /// A leaf certificate this CA signs, and its new key.
    func issue(subject: DistinguishedName, usage: ExtendedKeyUsage.Usage, names: [GeneralName], days: Int, now: Date) throws -> (Certificate, P256.Signing.PrivateKey) {
        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let cert = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: now - 300, notValidAfter: now + Double(days) * 86400, issuer: caCertificate.subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([usage])
                SubjectKeyIdentifier(hash: publicKey)
                if !names.isEmpty { SubjectAlternativeNames(names) }
            },
            issuerPrivateKey: Certificate.PrivateKey(caKey))
        return (cert, key)
    }

    /// The serving certificate for `hosts` (names and IP addresses), one year.
    func writeServing(_ files: Files, hosts: [String], now: Date) throws(FileError) {
        var names: [GeneralName] = []
        for host in Set(hosts + ["localhost", "127.0.0.1", "::1"]).sorted() {
            if let bytes = Self.ipBytes(host) {
                names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes))))
            } else {
                names.append(.dnsName(host))
            }
        }
        let certPEM: String, keyPEM: String
        do {
            let (cert, key) = try issue(subject: try DistinguishedName { CommonName("pvd-apiserver") }, usage: .serverAuth, names: names, days: 365, now: now)
            certPEM = try Self.pem(cert)
            keyPEM = key.pemRepresentation
        } catch {
            throw FileError(path: files.servingCertificate, problem: "cannot be made: \(error)")
        }
        try Self.write(certPEM, to: files.servingCertificate, mode: 0o644)
        try Self.write(keyPEM, to: files.servingKey, mode: 0o600)
    }

    /// A client certificate for `user` in `groups` (CN and O), PEM certificate and key.
    public func clientCertificate(user: String, groups: [String], days: Int = 365, now: Date = Date()) throws -> (certificate: String, key: String) {
        var rdns = [RelativeDistinguishedName(try RelativeDistinguishedName.Attribute(type: .RDNAttributeType.commonName, utf8String: user))]
        for g in groups {
            rdns.append(RelativeDistinguishedName(try RelativeDistinguishedName.Attribute(type: .RDNAttributeType.organizationName, utf8String: g)))
        }
        let (cert, key) = try issue(subject: DistinguishedName(rdns), usage: .clientAuth, names: [], days: days, now: now)
        return (try Self.pem(cert), key.pemRepresentation)
    }

    static func pem(_ cert: Certificate) throws -> String { try cert.serializeAsPEM().pemString }

    /// The four or sixteen bytes of an IP address, or nil for a name.
    static func ipBytes(_ host: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    static func read(_ path: String) throws(FileError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw FileError(path: path, problem: "cannot be read") }
        return String(decoding: data, as: UTF8.self)
    }

    static func write(_ text: String, to path: String, mode: Int) throws(FileError) {
        // Made with its mode from the start, so a key is never readable by others, even briefly.
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
            throw FileError(path: path, problem: "cannot be written")
        }
    }
}
