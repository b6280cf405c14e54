import Foundation

/// Where a moment falls in a certificate's validity period.
public enum CertificateValidity: String, Codable, Sendable, CustomStringConvertible {
    case valid
    case notYetValid = "not yet valid"
    case expired

    public var description: String { rawValue }
}
