/// What a host asks of the SPWF04's own MQTT client (`AT+S.MQTTCONN`...), with the field order ST's X-CUBE-WIFI1
/// middleware sends. Omitted fields are left empty, as that middleware leaves them.
public struct ATMQTTConnectParameters: Equatable, Sendable {
    /// The broker's host name or IPv4 address (the module resolves it).
    public var host: String
    /// The broker's port.
    public var port: Int
    /// TLS with the module's credential slots (`ca`, and `cert`/`key` for mutual TLS).
    public var tls: Bool
    /// User name, if any.
    public var username: String?
    /// Password, if any.
    public var password: String?
    /// Client identifier; `nil` lets the module choose (`SPWF04S-<MAC>`).
    public var clientID: String?
    /// Keep alive in seconds; `nil`: the module's 60.
    public var keepAlive: Int?
    /// Extra connect attempts before MQTTCONN fails; `nil`: none.
    public var retry: Int?
    /// The will message: QoS (0–2), topic and message.
    public var will: (qos: Int, topic: String, message: String)?

    /// Creates parameters for `host`:`port`.
    public init(host: String, port: Int, tls: Bool = false) {
        self.host = host
        self.port = port
        self.tls = tls
    }

    public static func == (lhs: ATMQTTConnectParameters, rhs: ATMQTTConnectParameters) -> Bool {
        lhs.host == rhs.host && lhs.port == rhs.port && lhs.tls == rhs.tls && lhs.username == rhs.username
            && lhs.password == rhs.password && lhs.clientID == rhs.clientID && lhs.keepAlive == rhs.keepAlive
            && lhs.retry == rhs.retry && lhs.will?.qos == rhs.will?.qos && lhs.will?.topic == rhs.will?.topic
            && lhs.will?.message == rhs.will?.message
    }
}

extension ATDialect {
    /// `AT+S.MQTTCONN=<host>,<port>,,<TLS>,<user>,<pwd>,<client id>,<keep alive>,<retry>,<will QoS>,<will topic>,
    /// <will message>` (twelve fields; the path, for MQTT over WebSocket, always empty).
    public func mqttConnectCommand(_ parameters: ATMQTTConnectParameters) throws(ATCommandError) -> ATHostCommand {
        guard (1...65_535).contains(parameters.port) else { throw .outOfRange("port", parameters.port) }
        func number(_ value: Int?, _ name: String, _ range: ClosedRange<Int>) throws(ATCommandError) -> String {
            guard let value else { return "" }
            guard range.contains(value) else { throw .outOfRange(name, value) }
            return "\(value)"
        }
        let will = parameters.will
        return try ATHostCommand(
            "AT+S.MQTTCONN",
            [
                parameters.host, "\(parameters.port)", "", parameters.tls ? "1" : "0", parameters.username ?? "",
                parameters.password ?? "", parameters.clientID ?? "",
                try number(parameters.keepAlive, "keep alive", 0...65_535),
                try number(parameters.retry, "retry", 0...10), try number(will?.qos, "will QoS", 0...2),
                will?.topic ?? "", will?.message ?? "",
            ])
    }

    /// `AT+S.MQTTSUB=<id>,<filter>,<QoS>`.
    public func mqttSubscribeCommand(client: Int, filter: String, qos: Int) throws(ATCommandError) -> ATHostCommand {
        guard (0...2).contains(qos) else { throw .outOfRange("QoS", qos) }
        return try ATHostCommand("AT+S.MQTTSUB", ["\(client)", filter, "\(qos)"])
    }

    /// `AT+S.MQTTUNSUB=<id>,<filter>`.
    public func mqttUnsubscribeCommand(client: Int, filter: String) throws(ATCommandError) -> ATHostCommand {
        try ATHostCommand("AT+S.MQTTUNSUB", ["\(client)", filter])
    }

    /// `AT+S.MQTTPUB=<id>,<topic>,<QoS>,<retained>,<length>` and the message's bytes (at most
    /// ``ATMQTTMessageChunk/maximumChunk``).
    public func mqttPublishCommand(client: Int, topic: String, payload: [UInt8], qos: Int, retain: Bool)
        throws(ATCommandError) -> ATHostCommand
    {
        guard (0...2).contains(qos) else { throw .outOfRange("QoS", qos) }
        guard payload.count <= ATMQTTMessageChunk.maximumChunk else {
            throw .outOfRange("message length", payload.count)
        }
        return try ATHostCommand(
            "AT+S.MQTTPUB", ["\(client)", topic, "\(qos)", retain ? "1" : "0", "\(payload.count)"], block: payload)
    }

    /// `AT+S.MQTTDISC=<id>`.
    public func mqttDisconnectCommand(client: Int) -> ATHostCommand {
        ATHostCommand(line: "AT+S.MQTTDISC=\(client)")
    }
}
