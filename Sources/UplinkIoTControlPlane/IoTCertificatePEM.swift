import Crypto
import Foundation
import UplinkCredentials
import X509

/// A PEM certificate as the control plane takes it: exactly one `CERTIFICATE` block, parsed, with AWS's id.
struct IoTCertificatePEM {
    /// AWS's bound on `certificatePem` (characters).
    static let maximumLength = 65536

    let certificate: CredentialCertificate
    /// The PEM as stored and described (re-encoded from the DER, one trailing newline).
    let pem: String
    /// Lowercase hex SHA-256 of the DER: the certificate id.
    let id: String

    /// Parses `text`; `CertificateValidationException` says what is wrong.
    init(_ text: String, field: String) throws(IoTAPIError) {
        guard !text.isEmpty, text.utf8.count <= Self.maximumLength else {
            throw .invalidRequest("\(field) must be 1 to \(Self.maximumLength) characters long.")
        }
        let blocks: [PEMBlock]
        do { blocks = try PEMBlock.parseAll(Array(text.utf8)) } catch {
            throw .certificateValidation("\(field) is not a PEM certificate: \(error)")
        }
        guard blocks.count == 1, let block = blocks.first, block.label == "CERTIFICATE" else {
            throw .certificateValidation(
                "\(field) must hold exactly one CERTIFICATE block, not \(blocks.map(\.label).joined(separator: ", ")).")
        }
        do { certificate = try CredentialCertificate(derBytes: block.derBytes) } catch {
            throw .certificateValidation("\(field) is not a valid X.509 certificate: \(error)")
        }
        pem = certificate.pemString
        id = Self.id(of: block.derBytes)
    }

    static func id(of der: [UInt8]) -> String {
        SHA256.hash(data: der).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether the certificate says it is a CA (basic constraints).
    var isCA: Bool { certificate.isCertificateAuthority }

    /// `CertificateValidationException` when the certificate is outside its validity at `date`.
    func checkValidity(at date: Date, field: String) throws(IoTAPIError) {
        switch certificate.validity(at: date) {
        case .valid: return
        case .expired: throw .certificateValidation("\(field) has expired (\(certificate.notAfter)).")
        case .notYetValid: throw .certificateValidation("\(field) is not valid yet (\(certificate.notBefore)).")
        }
    }
}
