/// The ASN.1 structure a private key is stored in.
public enum PrivateKeyFormat: String, Codable, Sendable, CustomStringConvertible {
    /// PKCS#8 `PrivateKeyInfo` (PEM label `PRIVATE KEY`), for any algorithm.
    case pkcs8
    /// PKCS#1 `RSAPrivateKey` (PEM label `RSA PRIVATE KEY`).
    case pkcs1
    /// SEC1 `ECPrivateKey` (PEM label `EC PRIVATE KEY`).
    case sec1

    /// "PKCS#8", "PKCS#1", "SEC1".
    public var description: String {
        switch self {
        case .pkcs8: return "PKCS#8"
        case .pkcs1: return "PKCS#1"
        case .sec1: return "SEC1"
        }
    }

    /// The PEM label of this format.
    public var pemLabel: String {
        switch self {
        case .pkcs8: return "PRIVATE KEY"
        case .pkcs1: return "RSA PRIVATE KEY"
        case .sec1: return "EC PRIVATE KEY"
        }
    }

    /// Whether this is one of the traditional, algorithm-specific formats (PKCS#1, SEC1).
    public var isTraditional: Bool { self != .pkcs8 }

    /// The format for a PEM label, if it names a private key.
    public init?(pemLabel: String) {
        switch pemLabel {
        case "PRIVATE KEY": self = .pkcs8
        case "RSA PRIVATE KEY": self = .pkcs1
        case "EC PRIVATE KEY": self = .sec1
        default: return nil
        }
    }
}
