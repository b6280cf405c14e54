import ATCodec
import ArgumentParser
import Logging
import MQTTCodec
import UplinkMQTT
import UplinkMQTTNIO
import UplinkOptions

/// The connection flags shared by `uplink mqtt pub` and `uplink mqtt sub` (mosquitto's names where they exist).
struct MQTTConnectionOptions: ParsableArguments {
    @Option(name: .customShort("h"), help: "Broker host.")
    var host = "localhost"

    @Option(name: .customShort("p"), help: "Broker port (default 1883, 8883 with TLS).")
    var port: Int?

    @Option(name: .customShort("i"), help: "Client id (default: random; kept in the --session folder).")
    var id: String?

    @Option(name: .customShort("k"), help: "Keep alive in seconds.")
    var keepalive: UInt16 = 60

    @Option(name: .customShort("V"), help: "Protocol version: 5 (mqttv5) or 311 (mqttv311).")
    var protocolVersion = "5"

    @Option(name: .customShort("u"), help: "User name.")
    var username: String?

    @Option(name: .customShort("P"), help: "Password (never logged).")
    var password: String?

    @Flag(name: .customShort("c"), help: "Persistent session: no clean start (implied by --session).")
    var persistent = false

    @Option(
        name: .customShort("x"), help: "MQTT 5 session expiry interval in seconds (default 3600 with -c or --session).")
    var sessionExpiry: UInt32?

    @Option(name: .long, help: "Keep unfinished QoS 1/2 messages in DIR (write-ahead, fsync'd); survives a crash.")
    var session: String?

    @Option(name: .long, help: "CA certificates (PEM) to verify the broker; turns TLS on.")
    var cafile: String?

    @Option(name: .long, help: "Client certificate chain (PEM) for mutual TLS.")
    var cert: String?

    @Option(name: .long, help: "Client private key (PEM).")
    var key: String?

    @Option(name: .long, help: "ALPN protocol to offer (repeatable); AWS IoT on 443: x-amzn-mqtt-ca.")
    var alpn: [String] = []

    @Flag(name: .long, help: "TLS with the system trust store (implied by --cafile/--cert).")
    var tls = false

    @Flag(name: .long, help: "Do not verify the broker's certificate (tests only; verification is on by default).")
    var insecure = false

    @Flag(
        name: .long,
        help:
            "Check AWS IoT Core limits locally (QoS ≤ 1, topics, payload, keep alive 30-1200 s, port 8883 or 443+ALPN)."
    )
    var aws = false

    @Option(name: .long, help: "Will topic.")
    var willTopic: String?

    @Option(name: .long, help: "Will payload.")
    var willPayload: String?

    @Option(name: .long, help: "Will QoS.")
    var willQos: UInt8 = 0

    @Flag(name: .long, help: "Retain the will.")
    var willRetain = false

    @Option(
        name: [.customShort("M"), .customLong("max-inflight")],
        help: ArgumentHelp(
            "QoS 1/2 messages unacknowledged at once, 1-65535 (default 20 in MQTT 3.1.1, 100 in MQTT 5).",
            discussion:
                "Ours in flight (lowered to the broker's Receive Maximum in MQTT 5), and the Receive Maximum we announce."
        ))
    var maxInflight: Int?

    @Flag(name: .customShort("d"), help: "Debug output on standard error.")
    var debug = false

    @Option(
        name: .long,
        help: "Connect through an SPWF01/SPWF04-compatible Wi-Fi module on this serial device (the module resolves -h)."
    )
    var via: String?

    @Option(name: .long, help: "With --via: the module's profile, for its slot sizes (spwf01, spwf01-3.5, spwf04).")
    var profile = "spwf01"

    @Option(name: .long, help: "With --via: the serial line's baud rate.")
    var baud = 115_200

    @Flag(name: .long, help: "With --via: RTS/CTS flow control on the serial line.")
    var rtscts = false

    @Option(name: .long, help: "With --via: join this Wi-Fi network first (saved in the module).")
    var wifi: String?

    @Option(name: .long, help: "With --via and --wifi: the WPA2 passphrase (none: an open network).")
    var wifiPassphrase: String?

    var version: MQTTProtocolVersion {
        ["311", "mqttv311", "3.1.1", "4"].contains(protocolVersion) ? .v3_1_1 : .v5
    }

    func validate() throws {
        guard ["5", "mqttv5", "311", "mqttv311", "3.1.1", "4"].contains(protocolVersion) else {
            throw ValidationError("-V takes 5 (mqttv5) or 311 (mqttv311).")
        }
        try OptionCheck.number(willQos, in: 0...2, option: "--will-qos")
        if let port { try OptionCheck.number(port, in: 1...65_535, option: "-p") }
        if willPayload != nil && willTopic == nil { throw ValidationError("--will-payload needs --will-topic.") }
        if (cert == nil) != (key == nil) { throw ValidationError("--cert and --key go together.") }
        if let maxInflight { try OptionCheck.number(maxInflight, in: 1...65_535, option: "--max-inflight") }
        if via != nil {
            guard MQTTViaModule.slotCapacity[profile] != nil else {
                throw ValidationError("--profile takes spwf01, spwf01-3.5 or spwf04.")
            }
            try OptionCheck.number(baud, in: 1...4_000_000, option: "--baud")
            if insecure { throw ValidationError("--insecure cannot be used with --via: the module always verifies.") }
            if !alpn.isEmpty { throw ValidationError("--alpn cannot be used with --via (set tls_alpn on the module).") }
            if aws && port == 443 { throw ValidationError("--via connects on 8883 (ALPN on 443 is the module's).") }
        } else if wifi != nil || wifiPassphrase != nil {
            throw ValidationError("--wifi and --wifi-passphrase go with --via.")
        }
    }

    /// Builds the client.
    func makeClient(role: String, adjust: (inout MQTTClientConfiguration) -> Void = { _ in }) throws -> MQTTClient {
        var store: MQTTFileSessionStore?
        if let session { store = try MQTTFileSessionStore(directory: session) }
        let clientID = try id ?? storedClientID(role: role)
        var configuration = MQTTClientConfiguration(clientIdentifier: clientID, version: version)
        configuration.keepAlive = keepalive
        configuration.cleanStart = !(persistent || session != nil)
        if !configuration.cleanStart { configuration.sessionExpiryInterval = sessionExpiry ?? 3600 }
        if let sessionExpiry { configuration.sessionExpiryInterval = sessionExpiry }
        configuration.username = username
        configuration.password = password.map { Array($0.utf8) }
        if let willTopic {
            configuration.will = ConnectPacket.Will(
                topic: willTopic, payload: Array((willPayload ?? "").utf8),
                qos: MQTTQoS(rawValue: willQos) ?? .atMostOnce, retain: willRetain)
        }
        if aws { configuration.awsIoT = MQTTAWSIoTProfile() }
        if let maxInflight {
            configuration.maximumInflight = maxInflight
            configuration.receiveMaximum = UInt16(clamping: maxInflight)
        }
        if debug {
            var logger = Logger(label: "uplink.mqtt") { StreamLogHandler.standardError(label: $0) }
            logger.logLevel = .debug
            configuration.logger = logger
        }
        configuration.taskExecutor = MQTTCLILoop.executor
        adjust(&configuration)
        let useTLS = tls || cafile != nil || cert != nil || aws || !alpn.isEmpty
        let port = self.port ?? (useTLS ? 8883 : 1883)
        let tlsConfiguration =
            useTLS
            ? MQTTTLSConfiguration(
                caFile: cafile, certificateFile: cert, keyFile: key, alpn: alpn, verifyPeer: !insecure)
            : nil
        if let via {
            let settings = try viaSettings(device: via)
            if let problem = settings.fitProblem() {
                throw MQTTCLIError(problem)
            }
            return try MQTTClient(
                configuration: configuration, transport: settings.transport(host: host, port: port, tls: useTLS),
                store: store)
        }
        let transport: MQTTNIOTransport
        if aws, let tlsConfiguration {
            transport = try MQTTNIOTransport.awsIoT(
                endpoint: host, port: port, tls: tlsConfiguration, eventLoopGroup: MQTTCLILoop.group)
        } else {
            transport = try MQTTNIOTransport(
                host: host, port: port, tls: tlsConfiguration, eventLoopGroup: MQTTCLILoop.group)
        }
        return try MQTTClient(configuration: configuration, transport: transport, store: store)
    }

    /// The module settings of `--via`, with the credential files read.
    private func viaSettings(device: String) throws -> MQTTViaModule {
        var credentials: [(slot: ATCredentialSlot, file: String, bytes: [UInt8])] = []
        for (slot, file) in [(ATCredentialSlot.ca, cafile), (.cert, cert), (.key, key)] {
            guard let file else { continue }
            guard let bytes = MQTTCLIFile.readBytes(file) else { throw MQTTCLIError("cannot read \(file)") }
            credentials.append((slot, file, bytes))
        }
        return MQTTViaModule(
            device: device, baud: baud, hardwareFlowControl: rtscts, profile: profile, ssid: wifi,
            passphrase: wifiPassphrase, credentials: credentials)
    }

    /// With --session, the client id is kept in the folder so a restarted process resumes the same session.
    private func storedClientID(role: String) throws -> String {
        let random = "uplink-\(role)-\(UInt32.random(in: 0...UInt32.max))"
        guard let session else { return random }
        let path = session + "/client-id"
        if let existing = MQTTCLIFile.readText(path), !existing.isEmpty { return existing }
        try MQTTCLIFile.writeText(path, random)
        return random
    }
}
