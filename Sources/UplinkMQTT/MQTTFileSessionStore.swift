import MQTTCodec

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A session store in a directory that survives a process crash.
///
/// The directory holds one append-only log, `session.log`, of checksummed records (`[length u32][crc32 u32][body]`).
/// `sync` writes the buffered records and `fsync`s the file before the client sends anything that depends on them
/// (write-ahead, group commit: one `fsync` per batch of packets, not per message). A torn record at the end (a
/// crash in the middle of a write) is dropped when the log is read. When the log grows past `compactionThreshold`
/// bytes it is rewritten with only the live records (written to a temporary file, `fsync`ed, renamed, and the
/// directory `fsync`ed). An exclusive `flock` keeps a second process from using the same directory.
public final class MQTTFileSessionStore: MQTTSessionStore, @unchecked Sendable {
    /// The directory.
    public let directory: String
    /// Log size that triggers a rewrite.
    public var compactionThreshold: Int { 4 << 20 }

    private let lock = MQTTLock()  // guards pending and needsSync
    private let syncLock = MQTTLock()  // serializes writes, fsync and compaction
    private var pending: [UInt8] = []
    private var pendingRecords: [MQTTSessionRecord] = []
    private var dirty = false
    private var descriptor: Int32
    private var session = MQTTStoredSession()  // what is on disk (guarded by syncLock)
    private var logSize = 0

    private var logPath: String { directory + "/session.log" }

    /// Opens (creating if needed) the store in `directory`.
    public init(directory: String) throws(MQTTClientError) {
        self.directory = directory
        try MQTTFileSessionStore.makeDirectory(directory)
        let path = directory + "/session.log"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .sessionStore("cannot open \(path): \(MQTTFileSessionStore.errnoText())") }
        guard MQTTFileSessionStore.lock(fd) else {
            close(fd)
            throw .sessionStore("\(directory) is in use by another process")
        }
        descriptor = fd
        do throws(MQTTClientError) {
            try readLog()
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(descriptor) }

    /// Takes the exclusive lock, waiting up to one second for it.
    ///
    /// A process that is starting a child holds a copy of every descriptor until the child's `exec` closes it
    /// (`O_CLOEXEC`), and the lock belongs to the open file, not to the descriptor: a store just closed by this
    /// process can look locked for that moment. Another process that really uses the directory keeps it locked.
    private static func lock(_ fd: Int32) -> Bool {
        for attempt in 0..<100 {
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }
            if errno != EWOULDBLOCK || attempt == 99 { return false }
            usleep(10_000)
        }
        return false
    }

    public func load() throws -> MQTTStoredSession { syncLock.withLock { session } }

    public func append(_ records: [MQTTSessionRecord]) {
        lock.withLock {
            for record in records { MQTTFileSessionStore.encode(record, into: &pending) }
            pendingRecords.append(contentsOf: records)
            dirty = true
        }
    }

    public var needsSync: Bool { lock.withLock { dirty } }

    public func sync() throws {
        try syncLock.withLock { () throws(MQTTClientError) in
            var bytes: [UInt8] = []
            var records: [MQTTSessionRecord] = []
            lock.withLock {
                swap(&bytes, &pending)
                swap(&records, &pendingRecords)
                dirty = false
            }
            if bytes.isEmpty { return }
            for record in records { session.apply(record) }
            try writeAll(bytes, to: descriptor)
            guard fsync(descriptor) == 0 else { throw .sessionStore("fsync: \(MQTTFileSessionStore.errnoText())") }
            logSize += bytes.count
            if logSize > compactionThreshold { try compact() }
        }
    }

    public func reset() throws {
        try syncLock.withLock { () throws(MQTTClientError) in
            lock.withLock {
                pending.removeAll()
                pendingRecords.removeAll()
                dirty = false
            }
            session = MQTTStoredSession()
            try compact()
        }
    }

    // MARK: - Log

    private func readLog() throws(MQTTClientError) {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        _ = lseek(descriptor, 0, SEEK_SET)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .sessionStore("read \(logPath): \(MQTTFileSessionStore.errnoText())")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        var offset = 0
        var valid = true
        while offset < bytes.count {
            guard let (record, next) = MQTTFileSessionStore.decode(bytes, at: offset) else {
                valid = false
                break
            }
            session.apply(record)
            offset = next
        }
        logSize = offset
        // Start from a compact log: drops a torn tail and completed records.
        if !valid || offset > 0 { try compact() }
    }

    private func compact() throws(MQTTClientError) {
        var bytes: [UInt8] = []
        for record in session.records { MQTTFileSessionStore.encode(record, into: &bytes) }
        let temporary = logPath + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .sessionStore("cannot create \(temporary): \(MQTTFileSessionStore.errnoText())") }
        do throws(MQTTClientError) {
            try writeAll(bytes, to: fd)
            guard fsync(fd) == 0 else {
                throw MQTTClientError.sessionStore("fsync: \(MQTTFileSessionStore.errnoText())")
            }
        } catch {
            close(fd)
            throw error
        }
        // Take the lock on the new file before it replaces the old one.
        _ = flock(fd, LOCK_EX | LOCK_NB)
        guard rename(temporary, logPath) == 0 else {
            close(fd)
            throw .sessionStore("rename \(temporary): \(MQTTFileSessionStore.errnoText())")
        }
        let directoryFD = open(directory, O_RDONLY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
        close(descriptor)
        descriptor = fd
        logSize = bytes.count
    }

    private func writeAll(_ bytes: [UInt8], to fd: Int32) throws(MQTTClientError) {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                write(fd, raw.baseAddress.map { $0 + written }, raw.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw .sessionStore("write \(logPath): \(MQTTFileSessionStore.errnoText())")
            }
            written += count
        }
    }

    // MARK: - Encoding

    private enum Kind: UInt8 {
        case accepted = 1, sent, released, completed, unsent, inboundReceived, inboundReleased, inboundCleared
    }

    static func encode(_ record: MQTTSessionRecord, into buffer: inout [UInt8]) {
        var body: [UInt8] = []
        switch record {
        case .accepted(let sequence, let message):
            body.append(Kind.accepted.rawValue)
            body.appendUInt64(sequence)
            let packet = PublishPacket(
                topic: message.topic, payload: message.payload,
                qos: message.qos == .atMostOnce ? .atLeastOnce : message.qos,
                retain: message.retain, packetIdentifier: 1, properties: message.properties)
            // The client validated the message before accepting it; an unencodable one is not stored.
            guard (try? MQTTEncoder.encode(packet, version: .v5, into: &body)) != nil else { return }
        case .sent(let sequence, let id):
            body.append(Kind.sent.rawValue)
            body.appendUInt64(sequence)
            body.appendUInt16(id)
        case .released(let sequence):
            body.append(Kind.released.rawValue)
            body.appendUInt64(sequence)
        case .completed(let sequence):
            body.append(Kind.completed.rawValue)
            body.appendUInt64(sequence)
        case .unsent(let sequence):
            body.append(Kind.unsent.rawValue)
            body.appendUInt64(sequence)
        case .inboundReceived(let id, let digest):
            body.append(Kind.inboundReceived.rawValue)
            body.appendUInt16(id)
            body.appendUInt64(digest)
        case .inboundReleased(let id):
            body.append(Kind.inboundReleased.rawValue)
            body.appendUInt16(id)
        case .inboundCleared:
            body.append(Kind.inboundCleared.rawValue)
        }
        buffer.appendUInt32(UInt32(body.count))
        buffer.appendUInt32(CRC32.checksum(body))
        buffer.append(contentsOf: body)
    }

    /// Decodes the record at `offset`; `nil` for a torn or corrupt record.
    static func decode(_ bytes: [UInt8], at offset: Int) -> (MQTTSessionRecord, Int)? {
        guard bytes.count - offset >= 9 else { return nil }
        let length = Int(bytes.readUInt32(at: offset))
        let checksum = bytes.readUInt32(at: offset + 4)
        let start = offset + 8
        guard length >= 1, bytes.count - start >= length else { return nil }
        let body = Array(bytes[start..<(start + length)])
        guard CRC32.checksum(body) == checksum, let kind = Kind(rawValue: body[0]) else { return nil }
        let next = start + length
        func sequence() -> UInt64? { body.count >= 9 ? body.readUInt64(at: 1) : nil }
        switch kind {
        case .accepted:
            guard let sequence = sequence(),
                case .publish(let packet)? = try? MQTTDecoder.decode(Array(body[9...]), version: .v5)
            else { return nil }
            let message = MQTTMessage(
                topic: packet.topic, payload: packet.payload, qos: packet.qos, retain: packet.retain,
                properties: packet.properties)
            return (.accepted(sequence: sequence, message: message), next)
        case .sent:
            guard body.count == 11, let sequence = sequence() else { return nil }
            return (.sent(sequence: sequence, packetIdentifier: body.readUInt16(at: 9)), next)
        case .released:
            guard body.count == 9, let sequence = sequence() else { return nil }
            return (.released(sequence: sequence), next)
        case .completed:
            guard body.count == 9, let sequence = sequence() else { return nil }
            return (.completed(sequence: sequence), next)
        case .unsent:
            guard body.count == 9, let sequence = sequence() else { return nil }
            return (.unsent(sequence: sequence), next)
        case .inboundReceived:
            guard body.count == 11 else { return nil }
            return (.inboundReceived(body.readUInt16(at: 1), digest: body.readUInt64(at: 3)), next)
        case .inboundReleased:
            guard body.count == 3 else { return nil }
            return (.inboundReleased(body.readUInt16(at: 1)), next)
        case .inboundCleared:
            guard body.count == 1 else { return nil }
            return (.inboundCleared, next)
        }
    }

    // MARK: - Files

    static func makeDirectory(_ path: String) throws(MQTTClientError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw .sessionStore("cannot create \(prefix): \(errnoText())")
            }
            prefix += "/"
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// CRC-32 (IEEE 802.3), for the session log's record checksums.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 != 0 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

extension Array where Element == UInt8 {
    mutating func appendUInt16(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(value & 0xFF))
    }

    mutating func appendUInt32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }

    mutating func appendUInt64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { append(UInt8((value >> UInt64(shift)) & 0xFF)) }
    }

    func readUInt16(at index: Int) -> UInt16 { UInt16(self[index]) << 8 | UInt16(self[index + 1]) }

    func readUInt32(at index: Int) -> UInt32 {
        var value: UInt32 = 0
        for position in index..<(index + 4) { value = value << 8 | UInt32(self[position]) }
        return value
    }

    func readUInt64(at index: Int) -> UInt64 {
        var value: UInt64 = 0
        for position in index..<(index + 8) { value = value << 8 | UInt64(self[position]) }
        return value
    }
}
