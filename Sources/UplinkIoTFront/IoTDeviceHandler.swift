import Foundation
import Logging
import MQTTCodec
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOTLS

/// One device connection after TLS: acts on the handshake's admission decision, runs the ``IoTSessionGate`` on
/// every packet both ways, and carries the allowed ones to and from the broker. Everything runs on the device
/// channel's event loop (the broker connection shares it). Packets are written as they are decoded and flushed
/// once per read cycle of the side they came from (and before a close), so a burst costs one write each way. While
/// one side does not take what is written to it, the other side is not read (TCP backpressure to the sender), so
/// a device flooding a stalled broker, or a broker flooding a device that does not read, cannot make the front
/// buffer without bound.
final class IoTDeviceHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let front: IoTFront
    private let peer: String
    private let requiredALPN: String?
    private let decision: NIOLockedValueBox<IoTAdmittedConnection?>
    private var deadline: Scheduled<Void>?
    private var logger: Logger { front.configuration.logger }
    private let connectionId: UInt64

    private var context: ChannelHandlerContext?
    private var gate: IoTSessionGate?
    private var things: [String] = []
    private var decoder: MQTTFrameDecoder
    private var clientId: String?
    /// The accepted certificate's id, while the connection is in the front's certificate table.
    private var certificateId: String?
    private var broker: Channel?
    private var brokerDecoder: MQTTFrameDecoder?
    /// Packets for the broker while its connection opens.
    private var queued: [MQTTPacket] = []
    private var closed = false
    /// Written to the broker or the device since the last flush.
    private var brokerUnflushed = false
    private var deviceUnflushed = false

    init(
        front: IoTFront, peer: String, requiredALPN: String?, decision: NIOLockedValueBox<IoTAdmittedConnection?>,
        deadline: Scheduled<Void>
    ) {
        self.front = front
        self.peer = peer
        self.requiredALPN = requiredALPN
        self.decision = decision
        self.deadline = deadline
        connectionId = front.clients.makeId()
        decoder = MQTTFrameDecoder(version: .v3_1_1, maximumPacketSize: front.configuration.limits.maximumPacketSize)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let event = event as? TLSUserEvent, case .handshakeCompleted(let negotiated) = event else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        deadline?.cancel()
        if let requiredALPN, negotiated != requiredALPN {
            close("refused: port needs ALPN \(requiredALPN), the client negotiated \(negotiated ?? "none")")
            return
        }
        switch decision.withLockedValue({ $0 }) {
        case .pending(let event)?:
            if let event {
                let events = front.events
                let channel = context.channel
                // Published before the close, as AWS does ("publish a registration message ... and disconnect").
                Task {
                    await events.publish(topic: event.topic, payload: event.payload)
                    channel.close(promise: nil)
                }
            } else {
                close("certificate pending activation")
            }
        case .accepted(let identity, let policies, let things)?:
            self.things = things
            let evaluator = IoTPolicyEvaluator(
                region: front.configuration.account.region, account: front.configuration.account.accountId)
            gate = IoTSessionGate(
                evaluator: evaluator, limits: front.configuration.limits, policies: policies,
                context: IoTPolicyContext(
                    subject: identity.subject, issuer: identity.issuer, serialNumber: identity.serialNumber))
            logger.info("\(peer): certificate \(identity.certificate.certificateId) accepted")
            let certificate = identity.certificate.certificateId
            certificateId = certificate
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            let loop = context.eventLoop
            front.certificateConnections.add(certificate, id: connectionId) { reason in
                loop.execute { bound.value.close(reason) }
            }
            let timeout = front.configuration.handshakeTimeout
            deadline = context.eventLoop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) {
                bound.value.close("no CONNECT within \(timeout) s")
            }
        case nil:
            close("no admission decision")
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard gate != nil, !closed else { return }
        decoder.append(buffer.readBytes(length: buffer.readableBytes) ?? [])
        while !closed {
            let packet: MQTTPacket?
            do {
                packet = try decoder.next()
            } catch {
                close("malformed packet from the device: \(error)")
                return
            }
            guard let packet else { return }
            handleDevice(packet)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushBroker()
        flushDevice()
        context.fireChannelReadComplete()
    }

    /// The device stopped (or resumed) taking what the front writes: the broker is read only while it does.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        broker?.setOption(ChannelOptions.autoRead, value: context.channel.isWritable).whenFailure { _ in }
        if context.channel.isWritable, let broker { broker.read() }
        context.fireChannelWritabilityChanged()
    }

    /// The broker stopped (or resumed) taking what the front writes: the device is read only while it does.
    fileprivate func brokerWritabilityChanged(_ writable: Bool) {
        guard let channel = context?.channel else { return }
        channel.setOption(ChannelOptions.autoRead, value: writable).whenFailure { _ in }
        if writable { channel.read() }
    }

    private func flushBroker() {
        guard brokerUnflushed else { return }
        brokerUnflushed = false
        broker?.flush()
    }

    private func flushDevice() {
        guard deviceUnflushed else { return }
        deviceUnflushed = false
        context?.flush()
    }

    private func handleDevice(_ packet: MQTTPacket) {
        guard var gate else { return }
        if case .connect(let connect) = packet, !gate.connected {
            deadline?.cancel()
            let id = connect.clientIdentifier
            guard
                front.clients.admitConnect(id, now: Date(), interval: front.configuration.limits.connectInterval)
            else {
                if decoder.version.isV5 {
                    send(.connack(ConnAckPacket(reasonCode: .connectionRateExceeded)), version: .v5)
                }
                close("client \(id): more than one CONNECT per \(front.configuration.limits.connectInterval) s")
                return
            }
            gate.setThingName(things.contains(id) ? id : nil)
        }
        let effects = gate.fromDevice(packet, decodedAs: decoder.version)
        self.gate = gate
        if case .connect(let connect) = packet,
            effects.contains(where: { if case .toBroker = $0 { true } else { false } })
        {
            claim(connect.clientIdentifier)
        }
        perform(effects)
    }

    /// Becomes the live connection of the client id; the previous one is closed (MQTT 5: DISCONNECT 0x8E).
    private func claim(_ id: String) {
        clientId = id
        guard let channel = context?.channel else { return }
        let loop = channel.eventLoop
        let bound = NIOLoopBound(self, eventLoop: loop)
        let previous = front.clients.claim(id, id: connectionId) {
            loop.execute { bound.value.takenOver() }
        }
        previous?()
        openBroker()
    }

    private func takenOver() {
        guard !closed, let gate else { return }
        if gate.version.isV5 { send(.disconnect(DisconnectPacket(reasonCode: .sessionTakenOver)), version: .v5) }
        close("client \(clientId ?? "?"): a new connection with the same client id")
    }

    private func perform(_ effects: [IoTGateEffect]) {
        for effect in effects {
            switch effect {
            case .toBroker(let packet): toBroker(packet)
            case .toDevice(let packet): send(packet, version: gate?.version ?? .v3_1_1)
            case .close(let reason): close(reason)
            case .note(let text): logger.info("\(peer) client \(clientId ?? "?"): \(text)")
            }
        }
    }

    private func send(_ packet: MQTTPacket, version: MQTTProtocolVersion) {
        guard let context, !closed else { return }
        do {
            let bytes = try packet.encode(version: version)
            context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
            deviceUnflushed = true
        } catch {
            close("cannot encode \(packet.packetType) for the device: \(error)")
        }
    }

    private func toBroker(_ packet: MQTTPacket) {
        guard let broker else {
            guard queued.count < front.configuration.maximumQueuedPackets else {
                close("more than \(front.configuration.maximumQueuedPackets) packets before the broker answered")
                return
            }
            queued.append(packet)
            return
        }
        do {
            let bytes = try packet.encode(version: gate?.version ?? .v3_1_1)
            broker.write(broker.allocator.buffer(bytes: bytes), promise: nil)
            brokerUnflushed = true
        } catch {
            close("cannot encode \(packet.packetType) for the broker: \(error)")
        }
    }

    private func openBroker() {
        guard let context else { return }
        let loop = context.eventLoop
        let bound = NIOLoopBound(self, eventLoop: loop)
        let configuration = front.configuration
        brokerDecoder = MQTTFrameDecoder(version: gate?.version ?? .v3_1_1)
        ClientBootstrap(group: loop)
            .connectTimeout(.seconds(5))
            .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IoTBrokerSideHandler(device: bound))
                }
            }
            .connect(host: configuration.brokerHost, port: configuration.brokerPort)
            .whenComplete { result in
                let handler = bound.value
                switch result {
                case .success(let channel):
                    guard !handler.closed else {
                        channel.close(promise: nil)
                        return
                    }
                    handler.broker = channel
                    if handler.context?.channel.isWritable == false {
                        channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
                    }
                    let pending = handler.queued
                    handler.queued = []
                    for packet in pending { handler.toBroker(packet) }
                    handler.flushBroker()
                case .failure(let error):
                    handler.close(
                        "cannot reach the broker \(configuration.brokerHost):\(configuration.brokerPort): \(error)")
                }
            }
    }

    /// Bytes from the broker.
    fileprivate func fromBroker(_ bytes: [UInt8]) {
        guard !closed, var decoder = brokerDecoder else { return }
        decoder.append(bytes)
        defer { brokerDecoder = decoder }
        while !closed {
            let packet: MQTTPacket?
            do {
                packet = try decoder.next()
            } catch {
                close("malformed packet from the broker: \(error)")
                return
            }
            guard let packet, var gate else { return }
            let effects = gate.fromBroker(packet)
            self.gate = gate
            perform(effects)
        }
    }

    /// The end of a read cycle on the broker's connection.
    fileprivate func brokerReadComplete() { flushDevice() }

    fileprivate func brokerClosed() {
        close("the broker closed the connection")
    }

    func channelInactive(context: ChannelHandlerContext) {
        close(nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        close("\(error)")
    }

    /// Closes both sides once; `reason` goes to the log.
    private func close(_ reason: String?) {
        guard !closed else { return }
        flushBroker()
        flushDevice()
        closed = true
        deadline?.cancel()
        if let reason { logger.notice("\(peer) client \(clientId ?? "?"): closed: \(reason)") }
        if let clientId { front.clients.release(clientId, id: connectionId) }
        if let certificateId { front.certificateConnections.remove(certificateId, id: connectionId) }
        broker?.close(promise: nil)
        broker = nil
        queued = []
        context?.close(promise: nil)
    }
}

/// The broker connection's end: hands bytes and the close to the device handler (same event loop).
final class IoTBrokerSideHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let device: NIOLoopBound<IoTDeviceHandler>

    init(device: NIOLoopBound<IoTDeviceHandler>) { self.device = device }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        device.value.fromBroker(buffer.readBytes(length: buffer.readableBytes) ?? [])
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        device.value.brokerReadComplete()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        device.value.brokerWritabilityChanged(context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        device.value.brokerClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
