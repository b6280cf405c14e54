/// Why credential data was refused: every case carries what is needed for a precise message.
public enum CredentialError: Error, Equatable, Sendable, CustomStringConvertible {
    /// There were no bytes at all.
    case empty
    /// Neither a `-----BEGIN` line nor an ASN.1 SEQUENCE at the start; `prefix` holds the first bytes.
    case notPEMOrDER(prefix: [UInt8])
    /// Text without any `-----BEGIN ...-----` line.
    case noPEMBlock
    /// A `BEGIN` line with no matching `END` line: the PEM is truncated.
    case pemMissingEnd(label: String, line: Int)
    /// A `BEGIN` line closed by an `END` line with another label.
    case pemMismatchedEnd(begin: String, end: String, line: Int)
    /// The body of a PEM block is not valid base64.
    case pemBadBase64(label: String, line: Int, reason: String)
    /// A PEM block with nothing between its `BEGIN` and `END` lines.
    case pemEmptyBlock(label: String, line: Int)
    /// A password-protected private key (`ENCRYPTED PRIVATE KEY`, or `Proc-Type: 4,ENCRYPTED`).
    case encryptedKey(form: String)
    /// DER data shorter than its ASN.1 header announces.
    case derTruncated(object: Int, announced: Int, present: Int)
    /// Bytes after the last complete DER object that are not a DER object themselves.
    case derTrailingBytes(count: Int)
    /// The bytes have the right shape but do not decode as `what`.
    case malformed(what: String, reason: String)
    /// Something other than what was expected (a key where a certificate was expected, a CSR, ...).
    case wrongType(expected: String, found: String)
    /// A key type this library does not handle.
    case unsupportedKeyAlgorithm(String)
    /// More than one private key where one was expected.
    case multipleKeys(count: Int)
    /// More bytes than a slot holds (a slot's limit counts the bytes as stored).
    case overCapacity(slot: CredentialSlot, size: Int, capacity: Int)
    /// Several certificates in `cert` under a profile that takes a single one.
    case chainNotAllowed(count: Int, profile: String)
    /// The certificates of a chain are not in order (each issued by the next).
    case chainOutOfOrder(position: Int, subject: String, next: String, reason: String)
    /// The private key and the certificate hold different public keys.
    case keyMismatch(certificate: String)
    /// A slot layout that needs more flash than the profile has.
    case layoutOverBudget(layout: String, total: Int, budget: Int, profile: String)
    /// A slot that must hold something for the operation asked for.
    case slotEmpty(slot: CredentialSlot, reason: String)
    /// A `--slots` specification that does not parse.
    case invalidLayout(String)
    /// A profile name that is not known.
    case unknownProfile(String)
    /// The CA given for a bundle did not issue the device certificate.
    case notIssuedBy(subject: String, issuer: String, reason: String)
    /// A certificate used as an issuer that is not a certificate authority.
    case notACertificateAuthority(subject: String)
    /// A domain (server name) that cannot be stored.
    case invalidDomain(String, reason: String)
    /// A request that cannot be done with this material (e.g. SEC1 for an RSA key).
    case unsupportedConversion(String)
    /// An option value out of range.
    case invalidOption(String)
    /// Reading or writing a file failed.
    case file(path: String, reason: String)

    public var description: String {
        switch self {
        case .empty:
            return "empty: there are no bytes"
        case .notPEMOrDER(let prefix):
            let hex = prefix.prefix(8).map { Hex.byte($0) }.joined(separator: " ")
            return "neither PEM nor DER: the data starts with \(hex), not '-----BEGIN' or an ASN.1 SEQUENCE (30)"
        case .noPEMBlock:
            return "not PEM: text without a '-----BEGIN ...-----' line"
        case .pemMissingEnd(let label, let line):
            return "truncated PEM: '-----BEGIN \(label)-----' at line \(line) has no '-----END \(label)-----' line"
        case .pemMismatchedEnd(let begin, let end, let line):
            return "broken PEM: '-----BEGIN \(begin)-----' is closed by '-----END \(end)-----' at line \(line)"
        case .pemBadBase64(let label, let line, let reason):
            return "bad base64 in PEM block '\(label)' at line \(line): \(reason)"
        case .pemEmptyBlock(let label, let line):
            return "empty PEM block '\(label)' at line \(line)"
        case .encryptedKey(let form):
            return "password-protected keys are not supported (\(form)); "
                + "decrypt it first, e.g. openssl pkey -in KEY -out PLAIN.key"
        case .derTruncated(let object, let announced, let present):
            return "truncated DER: object \(object) announces \(announced) bytes, only \(present) are present"
        case .derTrailingBytes(let count):
            return "\(count) stray byte\(count == 1 ? "" : "s") after the last DER object"
        case .malformed(let what, let reason):
            return "not a valid \(what): \(reason)"
        case .wrongType(let expected, let found):
            return "wrong type: expected \(expected), found \(found)"
        case .unsupportedKeyAlgorithm(let name):
            return "unsupported key algorithm \(name); use RSA (2048-4096) or EC P-256/P-384"
        case .multipleKeys(let count):
            return "\(count) private keys where one was expected"
        case .overCapacity(let slot, let size, let capacity):
            return "\(slot): \(size) bytes do not fit the \(capacity)-byte slot (\(size - capacity) bytes over)"
        case .chainNotAllowed(let count, let profile):
            return "cert: \(count) certificates, but profile \(profile) takes a single certificate in cert"
        case .chainOutOfOrder(let position, let subject, let next, let reason):
            return "not a chain: certificate \(position) (\(subject)) was not issued by certificate "
                + "\(position + 1) (\(next)): \(reason)"
        case .keyMismatch(let certificate):
            return "the private key does not match the certificate (\(certificate)): their public keys differ"
        case .slotEmpty(let slot, let reason):
            return "\(slot) is empty: \(reason)"
        case .layoutOverBudget(let layout, let total, let budget, let profile):
            return "slot layout \(layout) takes \(total) bytes, \(total - budget) more than the "
                + "\(budget)-byte flash budget of \(profile)"
        case .invalidLayout(let reason):
            return "invalid slot layout: \(reason)"
        case .unknownProfile(let name):
            return "unknown profile '\(name)'; use \(SlotLayout.profiles.map(\.profile).joined(separator: ", "))"
        case .notIssuedBy(let subject, let issuer, let reason):
            return "\(issuer) did not issue \(subject): \(reason)"
        case .notACertificateAuthority(let subject):
            return "\(subject) is not a certificate authority (BasicConstraints CA:FALSE)"
        case .invalidDomain(let name, let reason):
            return "invalid domain '\(name)': \(reason)"
        case .unsupportedConversion(let reason):
            return "cannot convert: \(reason)"
        case .invalidOption(let reason):
            return reason
        case .file(let path, let reason):
            return "\(path): \(reason)"
        }
    }
}
