/// Splits a module's output, as a host receives it, into lines and raw data blocks.
///
/// The host-side counterpart of ``ATLineFramer``: a pull parser. Append bytes as they arrive and call
/// ``next()`` until it returns `nil`. Lines end in LF (a CR before it is dropped); empty lines (SPWF01 frames
/// results in CR LF on both sides) are skipped. When a reply continues with raw bytes (SOCKR), call
/// ``beginData(count:)`` *before* pulling again: the next `count` bytes come back as one ``Event/data(_:)``
/// whatever they hold. A line longer than ``maximumLineLength`` is dropped up to its end and reported as
/// ``Event/lineTooLong(_:)``; memory stays bounded by that limit plus one data block.
public struct ATReplyFramer: Sendable {
    /// What the framer found in the stream.
    public enum Event: Equatable, Sendable {
        /// A non-empty line without its terminator.
        case line([UInt8])
        /// A line that exceeded the limit; carries how many bytes it had.
        case lineTooLong(Int)
        /// A complete raw block of the length asked for.
        case data([UInt8])
        /// The bytes of a stream (``beginStream(_:)``) up to its end marker (`complete`) or up to an error line.
        case stream([UInt8], complete: Bool)
        /// A stream passed its limit without an end; carries how many bytes it had.
        case streamTooLong(Int)
    }

    /// The longest line accepted, terminator excluded.
    public let maximumLineLength: Int

    /// Lines followed by raw bytes whose length the line gives (SPWF04's `+WIND:86`): such a line comes back as
    /// ``Event/line(_:)`` up to its last field's colon, then its bytes as ``Event/data(_:)``. Empty by default.
    public var inlineDataHeaders: [ATInlineDataHeader] = []

    private var buffer: [UInt8] = []
    private var start = 0
    private var scan = 0
    private var dataCount: Int?
    private var discarded: Int?
    private var stream: ATStreamEnd?

    /// Creates a framer; `maximumLineLength` bounds one line (mbed's SPWFSA01 reads lines into 256 bytes).
    public init(maximumLineLength: Int = 1024) {
        self.maximumLineLength = max(16, maximumLineLength)
    }

    /// Bytes appended but not yet returned.
    public var bufferedCount: Int { buffer.count - start }

    /// Whether the framer is collecting a data block.
    public var isInData: Bool { dataCount != nil }

    /// The unconsumed bytes (for error messages and resynchronisation).
    public var unconsumed: ArraySlice<UInt8> { buffer[start...] }

    /// Adds bytes from the module.
    public mutating func append<Bytes: Collection>(contentsOf bytes: Bytes) where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
    }

    /// Takes the next `count` bytes as one data block.
    public mutating func beginData(count: Int) {
        dataCount = max(0, count)
        scan = start
    }

    /// Whether the framer is collecting a stream.
    public var isInStream: Bool { stream != nil }

    /// Takes what follows as one stream of raw bytes (an HTTP response), up to `end`'s marker or an error line.
    public mutating func beginStream(_ end: ATStreamEnd) {
        stream = end
        scan = start
    }

    /// Drops everything buffered and returns to line mode (after a timeout, or a module reset).
    public mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
        start = 0
        scan = 0
        dataCount = nil
        discarded = nil
        stream = nil
    }

    /// Returns the next event, or `nil` when more bytes are needed.
    public mutating func next() -> Event? {
        next(streams: true, inlineData: true)
    }

    /// ``next()`` for a reader that never begins a stream (`streams` false) or sets no ``inlineDataHeaders``
    /// (`inlineData` false). Always inlined: where the flags are constants (a session specialised without HTTP
    /// streams or SPWF04's inline messages), the code for those does not remain.
    @inline(__always)
    mutating func next(streams: Bool, inlineData: Bool) -> Event? {
        if streams, let end = stream {
            return nextInStream(end)
        }
        if let count = dataCount {
            guard buffer.count - start >= count else { return nil }
            let block = Array(buffer[start..<start + count])
            start += count
            scan = start
            dataCount = nil
            compact()
            return .data(block)
        }
        while scan < buffer.count {
            if inlineData, scan == start, !inlineDataHeaders.isEmpty {
                switch matchInlineHeader() {
                case .needMore:
                    compact()
                    return nil
                case .header(let end, let length):
                    let header = Array(buffer[start..<end])
                    start = end
                    scan = start
                    dataCount = length
                    return .line(header)
                case .none:
                    break
                }
            }
            if buffer[scan] != 0x0A {
                scan += 1
                // A CR may be the first half of the CR LF that ends the line: it counts against the limit only
                // once a byte other than LF follows it.
                let trailingCR = buffer[scan - 1] == 0x0D ? 1 : 0
                if scan - start - trailingCR > maximumLineLength {
                    discarded = (discarded ?? 0) + (scan - start)
                    start = scan
                }
                continue
            }
            var end = scan
            if end > start && buffer[end - 1] == 0x0D { end -= 1 }
            let line = buffer[start..<end]
            scan += 1
            start = scan
            if let dropped = discarded {
                discarded = nil
                compact()
                return .lineTooLong(dropped + line.count)
            }
            if line.isEmpty || (line.count == 1 && line.first == 0x0D) { continue }
            let event = Event.line(Array(line))
            compact()
            return event
        }
        compact()
        return nil
    }

    private enum InlineMatch {
        case none
        case needMore
        case header(end: Int, length: Int)
    }

    /// Whether the line at `start` is one of ``inlineDataHeaders``: where its header ends and the data's length.
    private func matchInlineHeader() -> InlineMatch {
        let available = buffer.count - start
        for rule in inlineDataHeaders where !rule.prefix.isEmpty {
            let shown = min(rule.prefix.count, available)
            guard buffer[start..<start + shown].elementsEqual(rule.prefix[0..<shown]) else { continue }
            if shown < rule.prefix.count { return .needMore }
            var field = 0
            var fieldStart = start + rule.prefix.count
            var length: Int? = nil
            var index = fieldStart
            while index < buffer.count {
                let byte = buffer[index]
                // A header holds no line end, and is bounded like a line.
                if byte == 0x0A || byte == 0x0D || index - start > maximumLineLength { return .none }
                if byte == 0x3A {
                    if field == rule.lengthField {
                        guard let value = ATBytes.decimal(buffer[fieldStart..<index]) else { return .none }
                        length = value
                    }
                    field += 1
                    if field == rule.fieldsBeforeData {
                        guard let length else { return .none }
                        return .header(end: index + 1, length: length)
                    }
                    fieldStart = index + 1
                }
                index += 1
            }
            return .needMore
        }
        return .none
    }

    private mutating func compact() {
        if start > 4096 && start * 2 > buffer.count {
            buffer.removeSubrange(0..<start)
            scan -= start
            start = 0
        }
    }

    /// The stream's event once its end marker or an error line is in the buffer. The search resumes where the last
    /// one stopped (less a marker's length), so the cost stays linear in the stream's size.
    private mutating func nextInStream(_ end: ATStreamEnd) -> Event? {
        let from = max(start, scan - max(end.marker.count, end.errorPrefix.count + 2))
        var index = from
        while index < buffer.count {
            if matches(end.marker, at: index) {
                let bytes = Array(buffer[start..<index])
                start = index + (end.keepsMarker ? 0 : end.marker.count)
                return finishStream(.stream(bytes, complete: true))
            }
            // An error line: at the stream's start, or after a CR LF (which the module wrote to end a partial line).
            if index == start, matches(end.errorPrefix, at: index) {
                return finishStream(.stream([], complete: false))
            }
            if buffer[index] == 0x0D, matches([0x0D, 0x0A] + end.errorPrefix, at: index) {
                let bytes = Array(buffer[start..<index])
                start = index + 2
                return finishStream(.stream(bytes, complete: false))
            }
            index += 1
        }
        // Keep the tail that may be the start of a marker for the next search.
        scan = buffer.count
        if buffer.count - start > end.limit {
            let count = buffer.count - start
            start = buffer.count
            return finishStream(.streamTooLong(count))
        }
        return nil
    }

    private mutating func finishStream(_ event: Event) -> Event {
        stream = nil
        scan = start
        compact()
        return event
    }

    private func matches(_ needle: [UInt8], at index: Int) -> Bool {
        guard !needle.isEmpty, index + needle.count <= buffer.count else { return false }
        for offset in 0..<needle.count where buffer[index + offset] != needle[offset] { return false }
        return true
    }
}

/// Where a stream of raw bytes in a module's reply ends (an HTTP response): its marker, and whether the marker is
/// left to be read as lines (SPWF01: it is the OK line); an error line ends it too.
public struct ATStreamEnd: Equatable, Sendable {
    /// The bytes that end the stream.
    public var marker: [UInt8]
    /// Whether the marker stays in the buffer, to be read as lines after the stream.
    public var keepsMarker: Bool
    /// How an error line starts (`ERROR` / `AT-S.ERROR`).
    public var errorPrefix: [UInt8]
    /// The most bytes the stream may have.
    public var limit: Int

    public init(marker: [UInt8], keepsMarker: Bool, errorPrefix: [UInt8], limit: Int) {
        self.marker = marker
        self.keepsMarker = keepsMarker
        self.errorPrefix = errorPrefix
        self.limit = limit
    }
}
