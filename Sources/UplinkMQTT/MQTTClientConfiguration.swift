import Logging
import MQTTCodec

/// Everything a client needs besides its transport and session store.
public struct MQTTClientConfiguration: Sendable {
    /// Protocol version: `.v3_1_1` or `.v5`.
    public var version: MQTTProtocolVersion
    /// Client identifier; empty asks the broker to assign one (MQTT 5, or 3.1.1 with a clean session).
    public var clientIdentifier: String
    /// Clean Start (5.0) / Clean Session (3.1.1): start without a stored session.
    public var cleanStart: Bool
    /// MQTT 5 Session Expiry Interval in seconds (0: the session ends with the connection). In 3.1.1 a
    /// persistent session is `cleanStart == false`.
    public var sessionExpiryInterval: UInt32
    /// Keep alive in seconds (0 disables PINGREQ); the broker's Server Keep Alive overrides it.
    public var keepAlive: UInt16
    /// How long to wait for PINGRESP (or any byte) after a PINGREQ before the peer is declared dead; `nil` means
    /// the keep alive interval.
    public var pingTimeout: Duration?
    /// How long to wait for the transport to connect and for CONNACK.
    public var connectTimeout: Duration
    /// How long to wait for SUBACK and UNSUBACK.
    public var operationTimeout: Duration
    /// Default acknowledgement timeout of QoS 1/2 publishes (`publish(_:acknowledgementTimeout:)` overrides it per
    /// message): when PUBACK/PUBREC/PUBCOMP has not come after it, MQTT 3.1.1 resends with DUP on the same
    /// connection, MQTT 5 reconnects and resends. `nil` (the default): no timeout; a broker that keeps the
    /// connection alive but never acknowledges leaves the message in flight until the connection ends.
    public var acknowledgementTimeout: Duration?
    /// How long one write to the broker may take before the broker is declared stuck (it stopped reading) and the
    /// connection is closed with ``MQTTClientError/writeStalled(_:)``. Default 30 s. While output waits, the client
    /// stops reading too once 1 MiB of output is queued, so a broker that sends but does not read cannot grow it.
    public var writeStallTimeout: Duration
    /// User name, if any.
    public var username: String?
    /// Password, if any (never logged).
    public var password: [UInt8]?
    /// Will message published by the broker if the connection ends without DISCONNECT.
    public var will: ConnectPacket.Will?
    /// Receive Maximum announced to the broker (MQTT 5): unacknowledged QoS 1/2 messages it may send us.
    public var receiveMaximum: UInt16
    /// Largest packet accepted from the broker, announced in MQTT 5; larger packets close the connection.
    public var maximumPacketSize: Int
    /// Largest number of our QoS 1/2 messages in flight; the broker's Receive Maximum (MQTT 5) lowers it. `nil`
    /// (the default) means ``defaultMaximumInflight(for:)``: 20 in MQTT 3.1.1, 100 in MQTT 5.
    public var maximumInflight: Int?
    /// Largest number of accepted but unsent messages (see ``MQTTQueueOverflowPolicy``).
    public var maximumQueuedMessages: Int
    /// What a publish does when the queue is full.
    public var queueOverflowPolicy: MQTTQueueOverflowPolicy
    /// Use outbound topic aliases (MQTT 5) up to the broker's Topic Alias Maximum.
    public var useTopicAliases: Bool
    /// Topic Alias Maximum announced to the broker for inbound aliases (MQTT 5).
    public var inboundTopicAliasMaximum: UInt16
    /// User properties sent in CONNECT (MQTT 5).
    public var userProperties: [(name: String, value: String)]
    /// Reconnection behaviour.
    public var reconnect: MQTTReconnectPolicy
    /// The AWS IoT Core limits, checked locally before anything is sent (`nil`: none).
    public var awsIoT: MQTTAWSIoTProfile?
    /// Messages buffered per subscription before the client stops reading the socket.
    public var subscriptionBufferSize: Int
    /// Payload and topic bytes buffered per subscription before the client stops reading the socket (default
    /// 8 MiB); whichever of this and ``subscriptionBufferSize`` is reached first holds the reader back. One message
    /// larger than this is still delivered (alone in the buffer).
    public var subscriptionBufferBytes: Int
    /// Logger; the default discards everything. Passwords and payloads are never logged.
    public var logger: Logger
    /// Where the client's own tasks (connection loop, reader, writer, timer) run; `nil` for the global concurrent
    /// executor. Give it the transport's event loop (`MQTTEventLoopExecutor` in UplinkMQTTNIO) and the client and
    /// its socket share one thread: no hand-off between threads for each batch of packets.
    public var taskExecutor: (any TaskExecutor)?

    /// Creates a configuration with the given client identifier and defaults for everything else.
    public init(
        clientIdentifier: String,
        version: MQTTProtocolVersion = .v5,
        cleanStart: Bool = true,
        sessionExpiryInterval: UInt32 = 0,
        keepAlive: UInt16 = 60
    ) {
        self.version = version
        self.clientIdentifier = clientIdentifier
        self.cleanStart = cleanStart
        self.sessionExpiryInterval = sessionExpiryInterval
        self.keepAlive = keepAlive
        self.pingTimeout = nil
        self.connectTimeout = .seconds(10)
        self.operationTimeout = .seconds(30)
        self.acknowledgementTimeout = nil
        self.writeStallTimeout = .seconds(30)
        self.username = nil
        self.password = nil
        self.will = nil
        self.receiveMaximum = 100
        self.maximumPacketSize = 1 << 20
        self.maximumInflight = nil
        self.maximumQueuedMessages = 10_000
        self.queueOverflowPolicy = .reject
        self.useTopicAliases = true
        self.inboundTopicAliasMaximum = 16
        self.userProperties = []
        self.reconnect = MQTTReconnectPolicy()
        self.awsIoT = nil
        self.subscriptionBufferSize = 1024
        self.subscriptionBufferBytes = 8 << 20
        self.logger = Logger(label: "uplink.mqtt", factory: { _ in SwiftLogNoOpLogHandler() })
        self.taskExecutor = nil
    }

    /// The in-flight limit when ``maximumInflight`` is `nil`.
    ///
    /// MQTT 3.1.1 has no Receive Maximum, so the client cannot learn how many QoS 1/2 messages the broker takes at
    /// once, and a broker may discard the excess while acknowledging it: mosquitto's default
    /// `max_inflight_messages` is 20, and beyond it mosquitto 2.0 drops a QoS 2 message yet answers PUBREC. 20 is
    /// what libmosquitto and paho-mqtt keep in flight by default. In MQTT 5 the broker announces its Receive Maximum
    /// in CONNACK and the window is the smaller of it and 100.
    public static func defaultMaximumInflight(for version: MQTTProtocolVersion) -> Int {
        version == .v5 ? 100 : 20
    }

    /// The in-flight limit in effect before the broker's Receive Maximum applies: ``maximumInflight``, or the
    /// version's default.
    public var effectiveMaximumInflight: Int {
        maximumInflight ?? MQTTClientConfiguration.defaultMaximumInflight(for: version)
    }

    /// Checks the configuration (and the AWS IoT profile limits, if set).
    public func validate() throws(MQTTClientError) {
        if clientIdentifier.utf8.count > 65_535 { throw .invalidArgument("client identifier longer than 65,535 bytes") }
        if version == .v3_1_1 && clientIdentifier.isEmpty && !cleanStart {
            throw .invalidArgument("MQTT 3.1.1 needs a client identifier for a persistent session")
        }
        if let will, !MQTTTopic.isValidTopicName(will.topic) {
            throw .invalidArgument("invalid will topic: \(will.topic)")
        }
        if effectiveMaximumInflight < 1 { throw .invalidArgument("maximumInflight must be at least 1") }
        if receiveMaximum < 1 { throw .invalidArgument("receiveMaximum must be at least 1") }
        if maximumQueuedMessages < 1 { throw .invalidArgument("maximumQueuedMessages must be at least 1") }
        if subscriptionBufferSize < 1 { throw .invalidArgument("subscriptionBufferSize must be at least 1") }
        if subscriptionBufferBytes < 1 { throw .invalidArgument("subscriptionBufferBytes must be at least 1") }
        if let acknowledgementTimeout, acknowledgementTimeout <= .zero {
            throw .invalidArgument("acknowledgementTimeout must be positive")
        }
        if writeStallTimeout <= .zero { throw .invalidArgument("writeStallTimeout must be positive") }
        if maximumPacketSize < 16 { throw .invalidArgument("maximumPacketSize must be at least 16") }
        if let awsIoT { try awsIoT.validate(self) }
    }
}
