import Crypto
import SwiftASN1
import X509
import _CryptoExtras

/// A private key (RSA or EC), with the format and encoding it was read in.
///
/// Read one with `CredentialKey(bytes:)` (PEM or DER; PKCS#8, PKCS#1 or SEC1). For TLS, hand
/// `pkcs8DERBytes` to `NIOSSLPrivateKey(bytes:format: .der)`.
public struct CredentialKey: Sendable {
    enum Backing: Sendable {
        case rsa(_RSA.Signing.PrivateKey)
        case p256(P256.Signing.PrivateKey)
        case p384(P384.Signing.PrivateKey)
        case p521(P521.Signing.PrivateKey)
    }

    let backing: Backing
    /// The algorithm and size.
    public let algorithm: KeyAlgorithm
    /// The format the key was read in (PKCS#8 for generated keys).
    public let format: PrivateKeyFormat
    /// The encoding the key was read in; `nil` for a generated key.
    public let encoding: CredentialEncoding?

    init(backing: Backing, format: PrivateKeyFormat, encoding: CredentialEncoding?) {
        self.backing = backing
        self.format = format
        self.encoding = encoding
        switch backing {
        case .rsa(let key): algorithm = .rsa(bits: key.keySizeInBits)
        case .p256: algorithm = .ec(.p256)
        case .p384: algorithm = .ec(.p384)
        case .p521: algorithm = .ec(.p521)
        }
    }

    /// Reads one private key from PEM or DER bytes.
    ///
    /// Throws a precise `CredentialError` for garbage, truncated PEM, bad base64, password-protected keys,
    /// certificates or other objects where a key was expected, and several keys in one file.
    public init(bytes: [UInt8]) throws(CredentialError) {
        let file = try CredentialFile(bytes: bytes)
        self = try file.singleKey()
    }

    /// Decodes a key from DER of a known format.
    public init(derBytes: [UInt8], format: PrivateKeyFormat, encoding: CredentialEncoding? = .der)
        throws(CredentialError)
    {
        let backing = try CredentialKey.decode(derBytes, format: format)
        self.init(backing: backing, format: format, encoding: encoding)
    }

    /// A new random key. RSA sizes from 2048 to 4096 bits; EC P-256, P-384 or P-521.
    public static func generate(_ algorithm: KeyAlgorithm) throws(CredentialError) -> CredentialKey {
        switch algorithm {
        case .rsa(let bits):
            guard bits >= 1024, bits <= 8192, bits % 8 == 0 else {
                throw .invalidOption("RSA key size \(bits) is not supported; use 2048, 3072 or 4096")
            }
            do {
                let key =
                    bits >= 2048
                    ? try _RSA.Signing.PrivateKey(keySize: .init(bitCount: bits))
                    : try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: bits))
                return CredentialKey(backing: .rsa(key), format: .pkcs8, encoding: nil)
            } catch {
                throw .invalidOption("could not generate an RSA \(bits) key: \(error)")
            }
        case .ec(.p256): return CredentialKey(backing: .p256(P256.Signing.PrivateKey()), format: .pkcs8, encoding: nil)
        case .ec(.p384): return CredentialKey(backing: .p384(P384.Signing.PrivateKey()), format: .pkcs8, encoding: nil)
        case .ec(.p521): return CredentialKey(backing: .p521(P521.Signing.PrivateKey()), format: .pkcs8, encoding: nil)
        case .other(let name): throw .unsupportedKeyAlgorithm(name)
        }
    }

    /// The same key, labelled with another format (for writing it out that way).
    public func withFormat(_ format: PrivateKeyFormat) throws(CredentialError) -> CredentialKey {
        _ = try derBytes(format)
        return CredentialKey(backing: backing, format: format, encoding: encoding)
    }

    // MARK: Encodings

    /// PKCS#8 DER: what `NIOSSLPrivateKey(bytes:format: .der)` and every TLS stack read.
    public var pkcs8DERBytes: [UInt8] {
        switch backing {
        case .rsa(let key): return Array(key.pkcs8DERRepresentation)
        case .p256(let key): return Array(key.derRepresentation)
        case .p384(let key): return Array(key.derRepresentation)
        case .p521(let key): return Array(key.derRepresentation)
        }
    }

    /// The traditional DER: PKCS#1 for RSA, SEC1 (with curve and public key) for EC.
    public var traditionalDERBytes: [UInt8] {
        switch backing {
        case .rsa(let key): return Array(key.derRepresentation)
        case .p256(let key):
            return CredentialKey.sec1(
                raw: Array(key.rawRepresentation), curve: .p256, publicKey: Array(key.publicKey.x963Representation))
        case .p384(let key):
            return CredentialKey.sec1(
                raw: Array(key.rawRepresentation), curve: .p384, publicKey: Array(key.publicKey.x963Representation))
        case .p521(let key):
            return CredentialKey.sec1(
                raw: Array(key.rawRepresentation), curve: .p521, publicKey: Array(key.publicKey.x963Representation))
        }
    }

    /// The traditional format of this key's algorithm: PKCS#1 for RSA, SEC1 for EC.
    public var traditionalFormat: PrivateKeyFormat { algorithm.isRSA ? .pkcs1 : .sec1 }

    /// DER in the given format; throws for PKCS#1 of an EC key or SEC1 of an RSA key.
    public func derBytes(_ format: PrivateKeyFormat) throws(CredentialError) -> [UInt8] {
        switch format {
        case .pkcs8: return pkcs8DERBytes
        case traditionalFormat: return traditionalDERBytes
        default:
            throw .unsupportedConversion("\(format) holds \(algorithm.isRSA ? "EC" : "RSA") keys, this is \(algorithm)")
        }
    }

    /// DER in the format the key was read in.
    public var derBytes: [UInt8] { (try? derBytes(format)) ?? pkcs8DERBytes }

    /// PEM in the format the key was read in, ending with a newline.
    public var pemString: String { PEMBlock(label: format.pemLabel, derBytes: derBytes).pemString }

    /// PEM in the given format, ending with a newline.
    public func pemString(_ format: PrivateKeyFormat) throws(CredentialError) -> String {
        PEMBlock(label: format.pemLabel, derBytes: try derBytes(format)).pemString
    }

    /// The size of the DER in the key's format.
    public var derSize: Int { derBytes.count }
    /// The size of the PEM in the key's format (with a final newline).
    public var pemSize: Int { PEMBlock.pemSize(label: format.pemLabel, derCount: derSize) }

    // MARK: Use

    /// The key for signing certificates (swift-certificates).
    public var certificatePrivateKey: Certificate.PrivateKey {
        switch backing {
        case .rsa(let key): return Certificate.PrivateKey(key)
        case .p256(let key): return Certificate.PrivateKey(key)
        case .p384(let key): return Certificate.PrivateKey(key)
        case .p521(let key): return Certificate.PrivateKey(key)
        }
    }

    /// The public half, as a certificate holds it.
    public var publicKey: Certificate.PublicKey { certificatePrivateKey.publicKey }

    /// Whether `certificate` holds this key's public key.
    public func matches(_ certificate: CredentialCertificate) -> Bool {
        Array(publicKey.subjectPublicKeyInfoBytes) == Array(certificate.certificate.publicKey.subjectPublicKeyInfoBytes)
    }

    // MARK: Decoding

    static func decode(_ der: [UInt8], format: PrivateKeyFormat) throws(CredentialError) -> Backing {
        switch format {
        case .pkcs1:
            return try rsa(der, format: format)
        case .sec1:
            return try ec(der, curve: try sec1Curve(der), format: format)
        case .pkcs8:
            let (algorithm, parameter) = try pkcs8Algorithm(der)
            switch algorithm {
            case OID.rsaEncryption:
                return try rsa(der, format: format)
            case OID.ecPublicKey:
                guard let parameter, let curve = OID.curve(parameter) else {
                    throw .unsupportedKeyAlgorithm("EC on curve \(parameter.map { "\($0)" } ?? "(none given)")")
                }
                return try ec(der, curve: curve, format: format)
            default:
                throw .unsupportedKeyAlgorithm(OID.name(algorithm))
            }
        }
    }

    private static func rsa(_ der: [UInt8], format: PrivateKeyFormat) throws(CredentialError) -> Backing {
        do {
            return .rsa(try _RSA.Signing.PrivateKey(unsafeDERRepresentation: der))
        } catch {
            throw .malformed(what: "\(format) RSA private key", reason: LibraryErrorText.reason(error))
        }
    }

    private static func ec(_ der: [UInt8], curve: EllipticCurve, format: PrivateKeyFormat) throws(CredentialError)
        -> Backing
    {
        do {
            switch curve {
            case .p256: return .p256(try P256.Signing.PrivateKey(derRepresentation: der))
            case .p384: return .p384(try P384.Signing.PrivateKey(derRepresentation: der))
            case .p521: return .p521(try P521.Signing.PrivateKey(derRepresentation: der))
            }
        } catch {
            throw .malformed(what: "\(format) EC \(curve.rawValue) private key", reason: LibraryErrorText.reason(error))
        }
    }

    /// The algorithm OID and its parameter OID (the curve) of a PKCS#8 key.
    private static func pkcs8Algorithm(_ der: [UInt8]) throws(CredentialError) -> (
        ASN1ObjectIdentifier, ASN1ObjectIdentifier?
    ) {
        do {
            let root = try DER.parse(der)
            guard case .constructed(let children) = root.content else {
                throw ASN1Error.unexpectedFieldType(root.identifier)
            }
            let fields = Array(children)
            guard fields.count >= 3, case .constructed(let algorithmFields) = fields[1].content else {
                throw ASN1Error.invalidASN1Object(reason: "no AlgorithmIdentifier")
            }
            let parts = Array(algorithmFields)
            guard let first = parts.first else {
                throw ASN1Error.invalidASN1Object(reason: "empty AlgorithmIdentifier")
            }
            let algorithm = try ASN1ObjectIdentifier(derEncoded: first)
            let parameter = parts.count > 1 ? try? ASN1ObjectIdentifier(derEncoded: parts[1]) : nil
            return (algorithm, parameter)
        } catch {
            throw .malformed(what: "PKCS#8 private key", reason: LibraryErrorText.reason(error))
        }
    }

    /// The curve of a SEC1 key: from its parameters, else from the length of the private scalar.
    private static func sec1Curve(_ der: [UInt8]) throws(CredentialError) -> EllipticCurve {
        do {
            let root = try DER.parse(der)
            guard case .constructed(let children) = root.content else {
                throw ASN1Error.unexpectedFieldType(root.identifier)
            }
            let fields = Array(children)
            guard fields.count >= 2, case .primitive(let scalar) = fields[1].content else {
                throw ASN1Error.invalidASN1Object(reason: "no private key")
            }
            for field in fields.dropFirst(2)
            where field.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
                guard case .constructed(let inner) = field.content, let oidNode = Array(inner).first else { continue }
                let oid = try ASN1ObjectIdentifier(derEncoded: oidNode)
                guard let curve = OID.curve(oid) else {
                    throw CredentialError.unsupportedKeyAlgorithm("EC on curve \(oid)")
                }
                return curve
            }
            switch scalar.count {
            case 32: return .p256
            case 48: return .p384
            case 65, 66: return .p521
            default: throw ASN1Error.invalidASN1Object(reason: "no curve and a \(scalar.count)-byte private key")
            }
        } catch let error as CredentialError {
            throw error
        } catch {
            throw .malformed(what: "SEC1 EC private key", reason: LibraryErrorText.reason(error))
        }
    }

    /// SEC1 `ECPrivateKey` DER: version 1, the scalar, the curve OID and the public point, as OpenSSL writes it.
    private static func sec1(raw: [UInt8], curve: EllipticCurve, publicKey: [UInt8]) -> [UInt8] {
        var serializer = DER.Serializer()
        do {
            try serializer.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(1)
                try coder.serialize(ASN1OctetString(contentBytes: raw[...]))
                try coder.serialize(OID.oid(for: curve), explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific)
                try coder.serialize(
                    ASN1BitString(bytes: publicKey[...]), explicitlyTaggedWithTagNumber: 1, tagClass: .contextSpecific)
            }
        } catch {
            return []  // Serializing integers, octet and bit strings cannot fail.
        }
        return serializer.serializedBytes
    }
}

/// Object identifiers for key algorithms and curves.
enum OID {
    static let rsaEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 1, 1]
    static let rsaPSS: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 1, 10]
    static let ecPublicKey: ASN1ObjectIdentifier = [1, 2, 840, 10045, 2, 1]
    static let ed25519: ASN1ObjectIdentifier = [1, 3, 101, 112]
    static let ed448: ASN1ObjectIdentifier = [1, 3, 101, 113]
    static let prime256v1: ASN1ObjectIdentifier = [1, 2, 840, 10045, 3, 1, 7]
    static let secp384r1: ASN1ObjectIdentifier = [1, 3, 132, 0, 34]
    static let secp521r1: ASN1ObjectIdentifier = [1, 3, 132, 0, 35]

    static func curve(_ oid: ASN1ObjectIdentifier) -> EllipticCurve? {
        switch oid {
        case prime256v1: return .p256
        case secp384r1: return .p384
        case secp521r1: return .p521
        default: return nil
        }
    }

    static func oid(for curve: EllipticCurve) -> ASN1ObjectIdentifier {
        switch curve {
        case .p256: return prime256v1
        case .p384: return secp384r1
        case .p521: return secp521r1
        }
    }

    static func name(_ oid: ASN1ObjectIdentifier) -> String {
        switch oid {
        case ed25519: return "Ed25519"
        case ed448: return "Ed448"
        case rsaPSS: return "RSA-PSS"
        default: return "\(oid)"
        }
    }
}
