/// The RDATA of a resource record, typed for the records a stub resolver needs and kept as raw octets for all
/// other types (RFC 3597), so nothing is lost when a message is decoded and encoded again.
///
/// A and AAAA are typed only in class IN (their format is class-specific); in other classes they stay
/// ``unknown(type:data:)``.
public enum DNSRecordData: Sendable, Hashable {
    /// An IPv4 address.
    case a(DNSIPv4Address)
    /// An IPv6 address.
    case aaaa(DNSIPv6Address)
    /// The canonical name this owner is an alias for.
    case cname(DNSName)
    /// A name server for the owner's zone.
    case ns(DNSName)
    /// A pointer, as used for reverse lookups.
    case ptr(DNSName)
    /// A mail exchange and its preference (lower is preferred).
    case mx(preference: UInt16, exchange: DNSName)
    /// Start of authority; its ``DNSSOAData/minimum`` bounds negative caching (RFC 2308).
    case soa(DNSSOAData)
    /// One or more character-strings, each 0–255 octets on the wire.
    case txt([[UInt8]])
    /// The EDNS(0) pseudo-record (RFC 6891).
    case opt(DNSOPTRecord)
    /// Any other type, RDATA kept as received.
    case unknown(type: DNSRecordType, data: [UInt8])

    /// The record type this data belongs to.
    public var type: DNSRecordType {
        switch self {
        case .a: return .A
        case .aaaa: return .AAAA
        case .cname: return .CNAME
        case .ns: return .NS
        case .ptr: return .PTR
        case .mx: return .MX
        case .soa: return .SOA
        case .txt: return .TXT
        case .opt: return .OPT
        case .unknown(let type, _): return type
        }
    }
}

/// The fields of an SOA record (RFC 1035 §3.3.13).
public struct DNSSOAData: Sendable, Hashable {
    /// The primary name server.
    public var mname: DNSName
    /// The mailbox of the person responsible, with the first dot standing for `@`.
    public var rname: DNSName
    public var serial: UInt32
    public var refresh: UInt32
    public var retry: UInt32
    public var expire: UInt32
    /// The TTL for negative answers (RFC 2308 §4).
    public var minimum: UInt32

    public init(
        mname: DNSName, rname: DNSName, serial: UInt32, refresh: UInt32, retry: UInt32, expire: UInt32,
        minimum: UInt32
    ) {
        self.mname = mname
        self.rname = rname
        self.serial = serial
        self.refresh = refresh
        self.retry = retry
        self.expire = expire
        self.minimum = minimum
    }
}

/// One EDNS option: code and data (RFC 6891 §6.1.2), e.g. a DNS cookie (code 10) or padding (12).
public struct DNSEDNSOption: Sendable, Hashable {
    public var code: UInt16
    public var data: [UInt8]

    public init(code: UInt16, data: [UInt8]) {
        self.code = code
        self.data = data
    }

    /// NSID (RFC 5001).
    public static let nsidCode: UInt16 = 3
    /// Client subnet (RFC 7871).
    public static let clientSubnetCode: UInt16 = 8
    /// DNS cookie (RFC 7873).
    public static let cookieCode: UInt16 = 10
    /// Padding (RFC 7830).
    public static let paddingCode: UInt16 = 12
}

/// The EDNS(0) OPT pseudo-record (RFC 6891 §6.1.3). On the wire its CLASS holds ``udpPayloadSize`` and its TTL
/// holds the extended RCODE, the version, the DO bit and the other 15 flag bits.
public struct DNSOPTRecord: Sendable, Hashable {
    /// The largest UDP reply the sender can take. Values below 512 are treated as 512 by receivers.
    public var udpPayloadSize: UInt16
    /// The upper 8 bits of the 12-bit response code.
    public var extendedResponseCode: UInt8
    /// The EDNS version (0).
    public var version: UInt8
    /// DO: DNSSEC records wanted (RFC 3225).
    public var dnssecOK: Bool
    /// The 15 flag bits after DO (must be zero; kept as received).
    public var reservedFlags: UInt16
    public var options: [DNSEDNSOption]

    public init(
        udpPayloadSize: UInt16, extendedResponseCode: UInt8 = 0, version: UInt8 = 0, dnssecOK: Bool = false,
        reservedFlags: UInt16 = 0, options: [DNSEDNSOption] = []
    ) {
        self.udpPayloadSize = udpPayloadSize
        self.extendedResponseCode = extendedResponseCode
        self.version = version
        self.dnssecOK = dnssecOK
        self.reservedFlags = reservedFlags & 0x7FFF
        self.options = options
    }

    /// Decodes the fields carried in the record's CLASS and TTL.
    public init(classField: UInt16, ttlField: UInt32, options: [DNSEDNSOption]) {
        self.init(
            udpPayloadSize: classField,
            extendedResponseCode: UInt8(truncatingIfNeeded: ttlField >> 24),
            version: UInt8(truncatingIfNeeded: ttlField >> 16),
            dnssecOK: ttlField & 0x8000 != 0,
            reservedFlags: UInt16(truncatingIfNeeded: ttlField) & 0x7FFF,
            options: options)
    }

    /// The value the record's TTL field carries on the wire.
    public var ttlField: UInt32 {
        UInt32(extendedResponseCode) << 24 | UInt32(version) << 16 | (dnssecOK ? 0x8000 : 0)
            | UInt32(reservedFlags & 0x7FFF)
    }
}

/// A question: the name, type and class asked for (RFC 1035 §4.1.2).
public struct DNSQuestion: Sendable, Hashable, CustomStringConvertible {
    public var name: DNSName
    public var type: DNSRecordType
    public var `class`: DNSClass

    public init(name: DNSName, type: DNSRecordType, class: DNSClass = .IN) {
        self.name = name
        self.type = type
        self.class = `class`
    }

    public var description: String { "\(name) \(self.class) \(type)" }
}

/// A resource record (RFC 1035 §4.1.3). The TYPE on the wire is ``data``'s type.
///
/// For OPT the wire CLASS and TTL are taken from the ``DNSOPTRecord`` in ``data`` when encoding; decoding sets
/// ``class`` and ``ttl`` to the raw fields, so a decoded OPT record re-encodes to the same bytes. Use
/// ``init(opt:)`` to build one.
public struct DNSResourceRecord: Sendable, Hashable {
    public var name: DNSName
    public var `class`: DNSClass
    /// Seconds; RFC 2181 §8 says a value with the top bit set means 0 (see ``effectiveTTL``).
    public var ttl: UInt32
    public var data: DNSRecordData

    public init(name: DNSName, class: DNSClass = .IN, ttl: UInt32, data: DNSRecordData) {
        self.name = name
        self.class = `class`
        self.ttl = ttl
        self.data = data
    }

    /// An OPT pseudo-record with the root as owner and CLASS/TTL filled from `opt`.
    public init(opt: DNSOPTRecord) {
        self.init(name: .root, class: DNSClass(opt.udpPayloadSize), ttl: opt.ttlField, data: .opt(opt))
    }

    /// The record type (from ``data``).
    public var type: DNSRecordType { data.type }

    /// The TTL to use for caching: values with the top bit set count as 0 (RFC 2181 §8).
    public var effectiveTTL: UInt32 { ttl & 0x8000_0000 != 0 ? 0 : ttl }
}
