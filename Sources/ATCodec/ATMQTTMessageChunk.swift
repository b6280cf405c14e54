/// One `+WIND:86` of the SPWF04's MQTT client: a message the broker sent, or one chunk of a long one.
///
/// On the wire: `+WIND:86:MQTT Published:<id>:<topic>:<qos>:<retained>:<dup>:<chunk>:<total>:` followed by exactly
/// `<chunk>` raw bytes of the message and CR LF — the field order ST's X-CUBE-WIFI1 middleware reads
/// (`MQTT Published:%u:%[^:]:%*u:%*u:%*u:%u:%u:%n`, then `<chunk>` bytes from `%n`). A message longer than
/// ``maximumChunk`` comes as several WINDs in a row, each with its chunk's length and the same `<total>`. The topic
/// cannot hold `:` (the field ends there), CR or LF: those bytes and `%` are written `%3A`, `%0D`, `%0A`, `%25`.
public struct ATMQTTMessageChunk: Equatable, Sendable {
    /// The MQTT connection's id (MQTTCONN's).
    public var client: Int
    /// The topic, decoded.
    public var topic: [UInt8]
    /// The QoS the message was delivered with (0–2).
    public var qos: Int
    /// Whether the broker sent it as a retained message.
    public var retained: Bool
    /// Whether the broker marked it as a redelivery.
    public var duplicate: Bool
    /// The whole message's length.
    public var total: Int
    /// This chunk's bytes.
    public var data: [UInt8]

    /// Creates a chunk.
    public init(
        client: Int, topic: [UInt8], qos: Int, retained: Bool, duplicate: Bool, total: Int, data: [UInt8]
    ) {
        self.client = client
        self.topic = topic
        self.qos = qos
        self.retained = retained
        self.duplicate = duplicate
        self.total = total
        self.data = data
    }

    /// The most message bytes one WIND carries.
    public static let maximumChunk = 4096
    /// The WIND number of a received message.
    public static let windNumber = 86
    /// The WIND number of a closed connection (`+WIND:87:MQTT Closed:<id>`).
    public static let closedWindNumber = 87
    /// The WIND 86 text before the fields.
    public static let textPrefix = "MQTT Published:"
    /// The WIND 87 text before the id.
    public static let closedTextPrefix = "MQTT Closed:"
    /// How the framer recognises WIND 86 (SPWF04 prints WINDs with no lead): seven fields, the sixth the length.
    public static let inlineDataHeader = ATInlineDataHeader(
        prefix: Array("+WIND:86:MQTT Published:".utf8), fieldsBeforeData: 7, lengthField: 5)

    /// The WIND text up to and including the colon before the data (without `+WIND:86:`).
    public var headerText: [UInt8] {
        var text = Array(Self.textPrefix.utf8)
        text += Array("\(client):".utf8)
        text += Self.encodeTopic(topic)
        text += Array(":\(qos):\(retained ? 1 : 0):\(duplicate ? 1 : 0):\(data.count):\(total):".utf8)
        return text
    }

    /// The fields of a WIND 86 text (`MQTT Published:...:`, up to the data): client, topic (decoded), QoS, retained,
    /// duplicate, this chunk's length, the total length. `nil` when malformed.
    public static func parseHeader(_ text: some Collection<UInt8>) -> ATMQTTMessageChunk? {
        guard let rest = ATBytes.after(textPrefix, in: Array(text)[...]) else { return nil }
        let fields = ATBytes.fields(rest)
        // Seven fields and the empty one after the last colon (the data is not part of the text).
        guard fields.count == 8, fields[7].isEmpty, let client = ATBytes.decimal(fields[0]),
            let topic = decodeTopic(fields[1]), let qos = ATBytes.decimal(fields[2]), qos <= 2,
            let retained = ATBytes.decimal(fields[3]), retained <= 1, let duplicate = ATBytes.decimal(fields[4]),
            duplicate <= 1, let length = ATBytes.decimal(fields[5]), let total = ATBytes.decimal(fields[6]),
            length <= total
        else { return nil }
        return ATMQTTMessageChunk(
            client: client, topic: topic, qos: qos, retained: retained == 1, duplicate: duplicate == 1, total: total,
            data: Array(repeating: 0, count: length))
    }

    /// The client id of a WIND 87 text (`MQTT Closed:<id>`), or `nil`.
    public static func parseClosed(_ text: some Collection<UInt8>) -> Int? {
        guard let rest = ATBytes.after(closedTextPrefix, in: Array(text)[...]) else { return nil }
        return ATBytes.decimal(rest)
    }

    /// The topic with `%`, `:`, CR and LF written as `%25`, `%3A`, `%0D`, `%0A`.
    public static func encodeTopic(_ topic: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(topic.count)
        for byte in topic {
            switch byte {
            case 0x25: out += [0x25, 0x32, 0x35]
            case 0x3A: out += [0x25, 0x33, 0x41]
            case 0x0D: out += [0x25, 0x30, 0x44]
            case 0x0A: out += [0x25, 0x30, 0x41]
            default: out.append(byte)
            }
        }
        return out
    }

    /// Reverses ``encodeTopic(_:)``; `nil` for a `%` not followed by two hex digits.
    public static func decodeTopic(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 0x30...0x39: return byte - 0x30
            case 0x41...0x46: return byte - 0x41 + 10
            case 0x61...0x66: return byte - 0x61 + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let byte = text[index]
            if byte == 0x25 {
                guard index + 2 < text.endIndex, let high = hex(text[index + 1]), let low = hex(text[index + 2]) else {
                    return nil
                }
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(byte)
                index += 1
            }
        }
        return out
    }
}

/// A line a module follows with raw bytes whose length one of its fields gives (SPWF04's `+WIND:86`): the host's
/// framer reads the bytes as data, whatever they hold, instead of splitting them into lines.
public struct ATInlineDataHeader: Equatable, Sendable {
    /// How the line starts.
    public var prefix: [UInt8]
    /// How many colon-ended fields follow the prefix before the data.
    public var fieldsBeforeData: Int
    /// Which of them (from 0) is the data's length.
    public var lengthField: Int

    /// Creates a rule.
    public init(prefix: [UInt8], fieldsBeforeData: Int, lengthField: Int) {
        self.prefix = prefix
        self.fieldsBeforeData = fieldsBeforeData
        self.lengthField = lengthField
    }
}
