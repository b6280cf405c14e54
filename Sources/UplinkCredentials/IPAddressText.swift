import Foundation

/// IPv4 and IPv6 addresses as bytes and text (for SubjectAlternativeNames).
enum IPAddressText {
    /// Dotted quad for 4 bytes, RFC 5952 style for 16, hex otherwise.
    static func format(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        if bytes.count == 16 {
            let groups = stride(from: 0, to: 16, by: 2).map { Int(bytes[$0]) << 8 | Int(bytes[$0 + 1]) }
            // Compress the longest run of zero groups (at least two).
            var best: Range<Int>?
            var index = 0
            while index < 8 {
                if groups[index] == 0 {
                    var end = index
                    while end < 8 && groups[end] == 0 { end += 1 }
                    if end - index >= 2 && end - index > (best?.count ?? 0) { best = index..<end }
                    index = end
                } else {
                    index += 1
                }
            }
            let hex = groups.map { String($0, radix: 16) }
            guard let best else { return hex.joined(separator: ":") }
            return hex[..<best.lowerBound].joined(separator: ":") + "::"
                + hex[best.upperBound...].joined(separator: ":")
        }
        return Hex.string(bytes)
    }

    /// The bytes of an IPv4 (`a.b.c.d`) or IPv6 address, or `nil` if `text` is neither.
    static func parse(_ text: String) -> [UInt8]? {
        let quads = text.split(separator: ".", omittingEmptySubsequences: false)
        if quads.count == 4 {
            let bytes = quads.compactMap { UInt8($0) }
            return bytes.count == 4 && quads.allSatisfy({ !$0.isEmpty && $0.count <= 3 }) ? bytes : nil
        }
        guard text.contains(":") else { return nil }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            let values = part.split(separator: ":", omittingEmptySubsequences: false).map { UInt16($0, radix: 16) }
            return values.contains(where: { $0 == nil }) ? nil : values.compactMap { $0 }
        }
        guard let head = groups(halves[0]) else { return nil }
        let tail = halves.count == 2 ? groups(halves[1]) : []
        guard let tail else { return nil }
        let missing = 8 - head.count - tail.count
        guard halves.count == 2 ? missing >= 1 : missing == 0 else { return nil }
        let all = head + [UInt16](repeating: 0, count: halves.count == 2 ? missing : 0) + tail
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}
