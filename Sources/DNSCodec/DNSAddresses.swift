/// An IPv4 address, the RDATA of an A record (4 octets).
public struct DNSIPv4Address: Sendable, Hashable, CustomStringConvertible {
    /// The address in network order as one number (`192.0.2.1` is `0xC000_0201`).
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        rawValue = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Exactly 4 octets, or nil.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 else { return nil }
        self.init(bytes[0], bytes[1], bytes[2], bytes[3])
    }

    /// Dotted decimal: four numbers 0–255 without leading zeros (`01` is rejected, as inet_pton does).
    public init?(_ text: String) {
        var octets: [UInt8] = []
        var value = 0
        var digits = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, octets.count < 3 else { return nil }
                octets.append(UInt8(value))
                value = 0
                digits = 0
            } else if byte >= 48 && byte <= 57 {
                if digits > 0 && value == 0 { return nil }
                value = value * 10 + Int(byte - 48)
                digits += 1
                guard value <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, octets.count == 3 else { return nil }
        octets.append(UInt8(value))
        self.init(bytes: octets)
    }

    /// The 4 octets in network order.
    public var bytes: [UInt8] {
        [
            UInt8(truncatingIfNeeded: rawValue >> 24), UInt8(truncatingIfNeeded: rawValue >> 16),
            UInt8(truncatingIfNeeded: rawValue >> 8), UInt8(truncatingIfNeeded: rawValue),
        ]
    }

    public var description: String {
        bytes.map { String($0) }.joined(separator: ".")
    }
}

/// An IPv6 address, the RDATA of an AAAA record (16 octets).
public struct DNSIPv6Address: Sendable, Hashable, CustomStringConvertible {
    /// The 8 groups of 16 bits, most significant first.
    public var groups: [UInt16] {
        didSet { groups = Self.normalized(groups) }
    }

    private static func normalized(_ groups: [UInt16]) -> [UInt16] {
        if groups.count == 8 { return groups }
        return Array((groups + [UInt16](repeating: 0, count: 8)).prefix(8))
    }

    /// Exactly 8 groups (fewer are padded with zeros, more are cut).
    public init(groups: [UInt16]) {
        self.groups = Self.normalized(groups)
    }

    /// Exactly 16 octets, or nil.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        var groups: [UInt16] = []
        groups.reserveCapacity(8)
        for index in stride(from: 0, to: 16, by: 2) {
            groups.append(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]))
        }
        self.groups = groups
    }

    /// Parses RFC 4291 text: `2001:db8::1`, `::`, `::ffff:192.0.2.1`. No zone index (`%eth0`).
    public init?(_ text: String) {
        let utf8 = Array(text.utf8)
        guard !utf8.isEmpty else { return nil }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawDoubleColon = false
        var index = 0
        if utf8.count >= 2 && utf8[0] == UInt8(ascii: ":") {
            guard utf8[1] == UInt8(ascii: ":") else { return nil }
            sawDoubleColon = true
            index = 2
        }
        var expectGroup = !sawDoubleColon
        while index < utf8.count {
            // An embedded IPv4 address ends the text.
            var end = index
            while end < utf8.count && utf8[end] != UInt8(ascii: ":") { end += 1 }
            let piece = utf8[index..<end]
            if piece.contains(UInt8(ascii: ".")) {
                guard end == utf8.count, let v4 = DNSIPv4Address(String(decoding: piece, as: UTF8.self)) else {
                    return nil
                }
                let value = v4.rawValue
                let groups = [UInt16(truncatingIfNeeded: value >> 16), UInt16(truncatingIfNeeded: value)]
                if sawDoubleColon { tail += groups } else { head += groups }
                index = end
                expectGroup = false
                break
            }
            guard !piece.isEmpty, piece.count <= 4 else { return nil }
            var value: UInt16 = 0
            for byte in piece {
                guard let digit = Self.hexValue(byte) else { return nil }
                value = value << 4 | UInt16(digit)
            }
            if sawDoubleColon { tail.append(value) } else { head.append(value) }
            expectGroup = false
            index = end
            if index < utf8.count {
                // At a colon.
                if index + 1 < utf8.count && utf8[index + 1] == UInt8(ascii: ":") {
                    guard !sawDoubleColon else { return nil }
                    sawDoubleColon = true
                    index += 2
                } else {
                    index += 1
                    guard index < utf8.count else { return nil }
                    expectGroup = true
                }
            }
        }
        if expectGroup { return nil }
        let total = head.count + tail.count
        if sawDoubleColon {
            guard total <= 7 else { return nil }
            self.groups = head + [UInt16](repeating: 0, count: 8 - total) + tail
        } else {
            guard total == 8 else { return nil }
            self.groups = head
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 65...70: return byte - 55
        case 97...102: return byte - 87
        default: return nil
        }
    }

    /// The 16 octets in network order.
    public var bytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for group in groups {
            bytes.append(UInt8(truncatingIfNeeded: group >> 8))
            bytes.append(UInt8(truncatingIfNeeded: group))
        }
        return bytes
    }

    /// RFC 5952 text: lower-case hex, no leading zeros, the longest run of two or more zero groups as `::`.
    public var description: String {
        var bestStart = -1
        var bestLength = 0
        var runStart = -1
        for index in 0...8 {
            if index < 8 && groups[index] == 0 {
                if runStart < 0 { runStart = index }
            } else if runStart >= 0 {
                let length = index - runStart
                if length > bestLength && length >= 2 {
                    bestStart = runStart
                    bestLength = length
                }
                runStart = -1
            }
        }
        func hex(_ group: UInt16) -> String { String(group, radix: 16) }
        if bestStart < 0 { return groups.map(hex).joined(separator: ":") }
        let head = groups[0..<bestStart].map(hex).joined(separator: ":")
        let tail = groups[(bestStart + bestLength)...].map(hex).joined(separator: ":")
        return head + "::" + tail
    }
}
