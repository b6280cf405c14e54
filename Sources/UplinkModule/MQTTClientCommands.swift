import ATCodec
import MQTTCodec
import NIOCore
import UplinkMQTT

/// The SPWF04's own MQTT client: `AT+S.MQTTCONN`, `MQTTSUB`, `MQTTPUB`, `MQTTUNSUB`, `MQTTDISC`, with `+WIND:86`
/// for received messages and `+WIND:87` for a closed connection. The field order and the bytes are those ST's
/// X-CUBE-WIFI1 middleware sends and parses; Uplink's choices are in docs/at-commands.md ("MQTT client (SPWF04)").
extension ModuleEngine {
    /// The module's one MQTT connection id (ST's middleware always uses 0).
    static let mqttClientID = 0
    /// The longest topic (or filter) the commands take, in bytes.
    static let mqttTopicLimit = 256
    /// The longest message MQTTPUB takes, in bytes.
    static let mqttMessageLimit = ATMQTTMessageChunk.maximumChunk

    static let mqttClientCommands: [ATCommandSpec] = [
        ATCommandSpec(
            "AT+S.MQTTCONN", [.spwf04],
            "Connect to an MQTT broker: <host>,<port>,<path>,<TLS>,<user>,<pwd>,<client id>,<keep alive>,<retry>,"
                + "<will QoS>,<will topic>,<will message>"
        ) { engine, line throws(ATError) in
            try engine.mqttConnect(line)
        },
        ATCommandSpec("AT+S.MQTTSUB", [.spwf04], "Subscribe: <id>,<topic filter>,<QoS>") {
            engine, line throws(ATError) in
            let parts = engine.fields(line, limit: 3)
            guard parts.count >= 2 else { throw .invalidArguments }
            let session = try engine.mqttSession(parts[0])
            let filter = try engine.mqttTopic(parts[1], filter: true)
            let qos = try engine.mqttQoS(parts.count == 3 ? parts[2] : "")
            guard session.streams[filter] == nil else { throw .invalidArguments }
            return engine.mqttEffect { () async throws -> @Sendable () -> Void in
                let stream = try await session.client.subscribe(to: [MQTTSubscription(topicFilter: filter, qos: qos)])
                return { session.startReading(stream, filter: filter) }
            }
        },
        ATCommandSpec("AT+S.MQTTUNSUB", [.spwf04], "Unsubscribe: <id>,<topic filter>") { engine, line throws(ATError) in
            let parts = try engine.requireFields(line, count: 2)
            let session = try engine.mqttSession(parts[0])
            let filter = try engine.mqttTopic(parts[1], filter: true)
            guard let stream = session.streams[filter] else { throw .invalidArguments }
            return engine.mqttEffect { () async throws -> @Sendable () -> Void in
                try await session.client.unsubscribe(stream)
                return { session.stopReading(filter: filter) }
            }
        },
        ATCommandSpec(
            "AT+S.MQTTPUB", [.spwf04],
            "Publish: <id>,<topic>,<QoS>,<retained>,<length>, then exactly <length> bytes (at most 4096)"
        ) { engine, line throws(ATError) in
            let parts = try engine.requireFields(line, count: 5)
            let length = try engine.integer(parts[4], in: 0...999_999_999)
            // With a valid length the block is always read, so that its bytes are never taken for commands; the
            // other fields' errors come after it.
            let checked: Result<(String, MQTTQoS, Bool), ATError>
            do throws(ATError) {
                guard length <= mqttMessageLimit else { throw .mqttMessageTooLong }
                let topic = try engine.mqttTopic(parts[1], filter: false)
                let qos = try engine.mqttQoS(parts[2])
                let retained = engine.isEmptyField(parts[3]) ? false : try engine.integer(parts[3], in: 0...1) == 1
                checked = .success((topic, qos, retained))
            } catch {
                checked = .failure(error)
            }
            let idText = parts[0]
            let publish: ([UInt8]) throws(ATError) -> CommandOutcome = { bytes throws(ATError) in
                let (topic, qos, retained) = try checked.get()
                let session = try engine.mqttSession(idText)
                let message = MQTTMessage(topic: topic, payload: bytes, qos: qos, retain: retained)
                return engine.mqttEffect { () async throws -> @Sendable () -> Void in
                    try await session.client.publish(message)
                    return {}
                }
            }
            if length > mqttMessageLimit { throw .mqttMessageTooLong }
            if length == 0 { return try publish([]) }
            return .awaitBlock(length: length, then: publish)
        },
        ATCommandSpec("AT+S.MQTTDISC", [.spwf04], "Disconnect from the broker: <id>") { engine, line throws(ATError) in
            let session = try engine.mqttSession(try engine.requireFields(line, count: 1)[0])
            engine.mqttSession = nil
            session.close()
            engine.emitOK()
            return .done
        },
    ]

    /// Ends the MQTT connection (reset, shutdown), with no WIND.
    func closeMQTTSession() {
        guard let session = mqttSession else { return }
        mqttSession = nil
        session.close()
    }

    /// Queues a received message for the host as `+WIND:86`, in chunks of at most 4096 bytes; `onSent` runs after the
    /// last one is written.
    func indicateMQTTMessage(_ session: ModuleMQTTSession, _ message: MQTTMessage, onSent: @escaping () -> Void) {
        let payload = message.payload
        var offset = 0
        repeat {
            let end = min(payload.count, offset + ATMQTTMessageChunk.maximumChunk)
            let chunk = ATMQTTMessageChunk(
                client: session.id, topic: Array(message.topic.utf8), qos: Int(message.qos.rawValue),
                retained: message.retain, duplicate: false, total: payload.count, data: Array(payload[offset..<end]))
            let bytes =
                Array(dialect.windLead.utf8) + Array("+WIND:\(ATMQTTMessageChunk.windNumber):".utf8) + chunk.headerText
                + chunk.data + [0x0D, 0x0A]
            offset = end
            indicateRaw(ATMQTTMessageChunk.windNumber, bytes, onSent: offset >= payload.count ? onSent : nil)
        } while offset < payload.count
    }

    // MARK: - MQTTCONN

    private func mqttConnect(_ line: ATCommandLine) throws(ATError) -> CommandOutcome {
        let parts = fields(line, limit: 12)
        guard parts.count >= 2 else { throw .invalidArguments }
        func field(_ index: Int) -> Substring? {
            guard index < parts.count, !isEmptyField(parts[index]) else { return nil }
            return parts[index]
        }
        guard let hostField = field(0) else { throw .invalidArguments }
        let host = String(hostField)
        guard host.utf8.count <= 253, !host.contains(" ") else { throw .invalidArguments }
        let port = try integer(parts[1], in: 1...65_535)
        guard field(2) == nil else { throw .mqttWebSocketUnsupported }
        let useTLS = try field(3).map { text throws(ATError) in try integer(text, in: 0...1) == 1 } ?? false
        let user = field(4).map(String.init)
        let password = field(5).map { Array($0.utf8) }
        let clientID = field(6).map(String.init) ?? "SPWF04S-\(options.macAddress.filter { $0 != ":" })"
        guard clientID.utf8.count <= 64 else { throw .invalidArguments }
        let keepAlive = try field(7).map { text throws(ATError) in try integer(text, in: 0...65_535) } ?? 60
        let retry = try field(8).map { text throws(ATError) in try integer(text, in: 0...10) } ?? 0
        let willQoS = try mqttQoS(field(9) ?? "")
        var will: ConnectPacket.Will? = nil
        if let willTopic = field(10) {
            will = ConnectPacket.Will(
                topic: try mqttTopic(willTopic, filter: false), payload: Array((field(11) ?? "").utf8), qos: willQoS)
        } else if field(11) != nil {
            throw .invalidArguments
        }
        guard radio.isUp else { throw .wifiNotConnected }
        guard mqttSession == nil else { throw .mqttAlreadyConnected }
        let tls = useTLS ? try tlsSetup(host: host, commonName: nil) : nil

        var configuration = MQTTClientConfiguration(
            clientIdentifier: clientID, version: .v3_1_1, cleanStart: true, keepAlive: UInt16(keepAlive))
        configuration.username = user
        configuration.password = password
        configuration.will = will
        configuration.reconnect = MQTTReconnectPolicy.disabled
        configuration.reconnect.initialConnectAttempts = retry + 1
        configuration.connectTimeout = Duration.seconds(
            Int64(max(1, options.connectTimeout.nanoseconds / 1_000_000_000)))
        // A message larger than what the module holds for its host closes the connection (WIND 87), never silently.
        configuration.maximumPacketSize = Self.heldByteLimitForPackets
        configuration.subscriptionBufferSize = ModuleMQTTSession.heldLimit
        configuration.subscriptionBufferBytes = ModuleMQTTSession.heldByteLimit

        let clientConfiguration = configuration
        let effect = PendingEffect(timeoutError: .timedOut, timeout: options.effectTimeout)
        let loop = eventLoop
        let connectTimeout = options.connectTimeout
        let connected = resolver.resolveIPv4(host, on: eventLoop)
            .flatMapErrorThrowing { error in
                throw DetailedFailure(error: .failedToResolve, detail: "\(host): \(error)")
            }
            .flatMap { addresses -> EventLoopFuture<Void> in
                guard !effect.isAbandoned else { return loop.makeFailedFuture(EffectAbandoned()) }
                let transport = ModuleMQTTBrokerTransport(
                    addresses: addresses, port: port, tls: tls, eventLoop: loop, connectTimeout: connectTimeout)
                let client: MQTTClient
                do {
                    client = try MQTTClient(configuration: clientConfiguration, transport: transport)
                } catch {
                    return loop.makeFailedFuture(DetailedFailure(error: .invalidArguments, detail: "\(error)"))
                }
                // Off the loop, but on it underneath: ModuleEngine.stop() waits for these before the loop may end.
                effect.onAbandon = { self.finishInBackground { await client.disconnect() } }
                let promise = loop.makePromise(of: Void.self)
                self.finishInBackground {
                    do {
                        try await client.connect()
                        promise.succeed()
                    } catch MQTTClientError.connectionRefused(let code, _) {
                        await client.disconnect()
                        promise.fail(DetailedFailure(error: .mqttConnectionRefused, detail: "CONNACK \(code)"))
                    } catch {
                        await client.disconnect()
                        promise.fail(Self.mqttConnectFailure(error, transport: transport))
                    }
                }
                let address = addresses.first?.description ?? host
                return promise.futureResult.flatMapThrowing {
                    guard !effect.isAbandoned else {
                        self.finishInBackground { await client.disconnect() }
                        throw EffectAbandoned()
                    }
                    let session = ModuleMQTTSession(
                        id: Self.mqttClientID, client: client, address: address, engine: self)
                    self.mqttSession = session
                    session.startMonitor()
                    self.emit(self.dialect.socketOpened(id: session.id, address: address))
                    self.emitOK()
                }
            }
        return .pending(connected, effect)
    }

    /// The largest packet the module's client takes from the broker: a message of ``ModuleMQTTSession/heldByteLimit``
    /// bytes with its topic and header.
    static let heldByteLimitForPackets = ModuleMQTTSession.heldByteLimit + 1024

    /// What MQTTCONN reports when the client's connect failed other than by a CONNACK refusal: the transport's own
    /// failure (resolve, TCP, TLS: the precise entry); a close after the broker was reached and before any CONNACK —
    /// AWS IoT's answer to a certificate pending activation (JITR) or a denied CONNECT — as
    /// ``ATError/mqttClosedBeforeConnAck``; anything else (no CONNACK in time, a broker breaking the protocol) as
    /// `Failed to connect`.
    static func mqttConnectFailure(_ error: any Error, transport: ModuleMQTTBrokerTransport) -> DetailedFailure {
        if let failure = transport.lastFailure { return failure }
        if transport.reachedBroker, let clientError = error as? MQTTClientError {
            switch clientError {
            case .connectionClosed, .transportFailed, .transportError:
                return DetailedFailure(
                    error: .mqttClosedBeforeConnAck,
                    detail: "the broker closed the connection after the handshake, before CONNACK (AWS IoT does this "
                        + "to a certificate pending activation, or a CONNECT its policy denies): \(clientError)")
            default:
                break
            }
        }
        return DetailedFailure(error: .connectionFailed, detail: "\(error)")
    }

    // MARK: - Helpers

    /// Runs an MQTT client call as the command's effect: `OK` after it returns (and its continuation ran on the
    /// loop), the dialect's error when it throws, `Timed out` at the deadline.
    func mqttEffect(_ call: @escaping @Sendable () async throws -> @Sendable () -> Void) -> CommandOutcome {
        let effect = PendingEffect(timeoutError: .timedOut, timeout: options.effectTimeout)
        let promise = eventLoop.makePromise(of: Void.self)
        let task = Task {
            do {
                let then = try await call()
                promise.futureResult.eventLoop.execute {
                    guard !effect.isAbandoned else {
                        promise.fail(EffectAbandoned())
                        return
                    }
                    then()
                    self.emitOK()
                    promise.succeed()
                }
            } catch MQTTClientError.subscribeRejected(let codes) {
                promise.fail(DetailedFailure(error: .mqttSubscribeRefused, detail: "SUBACK \(codes)"))
            } catch let error as MQTTClientError {
                switch error {
                case .notConnected, .clientStopped, .connectionClosed:
                    promise.fail(DetailedFailure(error: .mqttNotConnected, detail: "\(error)"))
                default:
                    promise.fail(DetailedFailure(error: .invalidArguments, detail: "\(error)"))
                }
            } catch {
                promise.fail(DetailedFailure(error: .mqttNotConnected, detail: "\(error)"))
            }
        }
        effect.onAbandon = {
            task.cancel()
            self.finishInBackground { await task.value }
        }
        return .pending(promise.futureResult, effect)
    }

    /// The open session `text` names, or `MQTT not connected`.
    func mqttSession(_ text: Substring) throws(ATError) -> ModuleMQTTSession {
        guard let id = Int(text), text.utf8.count <= 3, let session = mqttSession, session.id == id,
            !session.isClosed
        else { throw .mqttNotConnected }
        return session
    }

    /// A topic (`filter`: a topic filter, wildcards allowed) of 1 to 256 bytes, valid for MQTT.
    func mqttTopic(_ text: Substring, filter: Bool) throws(ATError) -> String {
        let topic = String(text)
        guard !topic.isEmpty, topic.utf8.count <= Self.mqttTopicLimit,
            filter ? MQTTTopic.isValidTopicFilter(topic) : MQTTTopic.isValidTopicName(topic)
        else { throw .invalidArguments }
        return topic
    }

    /// A QoS field: empty or `NULL` is 0; else 0, 1 or 2.
    func mqttQoS(_ text: Substring) throws(ATError) -> MQTTQoS {
        if isEmptyField(text) { return .atMostOnce }
        switch try integer(text, in: 0...2) {
        case 0: return .atMostOnce
        case 1: return .atLeastOnce
        default: return .exactlyOnce
        }
    }

    /// An omitted field: empty, or `NULL` as ST's SPI path writes it.
    func isEmptyField(_ text: Substring) -> Bool {
        text.isEmpty || text == "NULL"
    }
}
