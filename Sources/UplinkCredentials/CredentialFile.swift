/// Everything one file (or one TLSCERT block) holds: certificates and private keys, and how it was encoded.
public struct CredentialFile: Sendable {
    /// PEM or DER.
    public var encoding: CredentialEncoding
    /// The size in bytes, as given.
    public var byteCount: Int
    /// The certificates, in order.
    public var certificates: [CredentialCertificate]
    /// The private keys, in order.
    public var keys: [CredentialKey]

    /// Reads PEM (any number of certificate and key blocks) or DER (one key, or certificates one after another).
    ///
    /// Throws a precise `CredentialError`: empty data, garbage, truncated PEM, bad base64, a password-protected key,
    /// or a PEM block / DER object that is neither a certificate nor a private key.
    public init(bytes: [UInt8]) throws(CredentialError) {
        encoding = try CredentialEncoding.detect(bytes)
        byteCount = bytes.count
        certificates = []
        keys = []
        switch encoding {
        case .pem:
            let blocks = try PEMBlock.parseAll(bytes)
            guard !blocks.isEmpty else { throw .noPEMBlock }
            for block in blocks {
                try DERObjects.checkSingle(block.derBytes, what: "PEM block '\(block.label)' (line \(block.line))")
                switch block.label {
                case "CERTIFICATE", "X509 CERTIFICATE":
                    certificates.append(try CredentialCertificate(derBytes: block.derBytes))
                    continue
                case "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST":
                    throw .wrongType(
                        expected: "a certificate or a private key",
                        found: "a certificate signing request (CSR, line \(block.line))")
                case "PUBLIC KEY", "RSA PUBLIC KEY":
                    throw .wrongType(
                        expected: "a certificate or a private key", found: "a public key (line \(block.line))")
                case "TRUSTED CERTIFICATE":
                    throw .wrongType(
                        expected: "a certificate or a private key",
                        found: "an OpenSSL 'TRUSTED CERTIFICATE' (line \(block.line)); rewrite it with openssl x509")
                default:
                    break
                }
                if let format = PrivateKeyFormat(pemLabel: block.label) {
                    let shape = DERObjects.shape(of: block.derBytes[...])
                    if shape == .encryptedPKCS8 {
                        throw .encryptedKey(form: "'\(block.label)' holding an encrypted PKCS#8 key")
                    }
                    keys.append(try CredentialKey(derBytes: block.derBytes, format: format, encoding: .pem))
                } else {
                    throw .wrongType(
                        expected: "a certificate or a private key",
                        found: "a PEM '\(block.label)' block (line \(block.line))")
                }
            }
        case .der:
            let objects = try DERObjects.split(bytes)
            for (index, object) in objects.enumerated() {
                switch DERObjects.shape(of: object) {
                case .pkcs8: keys.append(try CredentialKey(derBytes: Array(object), format: .pkcs8))
                case .pkcs1: keys.append(try CredentialKey(derBytes: Array(object), format: .pkcs1))
                case .sec1: keys.append(try CredentialKey(derBytes: Array(object), format: .sec1))
                case .encryptedPKCS8: throw .encryptedKey(form: "encrypted PKCS#8 DER")
                case .publicKey:
                    throw .wrongType(
                        expected: "a certificate or a private key", found: "a public key (DER object \(index + 1))")
                case .signed, .unknown:
                    certificates.append(try CredentialCertificate(derBytes: Array(object)))
                }
            }
        }
    }

    /// The certificates as a chain; throws `.wrongType` if there are none or if a key is present too.
    public func certificateChain() throws(CredentialError) -> CertificateChain {
        guard keys.isEmpty else {
            if certificates.isEmpty {
                throw .wrongType(
                    expected: "a certificate", found: keys.count == 1 ? "a private key" : "\(keys.count) private keys")
            }
            throw .wrongType(expected: "certificates only", found: "a private key as well as certificates")
        }
        guard !certificates.isEmpty else { throw .wrongType(expected: "a certificate", found: "nothing") }
        return CertificateChain(certificates)
    }

    /// The one private key; throws `.wrongType` for certificates, `.multipleKeys` for several keys.
    public func singleKey() throws(CredentialError) -> CredentialKey {
        guard certificates.isEmpty else {
            throw .wrongType(
                expected: "a private key",
                found: keys.isEmpty
                    ? (certificates.count == 1 ? "a certificate" : "\(certificates.count) certificates")
                    : "certificates as well as a private key")
        }
        guard keys.count == 1, let key = keys.first else {
            if keys.isEmpty { throw .wrongType(expected: "a private key", found: "nothing") }
            throw .multipleKeys(count: keys.count)
        }
        return key
    }
}
