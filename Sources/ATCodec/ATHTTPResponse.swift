/// An HTTP response as a module prints it after HTTPGET/HTTPPOST: the status line, the headers, an empty line and
/// the body, read back by the host.
public struct ATHTTPResponse: Equatable, Sendable {
    /// One header line, as printed.
    public struct Header: Equatable, Sendable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The HTTP version of the status line (`HTTP/1.1`).
    public var version: String
    /// The status code.
    public var status: Int
    /// The reason phrase (may be empty).
    public var reason: String
    /// The headers in the order printed.
    public var headers: [Header]
    /// The body's bytes.
    public var body: [UInt8]

    /// The first header with this name (compared without case), if any.
    public func header(_ name: String) -> String? {
        headers.first { ATHTTPResponse.sameName($0.name, name) }?.value
    }

    /// Reads a printed response; throws when the bytes do not start with an HTTP/1.x status line and headers.
    public static func parse(_ bytes: [UInt8]) throws(ATHTTPResponseError) -> ATHTTPResponse {
        guard let headEnd = find([0x0D, 0x0A, 0x0D, 0x0A], in: bytes) else { throw .noHeadEnd }
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = 0
        var index = 0
        while index + 1 < headEnd + 2 {
            if bytes[index] == 0x0D && bytes[index + 1] == 0x0A {
                lines.append(bytes[lineStart..<index])
                index += 2
                lineStart = index
            } else {
                index += 1
            }
        }
        guard let statusLine = lines.first else { throw .badStatusLine }
        // `HTTP/1.x NNN reason`
        let parts = statusLine.split(separator: 0x20, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].starts(with: Array("HTTP/".utf8)), parts[1].count == 3,
            parts[1].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else { throw .badStatusLine }
        let status = parts[1].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        var headers: [Header] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: 0x3A) else { throw .badHeader }
            var value = line[(colon + 1)...]
            while value.first == 0x20 || value.first == 0x09 { value = value.dropFirst() }
            headers.append(Header(name: text(line[..<colon]), value: text(value)))
        }
        return ATHTTPResponse(
            version: text(parts[0]), status: status, reason: parts.count > 2 ? text(parts[2]) : "", headers: headers,
            body: Array(bytes[(headEnd + 4)...]))
    }

    private static func text(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count)
        where haystack[start..<start + needle.count].elementsEqual(needle) {
            return start
        }
        return nil
    }

    private static func sameName(_ a: String, _ b: String) -> Bool {
        func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte }
        return a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { lower($0) == lower($1) }
    }
}

/// The module's output after HTTPGET/HTTPPOST is not an HTTP response.
public enum ATHTTPResponseError: Error, Equatable, Sendable {
    /// No empty line ends the head.
    case noHeadEnd
    /// The first line is not `HTTP/1.x NNN reason`.
    case badStatusLine
    /// A header line has no colon.
    case badHeader
}
