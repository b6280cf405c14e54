import Crypto
import Foundation
import SwiftASN1
import X509
import _CryptoExtras

/// One X.509 certificate with its DER bytes and what an inspection shows about it.
///
/// For TLS, hand `derBytes` to `NIOSSLCertificate(bytes:format: .der)`.
public struct CredentialCertificate: Sendable, Equatable {
    /// The parsed certificate (swift-certificates).
    public let certificate: Certificate
    /// The DER encoding.
    public let derBytes: [UInt8]

    /// Parses one DER certificate. Throws `.wrongType` for a CSR or a key, `.malformed` otherwise.
    public init(derBytes: [UInt8]) throws(CredentialError) {
        do {
            self.certificate = try Certificate(derEncoded: derBytes)
            self.derBytes = derBytes
        } catch {
            switch DERObjects.shape(of: derBytes[...]) {
            case .signed:
                if (try? CertificateSigningRequest(derEncoded: derBytes)) != nil {
                    throw .wrongType(expected: "a certificate", found: "a certificate signing request (CSR)")
                }
                throw .malformed(what: "certificate", reason: LibraryErrorText.reason(error))
            case .pkcs8, .pkcs1, .sec1, .encryptedPKCS8:
                throw .wrongType(expected: "a certificate", found: "a private key")
            case .publicKey:
                throw .wrongType(expected: "a certificate", found: "a public key")
            case .unknown:
                throw .malformed(what: "certificate", reason: LibraryErrorText.reason(error))
            }
        }
    }

    /// Wraps a certificate made with swift-certificates.
    public init(_ certificate: Certificate) throws(CredentialError) {
        do {
            var serializer = DER.Serializer()
            try serializer.serialize(certificate)
            self.certificate = certificate
            self.derBytes = serializer.serializedBytes
        } catch {
            throw .malformed(what: "certificate", reason: LibraryErrorText.reason(error))
        }
    }

    public static func == (lhs: CredentialCertificate, rhs: CredentialCertificate) -> Bool {
        lhs.derBytes == rhs.derBytes
    }

    // MARK: Inspection

    /// The subject, e.g. `CN=device-0001, O=Uplink Development`.
    public var subject: String { certificate.subject.text }
    /// The issuer's name.
    public var issuer: String { certificate.issuer.text }
    /// The first common name of the subject, if any.
    public var commonName: String? { certificate.subject.values(of: .RDNAttributeType.commonName).first }
    /// The serial number in hex, `0A:1B:...`.
    public var serialNumber: String { Hex.string(certificate.serialNumber.bytes) }
    /// Start of validity.
    public var notBefore: Date { certificate.notValidBefore }
    /// End of validity.
    public var notAfter: Date { certificate.notValidAfter }

    /// Whether the certificate is valid, expired or not yet valid at `date`.
    public func validity(at date: Date) -> CertificateValidity {
        if date < notBefore { return .notYetValid }
        if date > notAfter { return .expired }
        return .valid
    }

    /// The algorithm and size of the certified public key.
    public var keyAlgorithm: KeyAlgorithm {
        let key = certificate.publicKey
        if let rsa = _RSA.Signing.PublicKey(key) { return .rsa(bits: rsa.keySizeInBits) }
        if P256.Signing.PublicKey(key) != nil { return .ec(.p256) }
        if P384.Signing.PublicKey(key) != nil { return .ec(.p384) }
        if P521.Signing.PublicKey(key) != nil { return .ec(.p521) }
        if Curve25519.Signing.PublicKey(key) != nil { return .other("Ed25519") }
        return .other("unknown")
    }

    /// The signature algorithm in OpenSSL's words, e.g. `sha256WithRSAEncryption`, `ecdsa-with-SHA256`.
    public var signatureAlgorithm: String {
        switch certificate.signatureAlgorithm {
        case .ecdsaWithSHA256: return "ecdsa-with-SHA256"
        case .ecdsaWithSHA384: return "ecdsa-with-SHA384"
        case .ecdsaWithSHA512: return "ecdsa-with-SHA512"
        case .sha1WithRSAEncryption: return "sha1WithRSAEncryption"
        case .sha256WithRSAEncryption: return "sha256WithRSAEncryption"
        case .sha384WithRSAEncryption: return "sha384WithRSAEncryption"
        case .sha512WithRSAEncryption: return "sha512WithRSAEncryption"
        case .ed25519: return "ED25519"
        default: return String(describing: certificate.signatureAlgorithm)
        }
    }

    /// The SHA-256 fingerprint of the DER, `AB:CD:...` (as `openssl x509 -fingerprint -sha256`).
    public var sha256Fingerprint: String { Hex.string(SHA256.hash(data: derBytes)) }

    /// Whether BasicConstraints says CA:TRUE.
    public var isCertificateAuthority: Bool {
        if case .isCertificateAuthority = (try? certificate.extensions.basicConstraints) ?? .notCertificateAuthority {
            return true
        }
        return false
    }

    /// The BasicConstraints path length limit of a CA, if any.
    public var pathLengthConstraint: Int? {
        if case .isCertificateAuthority(let length) = (try? certificate.extensions.basicConstraints)
            ?? .notCertificateAuthority
        {
            return length
        }
        return nil
    }

    /// Whether subject and issuer are the same and the certificate's own key verifies its signature.
    public var isSelfSigned: Bool { isIssued(by: self) == nil }

    /// DNS names and IP addresses of the SubjectAlternativeNames extension, as text.
    public var subjectAlternativeNames: [String] {
        guard let names = (try? certificate.extensions.subjectAlternativeNames) ?? nil else { return [] }
        return names.map { name in
            switch name {
            case .dnsName(let dns): return "DNS:\(dns)"
            case .ipAddress(let octets): return "IP:\(IPAddressText.format(Array(octets.bytes)))"
            case .rfc822Name(let mail): return "email:\(mail)"
            case .uniformResourceIdentifier(let uri): return "URI:\(uri)"
            default: return String(describing: name)
            }
        }
    }

    /// Extended key usages, e.g. `clientAuth`, `serverAuth`.
    public var extendedKeyUsages: [String] {
        guard let usages = (try? certificate.extensions.extendedKeyUsage) ?? nil else { return [] }
        return usages.map { usage in
            switch usage {
            case .clientAuth: return "clientAuth"
            case .serverAuth: return "serverAuth"
            case .codeSigning: return "codeSigning"
            case .emailProtection: return "emailProtection"
            case .timeStamping: return "timeStamping"
            case .ocspSigning: return "OCSPSigning"
            default: return String(describing: usage)
            }
        }
    }

    /// The DER size in bytes.
    public var derSize: Int { derBytes.count }
    /// The PEM size in bytes (64-character lines, final newline).
    public var pemSize: Int { PEMBlock.pemSize(label: "CERTIFICATE", derCount: derBytes.count) }
    /// The certificate as PEM, ending with a newline.
    public var pemString: String { PEMBlock(label: "CERTIFICATE", derBytes: derBytes).pemString }

    /// `nil` if `issuer` issued this certificate (names match and the signature verifies), else why not.
    public func isIssued(by issuer: CredentialCertificate) -> String? {
        guard certificate.issuer.sameName(as: issuer.certificate.subject) else {
            return "its issuer is \(self.issuer), the other's subject is \(issuer.subject)"
        }
        guard issuer.certificate.publicKey.isValidSignature(certificate.signature, for: certificate) else {
            return "the names match but the signature does not verify with \(issuer.subject)'s key"
        }
        return nil
    }
}
