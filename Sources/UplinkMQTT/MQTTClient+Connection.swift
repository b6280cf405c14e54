import Logging
import MQTTCodec

/// The connection loop: connect, CONNACK, then a reader, a writer and a timer until the connection ends; back off
/// and connect again.
extension MQTTClient {
    private enum Decision {
        case retry
        case stop(MQTTClientError)
    }

    /// Runs connections until `disconnect()`, a refused first connection, or a loss with reconnecting off.
    func run() async {
        var backoff = MQTTReconnectBackoff(policy: configuration.reconnect)
        var initialAttempts = configuration.reconnect.initialConnectAttempts
        var generator = SystemRandomNumberGenerator()
        while true {
            if core.withLock({ if case .stopping = $0.lifecycle { return true } else { return false } }) { break }
            if let aws = configuration.awsIoT {
                let wait = MQTTConnectRateLimiter.reserve(
                    clientIdentifier: configuration.clientIdentifier, interval: aws.minimumConnectInterval)
                if wait > .zero {
                    do { try await Task.sleep(for: wait) } catch { break }
                }
            }
            let (connectedFor, error) = await runConnection()
            let connected = connectedFor != nil
            core.withLock { $0.lastConnectionError = error }
            if case .inboundPacketTooLarge = error {
                logger.error("MQTT message refused: larger than maximumPacketSize", metadata: ["reason": "\(error)"])
            } else if case .writeStalled = error {
                logger.error("MQTT broker stopped reading", metadata: ["reason": "\(error)"])
            }
            if connected {
                logger.info("MQTT connection closed", metadata: ["reason": "\(error)"])
            } else if !core.withLock({ $0.everConnected }) {
                logFirstConnectFailure(error, attemptsLeft: initialAttempts - 1)
            } else {
                logger.info("MQTT connect failed", metadata: ["reason": "\(error)"])
            }
            var effects = MQTTSessionEffects()
            let decision = core.withLock { core -> Decision in
                core.closing = false
                core.closeAfterFlush = nil
                if case .stopping = core.lifecycle { return .stop(.clientStopped) }
                if !core.everConnected {
                    initialAttempts -= 1
                    if initialAttempts <= 0 { return .stop(error) }
                } else if !configuration.reconnect.isEnabled {
                    return .stop(error)
                }
                core.session.connectionLost(error, effects: &effects)
                if core.everConnected { core.lifecycle = .reconnecting }
                return .retry
            }
            finish(&effects)
            if case .stop(let reason) = decision {
                stopAll(reason)
                return
            }
            backoff.connectionEnded(connectedFor: connectedFor)
            let attempt = backoff.attempt
            let delay = backoff.nextDelay(using: &generator)
            logger.debug("MQTT reconnecting", metadata: ["delay": "\(delay)", "attempt": "\(attempt)"])
            do { try await Task.sleep(for: delay) } catch { break }
        }
        stopAll(.clientStopped)
    }

    /// Fails every waiting call and returns to idle.
    private func stopAll(_ error: MQTTClientError) {
        var effects = MQTTSessionEffects()
        let (connecting, space, flushing) = core.withLock {
            core -> (
                [UnsafeContinuation<MQTTConnectResult, any Error>], [UnsafeContinuation<Void, any Error>],
                [UnsafeContinuation<Void, any Error>]
            ) in
            core.session.shutdown(error, effects: &effects)
            flushJournal(&core)
            core.lifecycle = .idle
            core.runTask = nil
            core.connectResult = nil
            core.closing = false
            core.closeAfterFlush = nil
            return (core.connectWaiters.takeAll(), core.spaceWaiters.takeAll(), core.flushWaiters.takeAll())
        }
        for waiter in connecting { waiter.resume(throwing: error) }
        for waiter in space { waiter.resume(throwing: error) }
        for waiter in flushing { waiter.resume(throwing: error) }
        effects.queueSpaceFreed = false
        finish(&effects)
    }

    /// One connection from transport connect to close. Returns how long it was up after CONNACK (`nil`: CONNACK never
    /// accepted it), and why it ended.
    private func runConnection() async -> (connectedFor: Duration?, error: MQTTClientError) {
        let connection: any MQTTTransportConnection
        do {
            connection = try await transport.connect()
        } catch let error as MQTTClientError {
            return (nil, error)
        } catch let error as any MQTTTransportError {
            return (nil, .transportError(MQTTTransportFailure(error)))
        } catch {
            return (nil, .transportFailed("\(error)"))
        }

        let connectBytes: [UInt8]
        do {
            connectBytes = try core.withLock { core throws(MQTTClientError) -> [UInt8] in
                try core.session.beginConnect()
                var bytes: [UInt8] = []
                swap(&bytes, &core.session.out)
                return bytes
            }
        } catch {
            await connection.close()
            return (nil, error)
        }

        let decoder = MQTTFrameDecoder(
            version: configuration.version, maximumPacketSize: configuration.maximumPacketSize)
        let connack: ConnAckPacket
        let leftover: MQTTFrameDecoder
        // The keep alive runs from the moment CONNECT goes to the socket.
        let connectSentAt = ContinuousClock.now
        do {
            try await connection.send(connectBytes)
            (connack, leftover) = try await MQTTClient.readConnAck(
                connection, decoder: decoder, timeout: configuration.connectTimeout)
        } catch {
            let failure = MQTTClient.clientError(error)
            if let code = failure.disconnectReasonCode, configuration.version == .v5 {
                try? await connection.send(DisconnectPacket(reasonCode: code).encodeV5())
            }
            await connection.close()
            return (nil, failure)
        }
        if connack.reasonCode.isFailure {
            await connection.close()
            return (nil, .connectionRefused(connack.reasonCode, reasonString: connack.properties.reasonString))
        }

        let keepAliveSeconds = connack.properties.serverKeepAlive ?? configuration.keepAlive
        let connectedAt = ContinuousClock.now
        var effects = MQTTSessionEffects()
        let (result, waiters) = core.withLock {
            core -> (MQTTConnectResult, [UnsafeContinuation<MQTTConnectResult, any Error>]) in
            core.session.didConnect(connack, effects: &effects)
            if case .stopping = core.lifecycle {} else { core.lifecycle = .online }
            core.everConnected = true
            let result = MQTTConnectResult(
                sessionPresent: connack.sessionPresent, properties: connack.properties,
                clientIdentifier: connack.properties.assignedClientIdentifier ?? configuration.clientIdentifier)
            core.connectResult = result
            core.lastSend = connectSentAt
            core.lastReceive = connectedAt
            core.pingSentAt = nil
            core.readerPaused = false
            core.closing = false
            flushJournal(&core)
            return (result, core.connectWaiters.takeAll())
        }
        logger.info(
            "MQTT connected",
            metadata: ["sessionPresent": "\(result.sessionPresent)", "clientId": "\(result.clientIdentifier)"])
        for waiter in waiters { waiter.resume(returning: result) }
        finish(&effects)

        let keepAlive: Duration? = keepAliveSeconds == 0 ? nil : .seconds(Int(keepAliveSeconds))
        let pingTimeout = configuration.pingTimeout ?? keepAlive ?? .seconds(30)
        let error = await withTaskGroup(of: MQTTClientError.self) { group -> MQTTClientError in
            group.addTask { await self.readLoop(connection, decoder: leftover) }
            group.addTask { await self.writeLoop(connection) }
            group.addTask { await self.timerLoop(keepAlive: keepAlive, pingTimeout: pingTimeout) }
            let first = await group.next() ?? .connectionClosed(nil, reasonString: nil)
            if core.withLock({ $0.closeAfterFlush != nil }) {
                // A last DISCONNECT is queued (protocol violation): let the writer send it, briefly.
                let guardTask = Task {
                    try? await Task.sleep(for: .seconds(1))
                    await connection.close()
                }
                _ = await group.next()
                guardTask.cancel()
            } else if first == .clientStopped {
                // disconnect(): our DISCONNECT is written. Wait (at most 1 s) for the broker to close, reading what it
                // still sends. Closing at once answers its last packets (an UNSUBACK, say) with a TCP reset, and the
                // reset makes the broker discard what it has not read yet: our last PUBACK/PUBCOMP and the DISCONNECT
                // (mosquitto then delivers those messages again, and publishes the will).
                let guardTask = Task {
                    try? await Task.sleep(for: .seconds(1))
                    await connection.close()
                }
                _ = await group.next()
                guardTask.cancel()
            }
            let writer = core.withLock { core -> UnsafeContinuation<Void, Never>? in
                core.closing = true
                return core.takeWriter()
            }
            writer?.resume()
            group.cancelAll()
            await connection.close()
            for await _ in group {}
            return first
        }
        return (ContinuousClock.now - connectedAt, error)
    }

    private static func readConnAck(
        _ connection: any MQTTTransportConnection, decoder: MQTTFrameDecoder, timeout: Duration
    ) async throws -> (ConnAckPacket, MQTTFrameDecoder) {
        try await withThrowingTaskGroup(of: (ConnAckPacket, MQTTFrameDecoder)?.self) { group in
            group.addTask {
                // Cancelled (disconnect() while connecting): closing ends the pending receive, which does not answer
                // cancellation by itself.
                try await withTaskCancellationHandler {
                    var decoder = decoder
                    while true {
                        if let packet = try decoder.next() {
                            guard case .connack(let connack) = packet else {
                                throw MQTTClientError.protocolViolation(
                                    .protocolError, "expected CONNACK, received \(packet.packetType)")
                            }
                            return (connack, decoder)
                        }
                        let bytes = try await connection.receive()
                        if bytes.isEmpty { throw MQTTClientError.connectionClosed(nil, reasonString: nil) }
                        decoder.append(bytes)
                    }
                } onCancel: {
                    Task { await connection.close() }
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                await connection.close()
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else {
                throw MQTTClientError.timeout("CONNACK")
            }
            return result
        }
    }

    static func clientError(_ error: any Error) -> MQTTClientError {
        if let error = error as? MQTTClientError { return error }
        if let error = error as? MQTTDecodeError { return clientError(decoding: error) }
        if let error = error as? any MQTTTransportError { return .transportError(MQTTTransportFailure(error)) }
        return .transportFailed("\(error)")
    }

    /// The client error for a packet the broker sent that cannot be decoded.
    static func clientError(decoding error: MQTTDecodeError) -> MQTTClientError {
        if case .packetTooLarge(let size, let maximum) = error {
            return .inboundPacketTooLarge(size: size, maximum: maximum)
        }
        return .protocolViolation(error.disconnectReasonCode, "\(error)")
    }

    /// Bytes of queued output above which the reader stops reading until the writer has taken them: a broker that
    /// sends without reading cannot grow the output without bound (what the reader answers with is bounded by
    /// what it reads).
    static let outputLimit = 1 << 20
    /// The topic and payload bytes of messages the reader decodes before it delivers them and checks the streams.
    static let roundPayloadBytes = 64 << 10

    /// Waits until the writer has taken the queued output (or the connection ends).
    private func waitForOutputDrain() async {
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let ready = core.withLock { core -> Bool in
                    if core.session.out.count < MQTTClient.outputLimit || core.closing || Task.isCancelled {
                        return true
                    }
                    core.outputWaiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            core.withLock { core -> UnsafeContinuation<Void, Never>? in
                let waiter = core.outputWaiter
                core.outputWaiter = nil
                return waiter
            }?.resume()
        }
    }

    // MARK: - Reader

    private func readLoop(_ connection: any MQTTTransportConnection, decoder initial: MQTTFrameDecoder) async
        -> MQTTClientError
    {
        var decoder = initial
        var packets: [MQTTPacket] = []
        var effects = MQTTSessionEffects()
        var full: [MQTTSubscriptionStream] = []
        while true {
            var failure: MQTTClientError?
            // One round takes at most `roundPayloadBytes` of messages from the decoder, so a full stream stops the
            // reading within one round: a stream overshoots its byte bound by at most that plus one message.
            var moreDecoded = false
            do {
                var payloadBytes = 0
                while let packet = try decoder.next() {
                    packets.append(packet)
                    if case .publish(let publish) = packet {
                        payloadBytes += publish.payload.count + publish.topic.utf8.count
                        if payloadBytes >= MQTTClient.roundPayloadBytes {
                            moreDecoded = true
                            break
                        }
                    }
                }
            } catch {
                failure = MQTTClient.clientError(decoding: error)
            }
            if !packets.isEmpty || failure != nil {
                var streams: [MQTTSubscriptionStream] = []
                let writer = core.withLock { core -> UnsafeContinuation<Void, Never>? in
                    for packet in packets {
                        do throws(MQTTClientError) {
                            try core.session.handle(packet, effects: &effects)
                        } catch {
                            failure = error
                            break
                        }
                    }
                    flushJournal(&core)
                    // MQTT 5 says why in DISCONNECT; MQTT 3.1.1 just closes (a DISCONNECT would cancel the will).
                    if let code = failure?.disconnectReasonCode, configuration.version == .v5 {
                        core.session.disconnect(code)
                        core.closeAfterFlush = failure
                    }
                    if !effects.messages.isEmpty { streams = core.session.streams }
                    return core.takeWriterIfOutput()
                }
                writer?.resume()
                packets.removeAll(keepingCapacity: true)
                if let overrun = effects.receiveMaximumOverrun {
                    effects.receiveMaximumOverrun = nil
                    logger.notice(
                        "MQTT broker exceeded our Receive Maximum; messages accepted",
                        metadata: [
                            "unreleased": "\(overrun)", "receiveMaximum": "\(configuration.receiveMaximum)",
                        ])
                }
                if !effects.messages.isEmpty {
                    if let store, store.needsSync {
                        do { try store.sync() } catch { return .sessionStore("\(error)") }
                    }
                    deliver(effects.messages, to: streams, full: &full)
                    effects.messages.removeAll(keepingCapacity: true)
                }
                finish(&effects)
                if let failure {
                    if case .protocolViolation = failure {
                        logger.warning("MQTT protocol violation by the broker", metadata: ["error": "\(failure)"])
                    }
                    return failure
                }
                if core.withLock({ $0.session.out.count >= MQTTClient.outputLimit }) {
                    core.withLock { $0.readerPaused = true }
                    await waitForOutputDrain()
                    core.withLock { $0.readerPaused = false }
                    if Task.isCancelled { return .connectionClosed(nil, reasonString: nil) }
                }
                if !full.isEmpty {
                    core.withLock { $0.readerPaused = true }
                    for stream in full { await stream.buffer.waitForSpace() }
                    full.removeAll()
                    core.withLock { $0.readerPaused = false }
                    if Task.isCancelled { return .connectionClosed(nil, reasonString: nil) }
                }
            }
            if moreDecoded { continue }
            let bytes: [UInt8]
            do {
                bytes = try await connection.receive()
            } catch {
                return MQTTClient.clientError(error)
            }
            if bytes.isEmpty { return .connectionClosed(nil, reasonString: nil) }
            let now = ContinuousClock.now
            core.withLock { $0.lastReceive = now }
            decoder.append(bytes)
        }
    }

    private func deliver(
        _ messages: [MQTTMessage], to streams: [MQTTSubscriptionStream], full: inout [MQTTSubscriptionStream]
    ) {
        if streams.count == 1, let stream = streams.first {
            for message in messages {
                if stream.matches(message.topic) {
                    if stream.buffer.append(message), !full.contains(where: { $0 === stream }) { full.append(stream) }
                } else {
                    unrouted(message)
                }
            }
            return
        }
        for message in messages {
            var matched = false
            for stream in streams where stream.matches(message.topic) {
                matched = true
                if stream.buffer.append(message), !full.contains(where: { $0 === stream }) { full.append(stream) }
            }
            if !matched { unrouted(message) }
        }
    }

    private func unrouted(_ message: MQTTMessage) {
        logger.debug("MQTT message matches no subscription stream", metadata: ["topic": "\(message.topic)"])
    }

    // MARK: - Writer

    private func writeLoop(_ connection: any MQTTTransportConnection) async -> MQTTClientError {
        var buffer: [UInt8] = []
        while true {
            await withTaskCancellationHandler {
                await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                    let ready = core.withLock { core -> Bool in
                        if !core.session.out.isEmpty || core.closeAfterFlush != nil || core.closing
                            || Task.isCancelled
                        {
                            return true
                        }
                        core.writer = continuation
                        return false
                    }
                    if ready { continuation.resume() }
                }
            } onCancel: {
                core.withLock { $0.takeWriter() }?.resume()
            }
            var close: MQTTClientError?
            let (space, closing, drained) = core.withLock {
                core -> ([UnsafeContinuation<Void, any Error>], Bool, UnsafeContinuation<Void, Never>?) in
                swap(&buffer, &core.session.out)
                // Stamped before the write (and the store's sync) begins: the keep alive counts from the earliest
                // moment these bytes can reach the broker, so the next PINGREQ is never late.
                if !buffer.isEmpty {
                    core.lastSend = .now
                    core.writeStartedAt = core.lastSend
                }
                let drained = core.outputWaiter
                core.outputWaiter = nil
                if buffer.isEmpty, let reason = core.closeAfterFlush {
                    close = reason
                    core.closeAfterFlush = nil
                }
                return (core.spaceWaiters.takeAll(), core.closing, drained)
            }
            drained?.resume()
            for waiter in space { waiter.resume() }
            if let close { return close }
            if closing || Task.isCancelled { return .connectionClosed(nil, reasonString: nil) }
            if buffer.isEmpty { continue }
            if let store, store.needsSync {
                do { try store.sync() } catch { return .sessionStore("\(error)") }
            }
            do {
                try await connection.send(buffer)
            } catch {
                return MQTTClient.clientError(error)
            }
            core.withLock { $0.writeStartedAt = nil }
            buffer.removeAll(keepingCapacity: true)
        }
    }

    // MARK: - Timer

    /// How long before the keep alive runs out the PINGREQ is due: a quarter of the keep alive, at most 5 s, so
    /// that a late wake-up on a busy machine still leaves the broker a packet within the keep alive.
    static func pingLead(keepAlive: Duration) -> Duration { min(keepAlive / 4, .seconds(5)) }

    /// Sends PINGREQ by deadline, `pingLead` before the keep alive since the last write runs out (MQTT-3.1.2-23: a
    /// control packet within the keep alive), declares the broker dead when PINGRESP (or any byte) does not come
    /// within `pingTimeout`, and expires SUBSCRIBE/UNSUBSCRIBE calls; wakes at the nearest deadline, and at least
    /// every 500 ms for the operations.
    private func timerLoop(keepAlive: Duration?, pingTimeout: Duration) async -> MQTTClientError {
        let check = Duration.milliseconds(500)
        var wake = ContinuousClock.now + min(check, keepAlive.map { $0 - MQTTClient.pingLead(keepAlive: $0) } ?? check)
        while true {
            do { try await Task.sleep(until: wake, clock: .continuous) } catch {
                return .connectionClosed(nil, reasonString: nil)
            }
            let now = ContinuousClock.now
            var next = now + check
            var effects = MQTTSessionEffects()
            var dead = false
            var overdue: UInt16?
            var stalled = false
            let writer = core.withLock { core -> UnsafeContinuation<Void, Never>? in
                core.session.expireOperations(now: now, effects: &effects)
                overdue = core.session.expireAcknowledgements(now: now, effects: &effects)
                if let started = core.writeStartedAt {
                    if now - started >= configuration.writeStallTimeout {
                        stalled = true
                    } else {
                        next = min(next, started + configuration.writeStallTimeout)
                    }
                }
                if let keepAlive {
                    if let sent = core.pingSentAt {
                        if core.lastReceive > sent || core.readerPaused {
                            core.pingSentAt = nil
                        } else if now - sent >= pingTimeout {
                            dead = true
                        } else {
                            next = min(next, sent + pingTimeout)
                        }
                    }
                    if core.pingSentAt == nil {
                        let due = core.lastSend + (keepAlive - MQTTClient.pingLead(keepAlive: keepAlive))
                        if now >= due {
                            core.session.ping()
                            core.pingSentAt = now
                            next = min(next, now + pingTimeout)
                        } else {
                            next = min(next, due)
                        }
                    }
                }
                return core.takeWriterIfOutput()
            }
            writer?.resume()
            finish(&effects)
            if stalled { return .writeStalled(configuration.writeStallTimeout) }
            if let overdue {
                // MQTT 5: no resend on the same connection (MQTT-4.4.0-1); the next connection resends it.
                logger.notice(
                    "MQTT acknowledgement overdue: reconnecting to resend", metadata: ["packetIdentifier": "\(overdue)"]
                )
                return .timeout("the acknowledgement of packet identifier \(overdue) (reconnecting to resend)")
            }
            if dead { return .timeout("PINGRESP: the broker stopped answering") }
            wake = next
        }
    }
}

extension DisconnectPacket {
    /// The MQTT 5 encoding (empty when it cannot be encoded).
    func encodeV5() -> [UInt8] { (try? MQTTPacket.disconnect(self).encode(version: .v5)) ?? [] }
}
