/// One line of a module's output, as a host reads it: what kind of line it is and its fields.
public enum ATReply: Equatable, Sendable {
    /// The success line that ends a reply.
    case ok
    /// The error line that ends a reply: the catalogue entry when the text or code is known, else the text
    /// and code as sent (code 0 when the dialect prints none).
    case error(ATError)
    /// An asynchronous indication, `+WIND:<number>:<text>`.
    case wind(number: Int, text: String)
    /// SOCKON's result: the socket id, and on SPWF04 the peer's address.
    case socketOpened(id: Int, address: String?)
    /// SOCKQ's result: the bytes waiting (UDP: the next datagram).
    case pendingLength(Int)
    /// SPWF04's header before SOCKR's raw bytes: how many follow, and how many were pending.
    case reading(count: Int, pending: Int)
    /// A variable line of GCFG, STS, PEERS or a dump.
    case variable(name: String, value: String)
    /// Any other line (headings, help, ping replies, an echoed command).
    case information(String)
}

extension ATDialect {
    /// Reads one line of module output (without its CR LF) as this dialect prints it.
    ///
    /// Never fails: a line that looks like a result but whose fields do not parse (`AT-S.Query:x`) is
    /// returned as ``ATReply/information(_:)``, so a caller waiting for the result notices it is missing.
    public func parseLine(_ line: some Collection<UInt8>) -> ATReply {
        parseLine(Array(line), features: ATAllHostFeatures.self)
    }

    /// Reads a line as a session with `features` does: with a fixed ``ATHostSessionFeatures/family``, only that
    /// family's parsing remains.
    func parseLine<Features: ATHostSessionFeatures>(_ bytes: [UInt8], features: Features.Type) -> ATReply {
        Features.dialect(self).parseLineBytes(bytes)
    }

    @inline(__always)
    private func parseLineBytes(_ bytes: [UInt8]) -> ATReply {
        // `OK`, or SPWF04's `AT-S.OK:<fields>`.
        if let rest = ATBytes.after(literal: okLiteral, in: bytes[...]),
            rest.isEmpty || (errorsCarryCodes && rest.first == 0x3A)
        {
            return .ok
        }
        if let rest = ATBytes.after(literal: "+WIND:", in: bytes[...]) {
            let (head, tail) = ATBytes.split(rest, at: 0x3A)
            if let number = ATBytes.decimal(head), number <= 999 {
                return .wind(number: number, text: ATBytes.text(tail ?? []))
            }
            return .information(ATBytes.text(bytes))
        }
        if let rest = ATBytes.after(literal: errorPrefixLiteral, in: bytes[...]) {
            return .error(parseError(rest))
        }
        if let rest = ATBytes.after(literal: socketOpenedPrefixLiteral, in: bytes[...]) {
            if errorsCarryCodes {
                // `<address>:<id>`: the address may hold colons (IPv6), the id is after the last one.
                if let colon = rest.lastIndex(of: 0x3A), let id = ATBytes.decimal(rest[(colon + 1)...]) {
                    return .socketOpened(id: id, address: ATBytes.text(rest[..<colon]))
                }
            } else if let id = ATBytes.decimal(rest) {
                return .socketOpened(id: id, address: nil)
            }
            return .information(ATBytes.text(bytes))
        }
        if let rest = ATBytes.after(literal: pendingLengthPrefixLiteral, in: bytes[...]) {
            if let count = ATBytes.decimal(rest) { return .pendingLength(count) }
            return .information(ATBytes.text(bytes))
        }
        if let readingPrefixLiteral, let rest = ATBytes.after(literal: readingPrefixLiteral, in: bytes[...]) {
            let (head, tail) = ATBytes.split(rest, at: 0x3A)
            if let count = ATBytes.decimal(head), let tail, let pending = ATBytes.decimal(tail) {
                return .reading(count: count, pending: pending)
            }
            return .information(ATBytes.text(bytes))
        }
        if let rest = ATBytes.after(literal: variablePrefixLiteral, in: bytes[...]),
            let separator = ATBytes.firstRange(of: Array(ATBytes.bytes(variableSeparatorLiteral)), in: rest)
        {
            return .variable(
                name: ATBytes.text(rest[..<separator.lowerBound]), value: ATBytes.text(rest[separator.upperBound...]))
        }
        return .information(ATBytes.text(ATBytes.after(literal: linePrefixLiteral, in: bytes[...]) ?? bytes[...]))
    }

    @inline(__always)
    private func parseError(_ rest: ArraySlice<UInt8>) -> ATError {
        guard errorsCarryCodes else {
            return rest.withUnsafeBufferPointer { ATError.catalogueEntry(bytes: $0, text: ATBytes.text(rest)) }
        }
        // `AT-S.ERROR`, `AT-S.ERROR:<code>`, `AT-S.ERROR:<code>:<text>`.
        guard let fields = ATBytes.after(literal: ":", in: rest) else {
            return ATError(code: 0, text: ATBytes.text(rest))
        }
        let (head, tail) = ATBytes.split(fields, at: 0x3A)
        guard let code = ATBytes.decimal(head) else { return ATError(code: 0, text: ATBytes.text(fields)) }
        return ATError.catalogueEntry(code: code, text: tail.map { ATBytes.text($0) })
    }
}

/// Byte helpers for protocol text: prefixes, splits and decimals compared as UTF-8 bytes.
enum ATBytes {
    /// Calls `body` with the UTF-8 bytes of `text` in place. Comparing on the buffer walks no `String` indexes:
    /// in a firmware's image, the generic algorithms on `String.UTF8View` are several kilobytes.
    static func withBytes<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        var copy = text
        return copy.withUTF8 { body($0) }
    }

    /// Whether `bytes` are the UTF-8 bytes of `text`.
    static func equal(_ bytes: some Collection<UInt8>, _ text: String) -> Bool {
        withBytes(text) { bytes.elementsEqual($0) }
    }

    /// The bytes after `prefix`, or `nil` when `bytes` does not start with it.
    static func after(_ prefix: String, in bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        withBytes(prefix) { prefix in
            guard bytes.count >= prefix.count, bytes.starts(with: prefix) else { return nil }
            return bytes.dropFirst(prefix.count)
        }
    }

    /// The bytes before the first `separator`, and those after it (`nil` when there is none).
    static func split(_ bytes: ArraySlice<UInt8>, at separator: UInt8) -> (ArraySlice<UInt8>, ArraySlice<UInt8>?) {
        guard let index = bytes.firstIndex(of: separator) else { return (bytes, nil) }
        return (bytes[..<index], bytes[(index + 1)...])
    }

    /// Every field between the `separator`s, empty ones included (`a::b` has three; an empty text has one), as
    /// `split(separator:omittingEmptySubsequences: false)` gives them, without its generic code in a firmware's image.
    static func fields(_ bytes: ArraySlice<UInt8>, separator: UInt8 = 0x3A) -> [ArraySlice<UInt8>] {
        var fields: [ArraySlice<UInt8>] = []
        var start = bytes.startIndex
        for index in bytes.indices where bytes[index] == separator {
            fields.append(bytes[start..<index])
            start = index + 1
        }
        fields.append(bytes[start...])
        return fields
    }

    /// The first range where `needle` occurs.
    static func firstRange(of needle: [UInt8], in bytes: ArraySlice<UInt8>) -> Range<Int>? {
        guard !needle.isEmpty, bytes.count >= needle.count else { return nil }
        var start = bytes.startIndex
        while start + needle.count <= bytes.endIndex {
            if bytes[start..<start + needle.count].elementsEqual(needle) { return start..<start + needle.count }
            start += 1
        }
        return nil
    }

    /// A non-negative decimal of 1 to 9 ASCII digits, or `nil`.
    static func decimal(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 9 else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    /// The bytes as text (invalid UTF-8 repaired). Never inlined: the decoding is a few hundred bytes of code in a
    /// firmware's image, and the parsers call it at many places.
    @inline(never)
    static func text(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
