/// Splits the byte stream from a host into AT command lines and raw binary blocks.
///
/// The framer is a pull parser: append bytes as they arrive, then call ``next()`` until it returns
/// `nil`. After a line that announces a data block (such as `AT+S.SOCKW=0,5`), the caller calls
/// ``beginBlock(length:)`` *before* pulling again, so the bytes right after the line terminator are
/// taken as the block, exactly as a real module does.
///
/// Lines end in CR, LF or CR LF (an LF right after a CR is skipped). Empty lines are ignored. A line
/// longer than ``maximumLineLength`` is discarded up to its terminator and reported once as
/// ``Event/lineTooLong(_:)``.
public struct ATLineFramer: Sendable {
    /// What the framer found in the stream.
    public enum Event: Equatable, Sendable {
        /// A complete command line, without its terminator.
        case line([UInt8])
        /// A line that exceeded the limit; carries how many bytes it had.
        case lineTooLong(Int)
        /// A complete binary block of the length asked for.
        case block([UInt8])
    }

    /// The longest accepted line, terminator excluded.
    public let maximumLineLength: Int

    private var buffer: [UInt8] = []
    private var start = 0
    private var scan = 0
    private var skipLineFeed = false
    private var discardedLength: Int? = nil
    private var blockLength: Int? = nil
    private var echo: [UInt8] = []

    /// Whether bytes consumed in line mode are collected for ``takeEcho()``.
    public var collectsEcho = false

    /// Creates a framer; `maximumLineLength` bounds one command line.
    public init(maximumLineLength: Int = 512) {
        self.maximumLineLength = maximumLineLength
    }

    /// Whether the last line ended in a carriage return whose line feed, if any, has not arrived yet.
    public var awaitsLineFeed: Bool { skipLineFeed }

    /// Bytes appended but not yet returned in an event.
    public var bufferedCount: Int { buffer.count - start }

    /// Whether the framer is collecting a binary block.
    public var isInBlock: Bool { blockLength != nil }

    /// How many bytes of the current block have arrived so far.
    public var blockBytesReceived: Int {
        guard let blockLength else { return 0 }
        return min(blockLength, buffer.count - start)
    }

    /// Adds bytes from the host.
    public mutating func append<Bytes: Collection>(contentsOf bytes: Bytes) where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
    }

    /// Takes the next `length` bytes as one binary block (returned by a later ``next()``).
    public mutating func beginBlock(length: Int) {
        skipLineFeed = false
        blockLength = max(0, length)
        scan = start
    }

    /// Gives up the current block and returns to line mode; returns how many block bytes were dropped.
    @discardableResult
    public mutating func abandonBlock() -> Int {
        guard blockLength != nil else { return 0 }
        let dropped = buffer.count - start
        blockLength = nil
        start = buffer.count
        scan = start
        compact()
        return dropped
    }

    /// Drops everything buffered (a new host connected, say) and returns to line mode.
    public mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
        start = 0
        scan = 0
        skipLineFeed = false
        discardedLength = nil
        blockLength = nil
        echo.removeAll()
    }

    /// Takes every byte buffered and not yet returned (the module switched to data mode after a line): a line
    /// feed right after the line's carriage return is part of its terminator and is dropped.
    public mutating func takeBuffered() -> [UInt8] {
        // (`awaitsLineFeed` tells the caller when that line feed has not arrived yet.)
        var rest = Array(buffer[start...])
        if skipLineFeed, rest.first == 0x0A { rest.removeFirst() }
        reset()
        return rest
    }

    /// Returns the line-mode bytes consumed since the last call (for local echo).
    public mutating func takeEcho() -> [UInt8] {
        defer { echo.removeAll(keepingCapacity: true) }
        return echo
    }

    /// Returns the next event, or `nil` when more bytes are needed.
    public mutating func next() -> Event? {
        if let length = blockLength {
            guard buffer.count - start >= length else { return nil }
            let block = Array(buffer[start..<start + length])
            start += length
            scan = start
            blockLength = nil
            compact()
            return .block(block)
        }
        while scan < buffer.count {
            let byte = buffer[scan]
            if skipLineFeed {
                skipLineFeed = false
                if byte == 0x0A {
                    if collectsEcho { echo.append(byte) }
                    scan += 1
                    start = scan
                    continue
                }
            }
            if collectsEcho { echo.append(byte) }
            if byte == 0x0D || byte == 0x0A {
                skipLineFeed = byte == 0x0D
                let line = buffer[start..<scan]
                scan += 1
                start = scan
                if let discarded = discardedLength {
                    discardedLength = nil
                    compact()
                    return .lineTooLong(discarded + line.count)
                }
                if line.isEmpty { continue }
                let event = Event.line(Array(line))
                compact()
                return event
            }
            scan += 1
            if scan - start > maximumLineLength {
                discardedLength = (discardedLength ?? 0) + (scan - start)
                start = scan
            }
        }
        if let discarded = discardedLength {
            // Keep memory bounded while an over-long line goes on.
            discardedLength = discarded + (scan - start)
            start = scan
        }
        compact()
        return nil
    }

    private mutating func compact() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 65_536)
            start = 0
            scan = 0
        } else if start > 4096 && start * 2 > buffer.count {
            buffer.removeSubrange(0..<start)
            scan -= start
            start = 0
        }
    }
}
