/// A dotted-quad IPv4 address, parsed strictly (four decimal octets, no leading zeros beyond one digit).
public struct IPv4Address: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The four octets, most significant first.
    public var octets: (UInt8, UInt8, UInt8, UInt8)

    /// Creates an address from its octets.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        octets = (a, b, c, d)
    }

    /// Parses `a.b.c.d`; returns `nil` for anything else.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var values: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                part.count == 1 || part.first != "0", let value = UInt8(part)
            else { return nil }
            values.append(value)
        }
        octets = (values[0], values[1], values[2], values[3])
    }

    /// The address as `a.b.c.d`.
    public var description: String { "\(octets.0).\(octets.1).\(octets.2).\(octets.3)" }

    public static func == (lhs: IPv4Address, rhs: IPv4Address) -> Bool {
        lhs.octets == rhs.octets
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(octets.0)
        hasher.combine(octets.1)
        hasher.combine(octets.2)
        hasher.combine(octets.3)
    }
}
