/// A public-key algorithm with its size: what a certificate or a private key holds.
public enum KeyAlgorithm: Hashable, Sendable, CustomStringConvertible {
    /// RSA with a modulus of `bits` bits.
    case rsa(bits: Int)
    /// ECDSA on a NIST curve.
    case ec(EllipticCurve)
    /// Anything else (shown, never generated or used for keys).
    case other(String)

    /// The default for new device credentials: EC P-256.
    public static let ecP256 = KeyAlgorithm.ec(.p256)
    /// RSA 2048, what AWS IoT `create-keys-and-certificate` gives.
    public static let rsa2048 = KeyAlgorithm.rsa(bits: 2048)

    /// "RSA 2048", "EC P-256".
    public var description: String {
        switch self {
        case .rsa(let bits): return "RSA \(bits)"
        case .ec(let curve): return "EC \(curve.rawValue)"
        case .other(let name): return name
        }
    }

    /// Whether this is an RSA key.
    public var isRSA: Bool {
        if case .rsa = self { return true }
        return false
    }
}

/// The NIST curves swift-crypto signs with.
public enum EllipticCurve: String, Hashable, Sendable, CaseIterable {
    case p256 = "P-256"
    case p384 = "P-384"
    case p521 = "P-521"
}
