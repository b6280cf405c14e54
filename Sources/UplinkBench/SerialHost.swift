#if canImport(Glibc)
    import Glibc
#endif

/// The host end of the module's serial line, as firmware on a UART sees it: the pty slave opened
/// raw, blocking writes, and poll-then-read for input.
///
/// Input is kept in a buffer the AT driver parses in place; ``consumedBytes`` counts every byte the
/// driver took from it, which is what the module put on the line.
final class SerialHost {
    private let descriptor: CInt
    private let timeoutMilliseconds: Int32
    private var buffer: [UInt8] = []
    private var head = 0
    private var scratch = [UInt8](repeating: 0, count: 65_536)
    /// Bytes taken from the line so far.
    private(set) var consumedBytes = 0

    /// Opens `path` (`O_RDWR | O_NOCTTY`) and makes it raw (cfmakeraw, 8N1, no flow control).
    init(path: String, timeoutSeconds: Double) throws {
        let fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw BenchError.system(operation: "open \(path)", errno: errno) }
        var settings = termios()
        guard tcgetattr(fd, &settings) == 0 else {
            let code = errno
            close(fd)
            throw BenchError.system(operation: "tcgetattr \(path)", errno: code)
        }
        cfmakeraw(&settings)
        cfsetispeed(&settings, speed_t(B921600))
        cfsetospeed(&settings, speed_t(B921600))
        settings.c_cflag |= tcflag_t(CLOCAL | CREAD)
        settings.c_cflag &= ~tcflag_t(CRTSCTS)
        guard tcsetattr(fd, TCSANOW, &settings) == 0 else {
            let code = errno
            close(fd)
            throw BenchError.system(operation: "tcsetattr \(path)", errno: code)
        }
        descriptor = fd
        timeoutMilliseconds = Int32(clamping: Int((timeoutSeconds * 1000).rounded(.up)))
    }

    deinit {
        close(descriptor)
    }

    // MARK: - Output

    /// Writes all of `bytes` (blocking).
    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(descriptor, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                if written < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    throw BenchError.system(operation: "write", errno: errno)
                }
                offset += written
            }
        }
    }

    // MARK: - Input

    /// Unconsumed input bytes.
    var available: Int { buffer.count - head }

    /// The unconsumed byte at `offset`, if it has arrived.
    func byte(at offset: Int) -> UInt8? {
        head + offset < buffer.count ? buffer[head + offset] : nil
    }

    /// Whether the unconsumed input starts with `prefix` (false when too little has arrived).
    func startsWith(_ prefix: [UInt8]) -> Bool {
        guard available >= prefix.count else { return false }
        return buffer[head..<head + prefix.count].elementsEqual(prefix)
    }

    /// The offset of the first CR LF at or after `offset`, if any.
    func firstLineEnd(from offset: Int) -> Int? {
        var index = head + max(0, offset)
        while index + 1 < buffer.count {
            if buffer[index] == 0x0D && buffer[index + 1] == 0x0A { return index - head }
            index += 1
        }
        return nil
    }

    /// The unconsumed bytes in `range` (offsets from the first unconsumed byte).
    func bytes(_ range: Range<Int>) -> ArraySlice<UInt8> {
        buffer[(head + range.lowerBound)..<(head + range.upperBound)]
    }

    /// The offset of the first of the next `expected.count` bytes that differs from `expected`, or
    /// `nil` when they are equal (the caller made sure they have arrived).
    func firstMismatch(with expected: ArraySlice<UInt8>) -> Int? {
        let count = expected.count
        guard count > 0 else { return nil }
        let equal = buffer.withUnsafeBytes { mine in
            expected.withUnsafeBytes { theirs in
                guard let mineBase = mine.baseAddress, let theirBase = theirs.baseAddress else { return false }
                return memcmp(mineBase + head, theirBase, count) == 0
            }
        }
        if equal { return nil }
        var offset = 0
        for (mine, theirs) in zip(buffer[head..<head + count], expected) {
            if mine != theirs { return offset }
            offset += 1
        }
        return 0
    }

    /// Drops `count` bytes from the front of the input.
    func consume(_ count: Int) {
        head += count
        consumedBytes += count
        if head == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            head = 0
        }
    }

    /// Blocks (up to the timeout) until more bytes arrive, and appends them to the input.
    func fill(waitingFor what: @autoclosure () -> String) throws {
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&request, 1, timeoutMilliseconds)
            if ready > 0 { break }
            if ready < 0 {
                if errno == EINTR { continue }
                throw BenchError.system(operation: "poll", errno: errno)
            }
            throw BenchError.timeout(
                waitingFor: what(), seconds: Double(timeoutMilliseconds) / 1000, received: preview())
        }
        let count = scratch.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR || errno == EAGAIN { return }
            throw BenchError.system(operation: "read", errno: errno)
        }
        guard count > 0 else { throw BenchError.lineClosed(waitingFor: what()) }
        if head > 0 && head >= buffer.count / 2 {
            buffer.removeSubrange(0..<head)
            head = 0
        }
        buffer.append(contentsOf: scratch[0..<count])
    }

    /// The start of the unconsumed input, escaped, for error messages.
    func preview(limit: Int = 96) -> String {
        Self.escape(buffer[head..<min(buffer.count, head + limit)]) + (available > limit ? "…" : "")
    }

    static func escape(_ bytes: some Sequence<UInt8>) -> String {
        var text = ""
        for byte in bytes {
            switch byte {
            case 0x0D: text += "\\r"
            case 0x0A: text += "\\n"
            case UInt8(ascii: "\""): text += "\\\""
            case UInt8(ascii: "\\"): text += "\\\\"
            case 0x20..<0x7F: text.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                text += "\\x" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return "\"" + text + "\""
    }
}
