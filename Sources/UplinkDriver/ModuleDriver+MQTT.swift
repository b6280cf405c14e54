import ATCodec

/// A message the SPWF04's own MQTT client received (`+WIND:86`, its chunks put together).
public struct ModuleMQTTMessage: Equatable, Sendable {
    /// The MQTT connection's id.
    public var client: Int
    /// The topic.
    public var topic: String
    /// The message's bytes.
    public var payload: [UInt8]
    /// The QoS it was delivered with.
    public var qos: Int
    /// Whether it was a retained message.
    public var retained: Bool
}

/// What the module's MQTT client reports: a message, or the connection's end (`+WIND:87`).
public enum ModuleMQTTEvent: Equatable, Sendable {
    /// A received message.
    case message(ModuleMQTTMessage)
    /// The broker or the network closed connection `client` (not sent after ``ModuleDriver/mqttDisconnect(client:)``).
    case closed(client: Int)
}

extension ModuleDriver {
    /// Connects the module's own MQTT client (SPWF04 `AT+S.MQTTCONN`) and returns the connection's id. TLS uses the
    /// module's credential slots, the host name its resolver. Waits up to
    /// ``ModuleDriverConfiguration/socketOpenTimeout``. A broker that closes the connection before CONNACK — AWS IoT
    /// with a certificate pending activation (JITR), or a denied CONNECT — throws a module error
    /// ``ATCodec/ATError/mqttClosedBeforeConnAck``: retry, no faster than once a second per client id.
    public func mqttConnect(_ parameters: ATMQTTConnectParameters) async throws -> Int {
        let dialect = await self.dialect
        let connect = try command { () throws(ATCommandError) in try dialect.mqttConnectCommand(parameters) }
        let timeout = configuration.socketOpenTimeout
        return try await eventLoop.flatSubmit {
            self.exchange(connect, timeout: timeout).flatMapThrowing { response in
                for case .socketOpened(let id, _) in response.lines { return id }
                throw ModuleDriverError.protocolViolation("MQTTCONN answered OK without a connection id")
            }
        }.get()
    }

    /// Subscribes (`AT+S.MQTTSUB`); returns at the broker's SUBACK. Messages come in ``mqttEvents(bufferSize:)``.
    public func mqttSubscribe(client: Int, filter: String, qos: Int) async throws {
        let dialect = await self.dialect
        try await send(
            try command { () throws(ATCommandError) in
                try dialect.mqttSubscribeCommand(client: client, filter: filter, qos: qos)
            }, timeout: configuration.socketOpenTimeout)
    }

    /// Unsubscribes (`AT+S.MQTTUNSUB`); returns at the broker's UNSUBACK.
    public func mqttUnsubscribe(client: Int, filter: String) async throws {
        let dialect = await self.dialect
        try await send(
            try command { () throws(ATCommandError) in
                try dialect.mqttUnsubscribeCommand(client: client, filter: filter)
            }, timeout: configuration.socketOpenTimeout)
    }

    /// Publishes (`AT+S.MQTTPUB`, at most 4096 bytes); returns when the module's client is done with it (QoS 1:
    /// PUBACK, QoS 2: PUBCOMP).
    public func mqttPublish(client: Int, topic: String, payload: [UInt8], qos: Int = 0, retain: Bool = false)
        async throws
    {
        let dialect = await self.dialect
        try await send(
            try command { () throws(ATCommandError) in
                try dialect.mqttPublishCommand(client: client, topic: topic, payload: payload, qos: qos, retain: retain)
            }, timeout: configuration.socketOpenTimeout)
    }

    /// Disconnects (`AT+S.MQTTDISC`).
    public func mqttDisconnect(client: Int) async throws {
        let dialect = await self.dialect
        try await send(dialect.mqttDisconnectCommand(client: client))
    }

    /// The module's MQTT messages and connection ends, in order, from now on (call it before subscribing). At most
    /// `bufferSize` events wait for the reader; a reader that falls further behind gets an error at that point rather
    /// than a stream with a hole in it.
    public func mqttEvents(bufferSize: Int = 1024) -> AsyncThrowingStream<ModuleMQTTEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<ModuleMQTTEvent, any Error>.makeStream(
            bufferingPolicy: .bufferingOldest(max(1, bufferSize)))
        let indications = self.indications()
        let task = Task {
            var assembler = MQTTChunkAssembler()
            for await indication in indications {
                let event: ModuleMQTTEvent?
                switch indication {
                case .mqttMessage(let chunk): event = assembler.add(chunk).map { .message($0) }
                case .mqttClosed(let client): event = .closed(client: client)
                default: event = nil
                }
                guard let event else { continue }
                if case .dropped = continuation.yield(event) {
                    continuation.finish(
                        throwing: ModuleDriverError.protocolViolation(
                            "MQTT events not read: more than \(bufferSize) waiting"))
                    return
                }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}

/// Puts the chunks of long messages (`+WIND:86` with a chunk shorter than the total) back together.
struct MQTTChunkAssembler {
    private var partial: ATMQTTMessageChunk?

    /// The message `chunk` completes, or `nil` while more chunks are due.
    mutating func add(_ chunk: ATMQTTMessageChunk) -> ModuleMQTTMessage? {
        var whole = chunk
        if var started = partial, started.client == chunk.client, started.topic == chunk.topic,
            started.total == chunk.total, started.data.count + chunk.data.count <= chunk.total
        {
            started.data += chunk.data
            whole = started
        }
        guard whole.data.count >= whole.total else {
            partial = whole
            return nil
        }
        partial = nil
        return ModuleMQTTMessage(
            client: whole.client, topic: String(decoding: whole.topic, as: UTF8.self), payload: whole.data,
            qos: whole.qos, retained: whole.retained)
    }
}
