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

    /// Drops everything buffered and returns to line mode (after a timeout, or a module reset).
    public mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
        start = 0
        scan = 0
        dataCount = nil
        discarded = nil
    }

    /// Returns the next event, or `nil` when more bytes are needed.
    public mutating func next() -> Event? {
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
            if scan == start, !inlineDataHeaders.isEmpty {
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
}
