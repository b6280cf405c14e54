/// Why bytes are not a valid DNS message. Every case carries the offset (from the first byte of the message)
/// where the problem was found.
///
/// The decoder never trusts a count or a length: running out of data is ``truncated(offset:)``, never a crash,
/// and it never allocates more than the input holds.
public enum DNSDecodeError: Error, Sendable, Equatable, Hashable, CustomStringConvertible {
    /// A field runs past the end of the message. `offset` is where the field starts.
    case truncated(offset: Int)
    /// A compression pointer (at `offset`) does not point strictly before the previous jump target (or, for the
    /// first jump, before the start of the name). This rules out loops and forward references.
    case pointerNotBackward(offset: Int)
    /// A compression pointer (at `offset`) points at or past the end of the message.
    case pointerOutOfBounds(offset: Int)
    /// A label length octet (at `offset`) has the reserved top bits `01` or `10`.
    case badLabelType(offset: Int)
    /// The name starting at `offset` is longer than 255 octets on the wire once decompressed.
    case nameTooLong(offset: Int)
    /// The name starting at `offset` has more than 127 labels.
    case tooManyLabels(offset: Int)
    /// The RDATA starting at `offset` is not exactly RDLENGTH octets for its type: an A record that is not 4
    /// octets, a name inside the RDATA that ends before or after RDLENGTH, a TXT string that runs past it, …
    case recordDataLengthMismatch(type: DNSRecordType, offset: Int)
    /// An OPT record (starting at `offset`) outside the additional section, with a non-root owner, repeated, or
    /// with an option that runs past its RDATA.
    case badOPT(offset: Int)
    /// Bytes remain after the last record the header counts. `offset` is the first extra byte.
    ///
    /// This is an error rather than ignored (as in dnspython by default): a reply with extra bytes was not built
    /// by a correct server, and the resolver treats it like any other malformed reply (next server).
    case trailingBytes(offset: Int)

    /// The offset the error refers to.
    public var offset: Int {
        switch self {
        case .truncated(let offset), .pointerNotBackward(let offset), .pointerOutOfBounds(let offset),
            .badLabelType(let offset), .nameTooLong(let offset), .tooManyLabels(let offset),
            .recordDataLengthMismatch(_, let offset), .badOPT(let offset), .trailingBytes(let offset):
            return offset
        }
    }

    public var description: String {
        switch self {
        case .truncated(let offset):
            return "message truncated at offset \(offset)"
        case .pointerNotBackward(let offset):
            return "compression pointer at offset \(offset) does not point backwards"
        case .pointerOutOfBounds(let offset):
            return "compression pointer at offset \(offset) points past the end of the message"
        case .badLabelType(let offset):
            return "reserved label type at offset \(offset)"
        case .nameTooLong(let offset):
            return "name at offset \(offset) is longer than 255 octets"
        case .tooManyLabels(let offset):
            return "name at offset \(offset) has more than 127 labels"
        case .recordDataLengthMismatch(let type, let offset):
            return "\(type) record data at offset \(offset) does not match its RDLENGTH"
        case .badOPT(let offset):
            return "invalid OPT record at offset \(offset)"
        case .trailingBytes(let offset):
            return "trailing bytes after the last record at offset \(offset)"
        }
    }
}
