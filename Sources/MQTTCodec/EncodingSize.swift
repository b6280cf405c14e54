/// Size computation with validation for encoded fields; the encoder sizes a packet completely before writing.
enum EncodingSize {
    /// The largest length a two-byte length prefix can express.
    static let maxFieldLength = 65_535

    /// The encoded size of a length-prefixed UTF-8 string; rejects over-long strings and U+0000.
    static func string(_ string: String) throws(MQTTEncodeError) -> Int {
        let utf8 = string.utf8
        let count = utf8.count
        guard count <= maxFieldLength else { throw .stringTooLong(length: count) }
        if MQTTTopic.withBytes(string, { $0.contains(0) }) { throw .nullCharacterInString }
        return 2 + count
    }

    /// The encoded size of length-prefixed binary data.
    static func binary(_ data: [UInt8]) throws(MQTTEncodeError) -> Int {
        guard data.count <= maxFieldLength else { throw .binaryDataTooLong(length: data.count) }
        return 2 + data.count
    }

    /// The encoded size of a topic name; `allowEmpty` permits the MQTT 5 Topic Alias case.
    static func topicName(_ topic: String, allowEmpty: Bool) throws(MQTTEncodeError) -> Int {
        let utf8 = topic.utf8
        let count = utf8.count
        if count == 0 {
            if allowEmpty { return 2 }
            throw .emptyTopicName
        }
        guard count <= maxFieldLength else { throw .stringTooLong(length: count) }
        guard MQTTTopic.isValidTopicName(topic) else { throw .invalidTopicName }
        return 2 + count
    }

    /// The encoded size of a topic filter.
    static func topicFilter(_ filter: String) throws(MQTTEncodeError) -> Int {
        let count = filter.utf8.count
        guard count <= maxFieldLength else { throw .stringTooLong(length: count) }
        guard MQTTTopic.isValidTopicFilter(filter) else { throw .invalidTopicFilter }
        return 2 + count
    }

    /// The size of a fixed header for `remainingLength`, or a throw if it exceeds the protocol maximum.
    static func fixedHeader(remainingLength: Int) throws(MQTTEncodeError) -> Int {
        guard let length = VariableByteInteger.encodedLength(of: remainingLength) else {
            throw .packetTooLarge(remainingLength: remainingLength)
        }
        return 1 + length
    }
}

extension Array where Element == UInt8 {
    /// Reserves room for a packet and writes its fixed header. Out of line, as ``writeString(_:)``: every packet's
    /// encoder calls it, and a firmware's image carried a copy in each.
    @inline(never)
    mutating func writeFixedHeader(_ type: MQTTPacketType, flags: UInt8, remainingLength: Int, headerSize: Int) {
        reserveCapacity(count + headerSize + remainingLength)
        append(type.rawValue << 4 | flags)
        writeVariableByteInteger(remainingLength)
    }
}
