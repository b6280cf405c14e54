/// A domain name: a sequence of labels, each 1–63 octets, at most 255 octets on the wire (RFC 1035 §2.3.4).
///
/// Labels are octets, not characters: a name decoded from the wire may hold any byte. Comparison and hashing are
/// ASCII case-insensitive, as DNS requires (RFC 4343); the original case is kept for display and re-encoding.
/// ``description`` is the presentation form with a trailing dot (`example.com.`, the root is `.`), escaping
/// special and non-printable octets as `\.` or `\DDD`.
///
/// Parsing text (``init(_:)``) accepts a trailing dot, `\X` and `\DDD` escapes, and only ASCII: IDNA (turning
/// `bücher.example` into `xn--bcher-kva.example`) is out of scope, so non-ASCII text is rejected.
public struct DNSName: Sendable, Hashable, CustomStringConvertible {
    /// The labels in wire form without the terminating root label: each label is a length octet then its bytes.
    @usableFromInline internal let storage: [UInt8]

    /// The longest name on the wire, root label included (RFC 1035 §2.3.4).
    public static let maximumWireLength = 255
    /// The longest label (RFC 1035 §2.3.4).
    public static let maximumLabelLength = 63
    /// The most labels a name can have within 255 octets (127 one-octet labels and the root).
    public static let maximumLabelCount = 127

    /// The root name `.`.
    public static let root = DNSName(storage: [])

    init(storage: [UInt8]) {
        self.storage = storage
    }

    /// Builds a name from its labels (without the empty root label).
    public init(labels: [[UInt8]]) throws(DNSNameError) {
        var storage: [UInt8] = []
        for label in labels {
            if label.isEmpty { throw .emptyLabel }
            if label.count > Self.maximumLabelLength { throw .labelTooLong(length: label.count) }
            storage.append(UInt8(label.count))
            storage.append(contentsOf: label)
        }
        if storage.count + 1 > Self.maximumWireLength { throw .nameTooLong(wireLength: storage.count + 1) }
        self.storage = storage
    }

    /// Parses a name in presentation form: `www.example.com`, `www.example.com.`, `.` for the root.
    ///
    /// `\X` stands for the character X (so `\.` is a dot inside a label) and `\DDD` for the octet with decimal
    /// value DDD. Throws for an empty string, an empty label (`a..b`, a leading dot), a label over 63 octets, a
    /// name over 255 octets on the wire (253 characters without the final dot), a bad escape, or non-ASCII text.
    public init(_ text: String) throws(DNSNameError) {
        let utf8 = Array(text.utf8)
        if utf8.isEmpty { throw .empty }
        if utf8 == [UInt8(ascii: ".")] {
            self = .root
            return
        }
        var storage: [UInt8] = []
        var label: [UInt8] = []
        var index = 0
        var finishedWithDot = false
        func finishLabel() throws(DNSNameError) {
            if label.isEmpty { throw .emptyLabel }
            if label.count > Self.maximumLabelLength { throw .labelTooLong(length: label.count) }
            storage.append(UInt8(label.count))
            storage.append(contentsOf: label)
            label.removeAll(keepingCapacity: true)
        }
        while index < utf8.count {
            let byte = utf8[index]
            finishedWithDot = false
            if byte >= 0x80 { throw .nonASCII }
            if byte == UInt8(ascii: ".") {
                try finishLabel()
                finishedWithDot = true
                index += 1
                continue
            }
            if byte == UInt8(ascii: "\\") {
                guard index + 1 < utf8.count else { throw .invalidEscape }
                let next = utf8[index + 1]
                if Self.isDigit(next) {
                    guard index + 3 < utf8.count, Self.isDigit(utf8[index + 2]), Self.isDigit(utf8[index + 3]) else {
                        throw .invalidEscape
                    }
                    let value = Int(next - 48) * 100 + Int(utf8[index + 2] - 48) * 10 + Int(utf8[index + 3] - 48)
                    guard value <= 255 else { throw .invalidEscape }
                    label.append(UInt8(value))
                    index += 4
                } else {
                    if next >= 0x80 { throw .nonASCII }
                    label.append(next)
                    index += 2
                }
                continue
            }
            label.append(byte)
            index += 1
        }
        if !finishedWithDot { try finishLabel() }
        if storage.count + 1 > Self.maximumWireLength { throw .nameTooLong(wireLength: storage.count + 1) }
        self.storage = storage
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }

    /// The labels, most specific first, without the root label.
    public var labels: [[UInt8]] {
        var result: [[UInt8]] = []
        var index = 0
        while index < storage.count {
            let length = Int(storage[index])
            result.append(Array(storage[(index + 1)..<(index + 1 + length)]))
            index += 1 + length
        }
        return result
    }

    /// The number of labels, not counting the root.
    public var labelCount: Int {
        var count = 0
        var index = 0
        while index < storage.count {
            count += 1
            index += 1 + Int(storage[index])
        }
        return count
    }

    /// Whether this is the root name.
    public var isRoot: Bool { storage.isEmpty }

    /// The length on the wire without compression, root label included (at most 255).
    public var wireLength: Int { storage.count + 1 }

    /// The length of the name as text without the final dot and without escapes: 0 for the root, otherwise
    /// `wireLength - 2` (at most 253). This is what "a name of N characters" means in resolver limits.
    public var textLength: Int { storage.isEmpty ? 0 : storage.count - 1 }

    /// The uncompressed wire form, root label included.
    public var wireBytes: [UInt8] { storage + [0] }

    /// The same name with ASCII letters lower-cased.
    public func lowercased() -> DNSName {
        DNSName(storage: storage.map(Self.lower))
    }

    /// The name without its first label (the root stays the root).
    public var parent: DNSName {
        guard !storage.isEmpty else { return self }
        let first = Int(storage[0])
        return DNSName(storage: Array(storage[(1 + first)...]))
    }

    /// Whether `self` equals `other` or lies below it (`www.example.com` is a subdomain of `example.com`).
    public func isSubdomain(of other: DNSName) -> Bool {
        var candidate = self
        while true {
            if candidate == other { return true }
            if candidate.isRoot { return false }
            candidate = candidate.parent
        }
    }

    @inline(__always) static func lower(_ byte: UInt8) -> UInt8 {
        byte >= 65 && byte <= 90 ? byte | 0x20 : byte
    }

    public static func == (lhs: DNSName, rhs: DNSName) -> Bool {
        guard lhs.storage.count == rhs.storage.count else { return false }
        // Length octets are at most 63, below "A", so lower-casing every byte leaves them untouched.
        for index in 0..<lhs.storage.count where lower(lhs.storage[index]) != lower(rhs.storage[index]) {
            return false
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.count)
        for byte in storage { hasher.combine(Self.lower(byte)) }
    }

    /// The presentation form with a trailing dot; the root is `.`.
    public var description: String {
        if storage.isEmpty { return "." }
        var text = ""
        text.reserveCapacity(storage.count + 1)
        var index = 0
        while index < storage.count {
            let length = Int(storage[index])
            for byte in storage[(index + 1)..<(index + 1 + length)] { Self.appendEscaped(byte, to: &text) }
            text.append(".")
            index += 1 + length
        }
        return text
    }

    static func appendEscaped(_ byte: UInt8, to text: inout String) {
        switch byte {
        case UInt8(ascii: "."), UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "("), UInt8(ascii: ")"),
            UInt8(ascii: ";"), UInt8(ascii: "@"), UInt8(ascii: "$"):
            text.append("\\")
            text.unicodeScalars.append(Unicode.Scalar(byte))
        case 0x21...0x7E:
            text.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            text.append("\\")
            let digits = [byte / 100, (byte / 10) % 10, byte % 10]
            for digit in digits { text.unicodeScalars.append(Unicode.Scalar(48 + digit)) }
        }
    }
}

/// Why text is not a valid domain name.
public enum DNSNameError: Error, Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The text is empty.
    case empty
    /// Two dots in a row, or a leading dot (other than the root `.`).
    case emptyLabel
    /// A label is longer than 63 octets.
    case labelTooLong(length: Int)
    /// The name is longer than 255 octets on the wire (253 characters without the final dot).
    case nameTooLong(wireLength: Int)
    /// A backslash at the end, or `\DDD` that is not three digits up to 255.
    case invalidEscape
    /// Non-ASCII text: IDNA is out of scope, so pass the `xn--` form.
    case nonASCII

    public var description: String {
        switch self {
        case .empty: return "empty name"
        case .emptyLabel: return "empty label"
        case .labelTooLong(let length): return "label of \(length) octets (limit 63)"
        case .nameTooLong(let length): return "name of \(length) octets on the wire (limit 255)"
        case .invalidEscape: return "invalid escape"
        case .nonASCII: return "non-ASCII name (IDNA is not supported; use the xn-- form)"
        }
    }
}
