/// A WIND as a host acts on it: the numbers drivers key on, with their fields parsed by the dialect.
public enum ATIndication: Equatable, Sendable {
    /// `+WIND:0`: the console accepts commands.
    case consoleActive
    /// `+WIND:1`: power-on banner with the firmware's build id.
    case powerOn(String)
    /// `+WIND:2`: the module is resetting.
    case reset
    /// `+WIND:8`: hard fault; the module reboots.
    case hardFault(String)
    /// `+WIND:32`: the radio hardware is started (mbed waits for it after a reset command).
    case hardwareStarted
    /// `+WIND:24`: associated, with the station's IPv4 address.
    case wifiUp(address: String)
    /// `+WIND:55`: `unread` bytes wait in client socket `socket`.
    case pendingData(socket: Int, unread: Int)
    /// `+WIND:58`: the peer closed client socket `socket`.
    case socketClosed(socket: Int)
    /// SPWF01 `+WIND:59`: back in command mode (after the escape sequence, or the data-mode peer went away).
    case commandMode
    /// SPWF01 `+WIND:60`: in data mode; what follows is the peer's raw bytes until `+WIND:59`.
    case dataMode
    /// SPWF01 `+WIND:61`: a client connected to the socket server (its address).
    case serverClientConnected(address: String)
    /// SPWF01 `+WIND:62`: the socket server's client went away (its address).
    case serverClientGone(address: String)
    /// SPWF01 `+WIND:63`: the socket server dropped `bytes` bytes. (The SPWF04's WINDs 61-63 name a server and a
    /// client: they stay `.other`, and `ATDialect.parseServerIndication(number:text:)` reads them.)
    case serverDroppingData(bytes: Int)
    /// SPWF01 `+WIND:64`: the socket server's client sent data: `messages` arrivals, `last` bytes in the last one,
    /// `total` bytes waiting (read them in data mode).
    case serverPendingData(messages: Int, last: Int, total: Int)
    /// A join failure (`+WIND:20` join failed, `+WIND:40` deauthentication, `+WIND:74` rejected network,
    /// `+WIND:33` BSS lost, `+WIND:41` disassociation, `+WIND:75`–`77` link failures).
    case wifiFailure(number: Int, text: String)
    /// `+WIND:86` (SPWF04): a message (or one chunk of a long one) for the module's MQTT client.
    case mqttMessage(ATMQTTMessageChunk)
    /// `+WIND:87` (SPWF04): the broker or the network closed MQTT connection `client`.
    case mqttClosed(client: Int)
    /// Any other WIND, as sent.
    case other(number: Int, text: String)

    /// The WIND numbers that mean the station lost (or never got) its link.
    public static var wifiFailureNumbers: Set<Int> { Set(wifiFailureNumberList) }

    /// ``wifiFailureNumbers`` as a list: what the parser looks in, so a firmware carries no `Set` (its hashing and
    /// floating-point sizing) for eight numbers.
    private static let wifiFailureNumberList = [20, 33, 40, 41, 74, 75, 76, 77]

    /// Reads a WIND's number and text with the fields of `dialect`; malformed fields give ``other(number:text:)``.
    public init(number: Int, text: String, dialect: ATDialect) {
        self.init(number: number, text: text, dialect: dialect, features: ATAllHostFeatures.self)
    }

    /// Reads a WIND as a session with `features` does: the WINDs of a part it leaves out (data mode, the socket
    /// server, the SPWF04's MQTT client) give ``other(number:text:)``. Always inlined: with the features constant,
    /// the parsing of those WINDs does not remain.
    @inline(__always)
    init<Features: ATHostSessionFeatures>(number: Int, text: String, dialect: ATDialect, features: Features.Type) {
        let dialect = Features.dialect(dialect)
        let bytes = Array(text.utf8)[...]
        switch number {
        case 0: self = .consoleActive
        case 1: self = .powerOn(text)
        case 2: self = .reset
        case 8: self = .hardFault(text)
        case 32: self = .hardwareStarted
        case 24:
            if let address = ATBytes.after(literal: dialect.wifiUpPrefixLiteral, in: bytes), !address.isEmpty {
                self = .wifiUp(address: ATBytes.text(address))
            } else {
                self = .other(number: number, text: text)
            }
        case 55:
            self = .other(number: number, text: text)
            // `<socket>:<unread>` (SPWF04: `<socket>:<received>:<unread>`), split as bytes: no array of fields.
            guard let rest = ATBytes.after(literal: dialect.pendingDataPrefixLiteral, in: bytes) else { return }
            let (socketBytes, afterSocket) = ATBytes.split(rest, at: 0x3A)
            guard var unreadBytes = afterSocket else { return }
            if dialect.pendingDataCarriesReceived {
                guard let last = ATBytes.split(unreadBytes, at: 0x3A).1 else { return }
                unreadBytes = last
            }
            // A decimal has no colon: one field more than expected fails here.
            guard let socket = ATBytes.decimal(socketBytes), let unread = ATBytes.decimal(unreadBytes) else { return }
            self = .pendingData(socket: socket, unread: unread)
        case 59 where Features.dataMode && dialect.family == .spwf01: self = .commandMode
        case 60 where Features.dataMode && dialect.family == .spwf01: self = .dataMode
        case 61 where Features.socketServer && dialect.family == .spwf01,
            62 where Features.socketServer && dialect.family == .spwf01:
            self = .other(number: number, text: text)
            let prefix: StaticString = number == 61 ? "Incoming Socket Client:" : "Socket Client Gone:"
            guard let rest = ATBytes.after(literal: prefix, in: bytes), !rest.isEmpty else { return }
            let address = ATBytes.text(ATBytes.fields(rest)[0])
            self = number == 61 ? .serverClientConnected(address: address) : .serverClientGone(address: address)
        case 63 where Features.socketServer && dialect.family == .spwf01:
            self = .other(number: number, text: text)
            guard let rest = ATBytes.after(literal: "Sockd Dropping Data:", in: bytes),
                let count = ATBytes.decimal(ATBytes.fields(rest)[0])
            else { return }
            self = .serverDroppingData(bytes: count)
        case 64 where Features.socketServer && dialect.family == .spwf01:
            self = .other(number: number, text: text)
            guard let rest = ATBytes.after(literal: "Sockd Pending Data:", in: bytes) else { return }
            let fields = ATBytes.fields(rest)
            guard fields.count == 3, let messages = ATBytes.decimal(fields[0]), let last = ATBytes.decimal(fields[1]),
                let total = ATBytes.decimal(fields[2])
            else { return }
            self = .serverPendingData(messages: messages, last: last, total: total)
        case 58:
            self = .other(number: number, text: text)
            guard let rest = ATBytes.after(literal: "Socket Closed:", in: bytes) else { return }
            let suffix = dialect.socketClosedSuffixLiteral.utf8CodeUnitCount
            // The suffix (`:0` on SPWF04) is not checked: only the socket id matters.
            let idBytes = ATBytes.split(rest, at: 0x3A).0
            guard suffix == 0 || rest.count > idBytes.count, let socket = ATBytes.decimal(idBytes) else { return }
            self = .socketClosed(socket: socket)
        case ATMQTTMessageChunk.closedWindNumber where Features.moduleMQTT:
            self =
                ATMQTTMessageChunk.parseClosed(bytes).map { .mqttClosed(client: $0) }
                ?? .other(number: number, text: text)
        default:
            self =
                ATIndication.wifiFailureNumberList.contains(number)
                ? .wifiFailure(number: number, text: text) : .other(number: number, text: text)
        }
    }
}
