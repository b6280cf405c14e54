/// The kind of query in the header's OPCODE field (4 bits).
public struct DNSOpcode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8

    /// Values above 15 are masked to 4 bits.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue & 0x0F
    }

    /// A standard query.
    public static let QUERY = DNSOpcode(rawValue: 0)
    /// Inverse query (obsolete).
    public static let IQUERY = DNSOpcode(rawValue: 1)
    /// Server status request.
    public static let STATUS = DNSOpcode(rawValue: 2)
    /// Zone change notification (RFC 1996).
    public static let NOTIFY = DNSOpcode(rawValue: 4)
    /// Dynamic update (RFC 2136).
    public static let UPDATE = DNSOpcode(rawValue: 5)

    public var description: String {
        switch rawValue {
        case 0: return "QUERY"
        case 1: return "IQUERY"
        case 2: return "STATUS"
        case 4: return "NOTIFY"
        case 5: return "UPDATE"
        default: return "OPCODE\(rawValue)"
        }
    }
}

/// A response code: the header's 4-bit RCODE, extended to 12 bits by the OPT record (RFC 6891 §6.1.3).
public struct DNSResponseCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16

    /// Values above 4095 are masked to 12 bits.
    public init(rawValue: UInt16) {
        self.rawValue = rawValue & 0x0FFF
    }

    /// No error.
    public static let NOERROR = DNSResponseCode(rawValue: 0)
    /// The server could not interpret the query.
    public static let FORMERR = DNSResponseCode(rawValue: 1)
    /// The server failed to process the query.
    public static let SERVFAIL = DNSResponseCode(rawValue: 2)
    /// The name does not exist.
    public static let NXDOMAIN = DNSResponseCode(rawValue: 3)
    /// The server does not implement this kind of query.
    public static let NOTIMP = DNSResponseCode(rawValue: 4)
    /// The server refuses to answer.
    public static let REFUSED = DNSResponseCode(rawValue: 5)
    /// A name exists that should not (update).
    public static let YXDOMAIN = DNSResponseCode(rawValue: 6)
    /// An RRset exists that should not (update).
    public static let YXRRSET = DNSResponseCode(rawValue: 7)
    /// An RRset that should exist does not (update).
    public static let NXRRSET = DNSResponseCode(rawValue: 8)
    /// Not authoritative / not authorized.
    public static let NOTAUTH = DNSResponseCode(rawValue: 9)
    /// A name is not in the zone (update).
    public static let NOTZONE = DNSResponseCode(rawValue: 10)
    /// Unsupported EDNS version (needs OPT).
    public static let BADVERS = DNSResponseCode(rawValue: 16)

    public var description: String {
        switch rawValue {
        case 0: return "NOERROR"
        case 1: return "FORMERR"
        case 2: return "SERVFAIL"
        case 3: return "NXDOMAIN"
        case 4: return "NOTIMP"
        case 5: return "REFUSED"
        case 6: return "YXDOMAIN"
        case 7: return "YXRRSET"
        case 8: return "NXRRSET"
        case 9: return "NOTAUTH"
        case 10: return "NOTZONE"
        case 16: return "BADVERS"
        default: return "RCODE\(rawValue)"
        }
    }
}

/// The 12-byte message header (RFC 1035 §4.1.1) without the section counts, which ``DNSMessage`` derives from
/// its sections when it encodes.
///
/// Every flag bit is kept, including Z, AD and CD (RFC 4035), so a decoded header re-encodes to the same bits.
public struct DNSHeader: Sendable, Hashable {
    /// Matches a reply to its query.
    public var id: UInt16
    /// QR: this is a response.
    public var isResponse: Bool
    public var opcode: DNSOpcode
    /// AA: the answer comes from an authority for the name.
    public var isAuthoritative: Bool
    /// TC: the message was truncated to fit the transport; retry over TCP.
    public var isTruncated: Bool
    /// RD: the client asks the server to recurse.
    public var recursionDesired: Bool
    /// RA: the server offers recursion.
    public var recursionAvailable: Bool
    /// Z: the reserved bit (must be zero; kept as received).
    public var zero: Bool
    /// AD: authentic data (DNSSEC).
    public var authenticData: Bool
    /// CD: checking disabled (DNSSEC).
    public var checkingDisabled: Bool
    /// The low 4 bits of the response code; see ``DNSMessage/responseCode`` for the extended value.
    public var responseCode: DNSResponseCode

    public init(
        id: UInt16, isResponse: Bool = false, opcode: DNSOpcode = .QUERY, isAuthoritative: Bool = false,
        isTruncated: Bool = false, recursionDesired: Bool = false, recursionAvailable: Bool = false,
        zero: Bool = false, authenticData: Bool = false, checkingDisabled: Bool = false,
        responseCode: DNSResponseCode = .NOERROR
    ) {
        self.id = id
        self.isResponse = isResponse
        self.opcode = opcode
        self.isAuthoritative = isAuthoritative
        self.isTruncated = isTruncated
        self.recursionDesired = recursionDesired
        self.recursionAvailable = recursionAvailable
        self.zero = zero
        self.authenticData = authenticData
        self.checkingDisabled = checkingDisabled
        self.responseCode = DNSResponseCode(rawValue: responseCode.rawValue & 0x0F)
    }

    /// Builds a header from the id and the 16-bit flags word.
    public init(id: UInt16, flags: UInt16) {
        self.init(
            id: id,
            isResponse: flags & 0x8000 != 0,
            opcode: DNSOpcode(rawValue: UInt8((flags >> 11) & 0x0F)),
            isAuthoritative: flags & 0x0400 != 0,
            isTruncated: flags & 0x0200 != 0,
            recursionDesired: flags & 0x0100 != 0,
            recursionAvailable: flags & 0x0080 != 0,
            zero: flags & 0x0040 != 0,
            authenticData: flags & 0x0020 != 0,
            checkingDisabled: flags & 0x0010 != 0,
            responseCode: DNSResponseCode(rawValue: flags & 0x000F))
    }

    /// The 16-bit flags word as on the wire.
    public var flags: UInt16 {
        var flags = UInt16(opcode.rawValue & 0x0F) << 11 | (responseCode.rawValue & 0x0F)
        if isResponse { flags |= 0x8000 }
        if isAuthoritative { flags |= 0x0400 }
        if isTruncated { flags |= 0x0200 }
        if recursionDesired { flags |= 0x0100 }
        if recursionAvailable { flags |= 0x0080 }
        if zero { flags |= 0x0040 }
        if authenticData { flags |= 0x0020 }
        if checkingDisabled { flags |= 0x0010 }
        return flags
    }

    /// The set flags in dig's notation: `qr aa tc rd ra ad cd`.
    public var flagNames: [String] {
        var names: [String] = []
        if isResponse { names.append("qr") }
        if isAuthoritative { names.append("aa") }
        if isTruncated { names.append("tc") }
        if recursionDesired { names.append("rd") }
        if recursionAvailable { names.append("ra") }
        if zero { names.append("z") }
        if authenticData { names.append("ad") }
        if checkingDisabled { names.append("cd") }
        return names
    }
}
