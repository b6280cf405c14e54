import UplinkMQTT

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `sub -F FORMAT`: mosquitto_sub's output format, parsed once.
///
/// `%` sequences are fields of the message: `%t` topic, `%p` payload, `%q` QoS, `%r` retain flag (0/1), `%m` packet
/// identifier (0 for QoS 0), `%l` payload length, `%x`/`%X` payload in hexadecimal, `%I` ISO-8601 local time,
/// `%U` Unix time with nanoseconds, `%%` a `%`. `@X` is strftime's `%X` (local time), `@N` the nanoseconds of the
/// current second, `@@` an `@`. `\\`, `\0`, `\a`, `\e`, `\n`, `\r`, `\t`, `\v` are escapes. Field widths and the
/// MQTT 5 property fields are not supported; an unknown sequence is refused, as mosquitto_sub refuses it.
struct MQTTOutputFormat: Sendable {
    enum Piece: Sendable, Equatable {
        case literal([UInt8])
        case topic, payload, qos, retain, packetIdentifier, length, hexLower, hexUpper, iso8601, unixTime, nanoseconds
        case strftime(UInt8)
    }

    private(set) var pieces: [Piece] = []
    private let usesTime: Bool

    /// Parses a format; throws a message naming the bad sequence.
    init(parsing format: String) throws(MQTTCLIError) {
        var pieces: [Piece] = []
        var literal: [UInt8] = []
        func flush() {
            if !literal.isEmpty { pieces.append(.literal(literal)) }
            literal.removeAll()
        }
        var iterator = Array(format.utf8).makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let code = iterator.next() else {
                    throw MQTTCLIError("-F: incomplete format specifier at the end")
                }
                let piece: Piece
                switch code {
                case UInt8(ascii: "%"):
                    literal.append(code)
                    continue
                case UInt8(ascii: "t"): piece = .topic
                case UInt8(ascii: "p"): piece = .payload
                case UInt8(ascii: "q"): piece = .qos
                case UInt8(ascii: "r"): piece = .retain
                case UInt8(ascii: "m"): piece = .packetIdentifier
                case UInt8(ascii: "l"): piece = .length
                case UInt8(ascii: "x"): piece = .hexLower
                case UInt8(ascii: "X"): piece = .hexUpper
                case UInt8(ascii: "I"): piece = .iso8601
                case UInt8(ascii: "U"): piece = .unixTime
                default:
                    throw MQTTCLIError("-F: invalid format specifier '\(MQTTOutputFormat.character(code))'")
                }
                flush()
                pieces.append(piece)
            case UInt8(ascii: "@"):
                guard let code = iterator.next() else { throw MQTTCLIError("-F: incomplete time specifier at the end") }
                if code == UInt8(ascii: "@") {
                    literal.append(code)
                    continue
                }
                guard code < 0x80, code > 0x20 else {
                    throw MQTTCLIError("-F: invalid time specifier '@\(MQTTOutputFormat.character(code))'")
                }
                flush()
                pieces.append(code == UInt8(ascii: "N") ? .nanoseconds : .strftime(code))
            case UInt8(ascii: "\\"):
                guard let code = iterator.next() else { throw MQTTCLIError("-F: incomplete escape at the end") }
                switch code {
                case UInt8(ascii: "\\"): literal.append(code)
                case UInt8(ascii: "0"): literal.append(0)
                case UInt8(ascii: "a"): literal.append(7)
                case UInt8(ascii: "e"): literal.append(27)
                case UInt8(ascii: "n"): literal.append(10)
                case UInt8(ascii: "r"): literal.append(13)
                case UInt8(ascii: "t"): literal.append(9)
                case UInt8(ascii: "v"): literal.append(11)
                default: throw MQTTCLIError("-F: invalid escape '\\\(MQTTOutputFormat.character(code))'")
                }
            default:
                literal.append(byte)
            }
        }
        flush()
        self.pieces = pieces
        usesTime = pieces.contains {
            switch $0 {
            case .iso8601, .unixTime, .nanoseconds, .strftime: return true
            default: return false
            }
        }
    }

    private static func character(_ byte: UInt8) -> String { String(decoding: [byte], as: UTF8.self) }

    private static let hexDigitsLower = Array("0123456789abcdef".utf8)
    private static let hexDigitsUpper = Array("0123456789ABCDEF".utf8)

    /// Appends `message` as the format says (no newline: the caller adds it unless `-N`).
    func render(_ message: MQTTMessage, into output: inout MQTTOutputBuffer) {
        var now = timespec()
        var local = tm()
        if usesTime {
            clock_gettime(CLOCK_REALTIME, &now)
            var seconds = now.tv_sec
            localtime_r(&seconds, &local)
        }
        for piece in pieces {
            switch piece {
            case .literal(let bytes): output.append(bytes)
            case .topic: output.append(message.topic)
            case .payload: output.append(message.payload)
            case .qos: output.append(String(message.qos.rawValue))
            case .retain: output.append(message.retain ? "1" : "0")
            case .packetIdentifier: output.append(String(message.packetIdentifier ?? 0))
            case .length: output.append(String(message.payload.count))
            case .hexLower, .hexUpper:
                let digits = piece == .hexLower ? MQTTOutputFormat.hexDigitsLower : MQTTOutputFormat.hexDigitsUpper
                var hex: [UInt8] = []
                hex.reserveCapacity(message.payload.count * 2)
                for byte in message.payload {
                    hex.append(digits[Int(byte >> 4)])
                    hex.append(digits[Int(byte & 0x0F)])
                }
                output.append(hex)
            case .iso8601: output.append(MQTTOutputFormat.formatTime("%Y-%m-%dT%H:%M:%S%z", local))
            case .unixTime: output.append("\(now.tv_sec).\(MQTTOutputFormat.nineDigits(Int(now.tv_nsec)))")
            case .nanoseconds: output.append(MQTTOutputFormat.nineDigits(Int(now.tv_nsec)))
            case .strftime(let code):
                output.append(MQTTOutputFormat.formatTime("%" + MQTTOutputFormat.character(code), local))
            }
        }
    }

    private static func nineDigits(_ value: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, 9 - text.utf8.count)) + text
    }

    private static func formatTime(_ format: String, _ time: tm) -> String {
        var time = time
        var buffer = [CChar](repeating: 0, count: 128)
        let count = buffer.withUnsafeMutableBufferPointer { pointer in
            strftime(pointer.baseAddress, pointer.count, format, &time)
        }
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
