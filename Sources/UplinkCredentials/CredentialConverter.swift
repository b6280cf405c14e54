/// PEM ↔ DER for certificates and keys, and PKCS#1 / SEC1 ↔ PKCS#8 for keys.
public enum CredentialConverter {
    /// The key structure to write.
    public enum KeyFormatChoice: Sendable {
        /// Keep the input's format.
        case same
        /// PKCS#8 (`PRIVATE KEY`).
        case pkcs8
        /// PKCS#1 for RSA, SEC1 for EC.
        case traditional
    }

    /// Converts certificates or one key to `encoding`.
    ///
    /// Certificates in DER are written one after another (leaf first); OpenSSL reads only the first of such a
    /// file, Uplink reads them all. `keyFormat` applies to keys only; asking for a key format with
    /// certificates throws `.unsupportedConversion`.
    public static func convert(
        _ bytes: [UInt8], to encoding: CredentialEncoding, keyFormat: KeyFormatChoice = .same
    ) throws(CredentialError) -> [UInt8] {
        let file = try CredentialFile(bytes: bytes)
        if !file.certificates.isEmpty {
            let chain = try file.certificateChain()
            guard case .same = keyFormat else {
                throw .unsupportedConversion("--pkcs8 and --traditional apply to private keys, this holds certificates")
            }
            switch encoding {
            case .pem: return Array(chain.pemString.utf8)
            case .der: return chain.concatenatedDER
            }
        }
        let key = try file.singleKey()
        let format: PrivateKeyFormat
        switch keyFormat {
        case .same: format = key.format
        case .pkcs8: format = .pkcs8
        case .traditional: format = key.traditionalFormat
        }
        switch encoding {
        case .pem: return Array(try key.pemString(format).utf8)
        case .der: return try key.derBytes(format)
        }
    }
}
