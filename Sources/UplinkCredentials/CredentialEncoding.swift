/// How credential bytes are encoded: PEM text or binary DER.
public enum CredentialEncoding: String, Codable, Sendable, CustomStringConvertible {
    case pem
    case der

    public var description: String { rawValue.uppercased() }

    /// PEM if the bytes hold a `-----BEGIN` line, DER if they start with an ASN.1 SEQUENCE.
    ///
    /// Throws `.empty`, `.noPEMBlock` for text without a PEM block, `.notPEMOrDER` for anything else.
    public static func detect(_ bytes: [UInt8]) throws(CredentialError) -> CredentialEncoding {
        guard !bytes.isEmpty else { throw .empty }
        if contains(bytes, Array("-----BEGIN ".utf8)) { return .pem }
        if bytes[0] == 0x30 { return .der }
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
        guard body.contains(where: { !isWhiteSpace($0) }) else { throw .empty }
        if body.allSatisfy({ isWhiteSpace($0) || ($0 >= 0x20 && $0 < 0x7F) }) { throw .noPEMBlock }
        throw .notPEMOrDER(prefix: Array(bytes.prefix(8)))
    }

    private static func isWhiteSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count)
        where haystack[start] == needle[0] && haystack[start..<start + needle.count].elementsEqual(needle) {
            return true
        }
        return false
    }
}
