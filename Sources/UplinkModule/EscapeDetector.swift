/// Finds the SPWF01 data-mode escape sequence (`escape_seq`, default `at+s.`) in the host's raw byte stream.
///
/// Bytes that cannot be the start of the escape pass through at once; bytes that may be are held until the
/// escape completes (data mode ends) or a byte shows they were data after all (they pass through, in order).
/// Nothing is ever dropped: the caller flushes what is held with ``flush()`` when the burst ended without
/// completing the escape (its guard time passed).
struct EscapeDetector {
    /// What one chunk of host bytes gave.
    struct Result: Equatable {
        /// Bytes for the peer, in order.
        var forward: [UInt8] = []
        /// Whether the escape completed in this chunk.
        var escaped = false
        /// The bytes after the escape (command-mode input), when it completed.
        var rest: [UInt8] = []
    }

    let escape: [UInt8]
    /// The bytes held because they match the start of the escape.
    private(set) var held: [UInt8] = []

    /// Creates a detector for `escape` (an empty escape never matches).
    init(escape: [UInt8]) {
        self.escape = escape
    }

    /// Whether bytes are held, waiting to see whether they are the escape.
    var isHolding: Bool { !held.isEmpty }

    /// Feeds host bytes.
    mutating func feed(_ bytes: [UInt8]) -> Result {
        var result = Result()
        guard !escape.isEmpty else {
            result.forward = bytes
            return result
        }
        var index = bytes.startIndex
        while index < bytes.endIndex {
            held.append(bytes[index])
            index += 1
            // Let go of the oldest held bytes until what is held is a prefix of the escape again.
            var drop = 0
            while drop < held.count, !escape.starts(with: held[drop...]) { drop += 1 }
            if drop > 0 {
                result.forward.append(contentsOf: held[..<drop])
                held.removeFirst(drop)
            }
            if held.count == escape.count {
                held.removeAll()
                result.escaped = true
                result.rest = Array(bytes[index...])
                return result
            }
        }
        return result
    }

    /// Gives up the held bytes: they were data (the burst ended before the escape completed).
    mutating func flush() -> [UInt8] {
        defer { held.removeAll() }
        return held
    }
}
