import MQTTCodec

/// The session log's records as bytes, without I/O: what ``MQTTFileSessionStore`` writes and reads, and what the
/// session-log fuzz target feeds with arbitrary bytes.
///
/// A record is `[length u32][crc32 u32][body]` (big endian; the CRC-32 covers the body, whose first byte says the
/// kind). ``scan(_:)`` reads a whole log: it resynchronises after a damaged record on the next record whose length
/// and checksum hold, so one flipped byte costs one record, not every record after it.
public enum MQTTSessionLogCodec {
    /// What a log holds: the records that decoded, in order, and where it was damaged.
    public struct Scan: Sendable, Equatable {
        /// The records, in log order.
        public var records: [MQTTSessionRecord] = []
        /// Byte ranges skipped because no valid record starts in them (damage in the middle of the log).
        public var damaged: [Range<Int>] = []
        /// Bytes dropped at the end: an incomplete last record (a crash in the middle of a write) or zero fill.
        public var tornTail = 0
        /// Records decoded after the first damaged range (recovered by resynchronising).
        public var recoveredAfterDamage = 0
        /// Bytes of valid records (the log's length without damage and torn tail).
        public var validBytes = 0

        public init() {}
    }

    /// Largest record body accepted: an accepted message (a PUBLISH of at most 256 MiB) and its header.
    static let maximumBodyLength = 268_435_455 + 16

    private enum Kind: UInt8 {
        case accepted = 1, sent, released, completed, unsent, inboundReceived, inboundReleased, inboundCleared
    }

    /// Appends one record, `[length u32][crc32 u32][body]`, to `buffer`.
    public static func encode(_ record: MQTTSessionRecord, into buffer: inout [UInt8]) {
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
    public static func decodeRecord(_ bytes: [UInt8], at offset: Int) -> (MQTTSessionRecord, Int)? {
        guard bytes.count - offset >= 9 else { return nil }
        let length = Int(bytes.readUInt32(at: offset))
        let checksum = bytes.readUInt32(at: offset + 4)
        let start = offset + 8
        guard offset >= 0, length >= 1, length <= maximumBodyLength, bytes.count - start >= length else { return nil }
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

    /// Reads every record of a log. A record that does not decode is skipped up to the next offset where a valid
    /// record starts; when none follows, the rest is a torn tail if the record there is incomplete (it claims more
    /// bytes than remain) or the rest is zero fill, and damage otherwise.
    public static func scan(_ bytes: [UInt8]) -> Scan {
        var result = Scan()
        var offset = 0
        while offset < bytes.count {
            if let (record, next) = decodeRecord(bytes, at: offset) {
                result.records.append(record)
                result.validBytes += next - offset
                if !result.damaged.isEmpty { result.recoveredAfterDamage += 1 }
                offset = next
                continue
            }
            var probe = offset + 1
            while probe < bytes.count && decodeRecord(bytes, at: probe) == nil { probe += 1 }
            if probe >= bytes.count {
                if isTornTail(bytes, at: offset) {
                    result.tornTail = bytes.count - offset
                } else {
                    result.damaged.append(offset..<bytes.count)
                }
                break
            }
            result.damaged.append(offset..<probe)
            offset = probe
        }
        return result
    }

    /// Whether the bytes from `offset` to the end are what a write cut short leaves: without the zero fill a crash
    /// can leave after it, fewer bytes than a header, or a record claiming more bytes than remain.
    static func isTornTail(_ bytes: [UInt8], at offset: Int) -> Bool {
        var end = bytes.count
        while end > offset && bytes[end - 1] == 0 { end -= 1 }
        if end - offset < 9 { return true }
        let length = Int(bytes.readUInt32(at: offset))
        return length > end - offset - 8
    }
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
