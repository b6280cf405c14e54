import Foundation
import SwiftASN1
import X509

/// Issues certificates with swift-certificates: dev PKI, test material and size estimates.
public enum CertificateFactory {
    /// The certificate and key that sign new certificates.
    public struct Issuer: Sendable {
        /// The issuer's certificate (its subject becomes the issuer name; its SKI the AKI).
        public var certificate: CredentialCertificate
        /// The issuer's private key.
        public var key: CredentialKey

        /// An issuer from its certificate and key.
        public init(certificate: CredentialCertificate, key: CredentialKey) {
            self.certificate = certificate
            self.key = key
        }
    }

    /// Issues a certificate for `key`'s public key; self-signed when `issuer` is `nil`.
    ///
    /// Extensions follow `role`; SKI always, AKI when an issuer is given. The serial is 20 random bytes
    /// (as AWS IoT issues) unless `serialNumber` is given.
    public static func issue(
        subject: DistinguishedName, key: CredentialKey, role: CertificateRole, issuer: Issuer? = nil,
        notBefore: Date, notAfter: Date, serialNumber: Certificate.SerialNumber? = nil
    ) throws(CredentialError) -> CredentialCertificate {
        guard notAfter > notBefore else {
            throw .invalidOption("the validity ends (\(notAfter)) before it starts (\(notBefore))")
        }
        let publicKey = key.publicKey
        do {
            var extensions = [Certificate.Extension]()
            let keyEncipherment = key.algorithm.isRSA
            switch role {
            case .rootCA:
                extensions.append(
                    try .init(BasicConstraints.isCertificateAuthority(maxPathLength: nil), critical: true))
                extensions.append(try .init(KeyUsage(keyCertSign: true, cRLSign: true), critical: true))
            case .intermediateCA(let pathLength):
                extensions.append(
                    try .init(BasicConstraints.isCertificateAuthority(maxPathLength: pathLength), critical: true))
                extensions.append(
                    try .init(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true), critical: true))
            case .client:
                extensions.append(try .init(BasicConstraints.notCertificateAuthority, critical: true))
                extensions.append(
                    try .init(KeyUsage(digitalSignature: true, keyEncipherment: keyEncipherment), critical: true))
                extensions.append(try .init(ExtendedKeyUsage([.clientAuth]), critical: false))
            case .server(let names):
                extensions.append(try .init(BasicConstraints.notCertificateAuthority, critical: true))
                extensions.append(
                    try .init(KeyUsage(digitalSignature: true, keyEncipherment: keyEncipherment), critical: true))
                extensions.append(try .init(ExtendedKeyUsage([.serverAuth]), critical: false))
                extensions.append(try .init(SubjectAlternativeNames(names.map(generalName)), critical: false))
            }
            extensions.append(try .init(SubjectKeyIdentifier(hash: publicKey), critical: false))
            if let issuer, let identifier = try issuer.certificate.certificate.extensions.subjectKeyIdentifier {
                extensions.append(
                    try .init(AuthorityKeyIdentifier(keyIdentifier: identifier.keyIdentifier), critical: false))
            }
            let certificate = try Certificate(
                version: .v3,
                serialNumber: serialNumber ?? Certificate.SerialNumber(),
                publicKey: publicKey,
                notValidBefore: notBefore,
                notValidAfter: notAfter,
                issuer: issuer?.certificate.certificate.subject ?? subject,
                subject: subject,
                extensions: try Certificate.Extensions(extensions),
                issuerPrivateKey: (issuer?.key ?? key).certificatePrivateKey)
            return try CredentialCertificate(certificate)
        } catch let error as CredentialError {
            throw error
        } catch {
            throw .malformed(what: "new certificate", reason: LibraryErrorText.reason(error))
        }
    }

    /// A copy of `template` (same subject, issuer, serial, validity and extensions) for another public key,
    /// signed by `signingKey` with the default algorithm of that key. The SKI is recomputed for the new key.
    ///
    /// Used to measure what a certificate would weigh with another key type, not to make usable certificates.
    public static func reissue(
        _ template: CredentialCertificate, for publicKey: Certificate.PublicKey, signedBy signingKey: CredentialKey
    ) throws(CredentialError) -> CredentialCertificate {
        do {
            let original = template.certificate
            let extensions = try original.extensions.map { ext -> Certificate.Extension in
                guard ext.oid == .X509ExtensionID.subjectKeyIdentifier else { return ext }
                return try Certificate.Extension(SubjectKeyIdentifier(hash: publicKey), critical: ext.critical)
            }
            let certificate = try Certificate(
                version: original.version, serialNumber: original.serialNumber, publicKey: publicKey,
                notValidBefore: original.notValidBefore, notValidAfter: original.notValidAfter,
                issuer: original.issuer, subject: original.subject,
                extensions: try Certificate.Extensions(extensions),
                issuerPrivateKey: signingKey.certificatePrivateKey)
            return try CredentialCertificate(certificate)
        } catch let error as CredentialError {
            throw error
        } catch {
            throw .malformed(what: "estimated certificate", reason: LibraryErrorText.reason(error))
        }
    }

    /// A SubjectAlternativeName entry: an IP address when `name` parses as one, else a DNS name.
    static func generalName(_ name: String) -> GeneralName {
        if let bytes = IPAddressText.parse(name) {
            return .ipAddress(ASN1OctetString(contentBytes: bytes[...]))
        }
        return .dnsName(name)
    }
}
