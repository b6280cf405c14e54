/// A resource record TYPE or question QTYPE (RFC 1035 §3.2.2, IANA "Resource Record (RR) TYPEs").
///
/// Any 16-bit value is valid; the common ones have names. ``description`` gives the mnemonic, or `TYPE<n>`
/// (RFC 3597) for types without one here.
public struct DNSRecordType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    public init(_ rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// IPv4 host address.
    public static let A = DNSRecordType(1)
    /// Authoritative name server.
    public static let NS = DNSRecordType(2)
    /// Canonical name (alias).
    public static let CNAME = DNSRecordType(5)
    /// Start of a zone of authority.
    public static let SOA = DNSRecordType(6)
    /// Domain name pointer.
    public static let PTR = DNSRecordType(12)
    /// Host information.
    public static let HINFO = DNSRecordType(13)
    /// Mail exchange.
    public static let MX = DNSRecordType(15)
    /// Text strings.
    public static let TXT = DNSRecordType(16)
    /// IPv6 host address.
    public static let AAAA = DNSRecordType(28)
    /// Service location.
    public static let SRV = DNSRecordType(33)
    /// Non-terminal name redirection.
    public static let DNAME = DNSRecordType(39)
    /// EDNS(0) pseudo-record (RFC 6891).
    public static let OPT = DNSRecordType(41)
    /// Delegation signer.
    public static let DS = DNSRecordType(43)
    /// DNSSEC signature.
    public static let RRSIG = DNSRecordType(46)
    /// DNSSEC public key.
    public static let DNSKEY = DNSRecordType(48)
    /// Service binding.
    public static let SVCB = DNSRecordType(64)
    /// HTTPS service binding.
    public static let HTTPS = DNSRecordType(65)
    /// Zone transfer (QTYPE only).
    public static let AXFR = DNSRecordType(252)
    /// All records (QTYPE only, "*").
    public static let ANY = DNSRecordType(255)
    /// Certification authority authorization.
    public static let CAA = DNSRecordType(257)

    static let mnemonics: [(String, DNSRecordType)] = [
        ("A", .A), ("NS", .NS), ("CNAME", .CNAME), ("SOA", .SOA), ("PTR", .PTR), ("HINFO", .HINFO),
        ("MX", .MX), ("TXT", .TXT), ("AAAA", .AAAA), ("SRV", .SRV), ("DNAME", .DNAME), ("OPT", .OPT),
        ("DS", .DS), ("RRSIG", .RRSIG), ("DNSKEY", .DNSKEY), ("SVCB", .SVCB), ("HTTPS", .HTTPS),
        ("AXFR", .AXFR), ("ANY", .ANY), ("CAA", .CAA),
    ]

    /// Parses a mnemonic (`AAAA`, case-insensitive), `*` for ANY, or the RFC 3597 form `TYPE65`.
    public init?(mnemonic: String) {
        let upper = asciiUppercased(mnemonic)
        if upper == "*" {
            self = .ANY
            return
        }
        for (name, type) in Self.mnemonics where name == upper {
            self = type
            return
        }
        guard let number = parseGenericNumber(upper, prefix: "TYPE") else { return nil }
        self.rawValue = number
    }

    /// The mnemonic if known, otherwise `TYPE<n>`.
    public var mnemonic: String {
        for (name, type) in Self.mnemonics where type == self { return name }
        return "TYPE\(rawValue)"
    }

    public var description: String { mnemonic }
}

/// A resource record CLASS or question QCLASS (RFC 1035 §3.2.4). Only IN matters in practice.
public struct DNSClass: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    public init(_ rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// The Internet.
    public static let IN = DNSClass(1)
    /// Chaos.
    public static let CH = DNSClass(3)
    /// Hesiod.
    public static let HS = DNSClass(4)
    /// "None" (dynamic update, RFC 2136).
    public static let NONE = DNSClass(254)
    /// Any class (QCLASS "*").
    public static let ANY = DNSClass(255)

    /// Parses `IN`, `CH`, `HS`, `NONE`, `ANY` (case-insensitive) or `CLASS<n>`.
    public init?(mnemonic: String) {
        switch asciiUppercased(mnemonic) {
        case "IN": self = .IN
        case "CH": self = .CH
        case "HS": self = .HS
        case "NONE": self = .NONE
        case "ANY", "*": self = .ANY
        case let other:
            guard let number = parseGenericNumber(other, prefix: "CLASS") else { return nil }
            self.rawValue = number
        }
    }

    public var description: String {
        switch self {
        case .IN: return "IN"
        case .CH: return "CH"
        case .HS: return "HS"
        case .NONE: return "NONE"
        case .ANY: return "ANY"
        default: return "CLASS\(rawValue)"
        }
    }
}

func asciiUppercased(_ text: String) -> String {
    var result = ""
    result.unicodeScalars.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        if scalar.value >= 97 && scalar.value <= 122, let upper = Unicode.Scalar(scalar.value - 32) {
            result.unicodeScalars.append(upper)
        } else {
            result.unicodeScalars.append(scalar)
        }
    }
    return result
}

/// Parses `<prefix><decimal>` with a value up to 65535 and no leading `+`, sign or empty digits.
func parseGenericNumber(_ text: String, prefix: String) -> UInt16? {
    guard text.hasPrefix(prefix) else { return nil }
    let digits = text.utf8.dropFirst(prefix.utf8.count)
    guard !digits.isEmpty, digits.count <= 5 else { return nil }
    var value = 0
    for byte in digits {
        guard byte >= 48 && byte <= 57 else { return nil }
        value = value * 10 + Int(byte - 48)
    }
    guard value <= Int(UInt16.max) else { return nil }
    return UInt16(value)
}
