import ATCodec
import Foundation
import NIOCore
import NIOPosix
import UplinkCredentials

extension ModuleEngine {
    static let socketCommands: [ATCommandSpec] = [
        ATCommandSpec(
            "AT+S.SOCKON",
            "Open a client socket: <host>,<port>,<t|u|s>[,ind] (SPWF01) or <host>,<port>,<local port|NULL>,<t|u|s>"
        ) { engine, line throws(ATError) in
            try engine.openClientSocket(line)
        },
        ATCommandSpec("AT+S.SOCKW", "Write to a socket: <id>,<length> then exactly <length> bytes") {
            engine, line throws(ATError) in
            let parts = try engine.requireFields(line, count: 2)
            let length = try engine.integer(parts[1], in: 1...engine.options.profile.maximumSocketWrite)
            let idText = parts[0]
            return .awaitBlock(length: length) { bytes throws(ATError) in
                let socket = try engine.openSocket(idText)
                guard !socket.peerClosed, let channel = socket.channel, channel.isActive else {
                    throw .socketNotConnected
                }
                var buffer = channel.allocator.buffer(capacity: bytes.count)
                buffer.writeBytes(bytes)
                // A peer that stopped reading fills the kernel's buffers and the write never completes:
                // at the deadline the connection is closed (part of the block may have gone out, so the
                // stream cannot go on), which fails the write and brings WIND 58 like any close.
                let effect = PendingEffect(timeoutError: .writeTimedOut, timeout: engine.options.effectTimeout)
                effect.onAbandon = { channel.close(promise: nil) }
                let written = channel.writeAndFlush(buffer)
                    .flatMapErrorThrowing { _ in throw ATError.socketNotConnected }
                    .flatMapThrowing {
                        guard !effect.isAbandoned else { throw EffectAbandoned() }
                        engine.emitOK()
                    }
                return .pending(written, effect)
            }
        },
        ATCommandSpec("AT+S.SOCKQ", "How many bytes wait in a socket (UDP: the next datagram): <id>") {
            engine, line throws(ATError) in
            let socket = try engine.openSocket(try engine.requireFields(line, count: 1)[0])
            engine.emit(engine.dialect.pendingLength(socket.queryLength))
            engine.emitOK()
            return .done
        },
        ATCommandSpec("AT+S.SOCKR", "Read from a socket: <id>[,<length>]") { engine, line throws(ATError) in
            let parts = engine.fields(line, limit: 2)
            guard !parts.isEmpty else { throw .invalidArguments }
            let socket = try engine.openSocket(parts[0])
            let pending = socket.unread
            let count = parts.count == 2 ? try engine.integer(parts[1], in: 0...1_000_000) : socket.queryLength
            guard count <= pending else { throw .notEnoughData }
            var data = ByteBufferAllocator().buffer(capacity: count)
            socket.take(count, into: &data)
            engine.emit(engine.dialect.readingHeader(count: count, pending: pending))
            engine.emitBinary(data)
            engine.emitOK()
            return .done
        },
        ATCommandSpec("AT+S.SOCKC", "Close a socket (refused while unread data remains): <id>") {
            engine, line throws(ATError) in
            let id = try engine.socketID(try engine.requireFields(line, count: 1)[0])
            guard let socket = engine.sockets[id] else { throw .illegalSocketID }
            guard socket.unread == 0 else { throw .pendingData }
            engine.sockets[id] = nil
            socket.channel?.close(promise: nil)
            engine.emitOK()
            return .done
        },
    ]

    func openClientSocket(_ line: ATCommandLine) throws(ATError) -> CommandOutcome {
        let parts = fields(line, limit: 4)
        guard parts.count >= 3 else { throw .invalidArguments }
        let host = String(parts[0])
        let port = try integer(parts[1], in: 1...65_535)
        let localPort: Int?
        let typeText: Substring
        let indications: Bool
        switch dialect.family {
        case .spwf01:
            typeText = parts[2]
            if parts.count == 4 {
                guard parts[3].lowercased() == "ind" else { throw .invalidArguments }
            }
            indications = parts.count == 4
            localPort = nil
        case .spwf04:
            guard parts.count == 4 else { throw .invalidArguments }
            localPort =
                parts[2].isEmpty || parts[2].uppercased() == "NULL" ? nil : try integer(parts[2], in: 1...65_535)
            typeText = parts[3]
            indications = true
        }
        let transport: ModuleSocket.Transport
        var commonName: String? = nil
        switch typeText.lowercased() {
        case "t": transport = .tcp
        case "u": transport = .udp
        case "s": transport = .tls
        default:
            // SPWF04 takes the expected server common name here, which also means TLS.
            guard dialect.family == .spwf04, !typeText.isEmpty else { throw .invalidArguments }
            transport = .tls
            commonName = String(typeText)
        }
        guard !host.isEmpty, !host.contains(" ") else { throw .invalidArguments }
        guard radio.isUp else { throw .wifiNotConnected }
        guard let id = sockets.firstIndex(where: { $0 == nil }) else { throw .tooManySockets }
        guard host.utf8.count <= 253 else { throw .failedToResolve }
        let tls: TLSClientSetup? = transport == .tls ? try tlsSetup(host: host, commonName: commonName) : nil

        let effect = PendingEffect(timeoutError: .timedOut, timeout: options.effectTimeout)
        let resolved = resolver.resolveIPv4(host, on: eventLoop)
            .flatMapErrorThrowing { error in throw DetailedFailure(error: .failedToResolve, detail: "\(host): \(error)")
            }
        let opened = resolved.assumeIsolated().flatMap { addresses -> EventLoopFuture<Void> in
            guard !effect.isAbandoned, let first = addresses.first else {
                return self.eventLoop.makeFailedFuture(effect.isAbandoned ? EffectAbandoned() : ATError.failedToResolve)
            }
            let socket = ModuleSocket(
                id: id, transport: transport, indications: indications, remoteAddress: first.description,
                remotePort: port, receiveLimit: self.options.socketReceiveLimit)
            return self.connect(socket, candidates: addresses[...], localPort: localPort, tls: tls, effect: effect)
                .assumeIsolated().map { channel in
                    effect.release(channel)
                    self.adopt(
                        channel, effect: effect, slotIsFree: self.sockets[id] == nil,
                        opened: self.dialect.socketOpened(id: id, address: socket.remoteAddress)
                    ) {
                        socket.channel = channel
                        socket.holdForOutput(self.isOutputBlocked)
                        self.sockets[id] = socket
                    }
                }.nonisolated()
        }.nonisolated()
        return .pending(opened, effect)
    }

    /// A channel an effect opened for a free slot (a client socket, a server socket) arrives: it is closed when the
    /// effect was abandoned meanwhile, or — with `tooManySockets` — when the slot was taken meanwhile; otherwise
    /// `take` puts it in its slot and the module prints `opened`, then OK.
    func adopt(
        _ channel: Channel, effect: PendingEffect, slotIsFree: Bool, opened: @autoclosure () -> [UInt8],
        take: () -> Void
    ) {
        guard !effect.isAbandoned else {
            channel.close(promise: nil)
            return
        }
        guard slotIsFree else {
            channel.close(promise: nil)
            emitError(.tooManySockets)
            return
        }
        take()
        emit(opened())
        emitOK()
    }

    /// Connects to the first address that answers.
    private func connect(
        _ socket: ModuleSocket, candidates: ArraySlice<IPv4Address>, localPort: Int?, tls: TLSClientSetup?,
        effect: PendingEffect
    ) -> EventLoopFuture<Channel> {
        guard !effect.isAbandoned else { return eventLoop.makeFailedFuture(EffectAbandoned()) }
        guard let address = candidates.first else {
            return eventLoop.makeFailedFuture(ATError.connectionFailed)
        }
        let attempt: EventLoopFuture<Channel>
        do {
            let remote = try SocketAddress(ipAddress: address.description, port: socket.remotePort)
            attempt =
                socket.transport == .udp
                ? connectUDP(socket, to: remote, localPort: localPort, effect: effect)
                : connectTCP(socket, to: remote, localPort: localPort, effect: effect)
        } catch {
            attempt = eventLoop.makeFailedFuture(error)
        }
        let connected = attempt.assumeIsolated().flatMapError { error in
            candidates.count > 1
                ? self.connect(
                    socket, candidates: candidates.dropFirst(), localPort: localPort, tls: nil, effect: effect)
                : self.eventLoop.makeFailedFuture(
                    error is EffectAbandoned
                        ? error
                        : DetailedFailure(
                            error: .connectionFailed, detail: "\(address):\(socket.remotePort): \(error)"))
        }.nonisolated()
        guard let tls else { return connected }
        // TLS goes on once TCP is up: a handshake failure is its own error, not a reason to try
        // the next address.
        return connected.assumeIsolated().flatMap { channel -> EventLoopFuture<Channel> in
            guard !effect.isAbandoned else {
                channel.close(promise: nil)
                return channel.eventLoop.makeFailedFuture(EffectAbandoned())
            }
            return tls.handshake(on: channel, effect: effect)
        }.nonisolated()
    }

    /// The TLS set-up from the credential slots: RAM over flash, the CA slot required.
    func tlsSetup(host: String, commonName: String?) throws(ATError) -> TLSClientSetup {
        let material: TLSMaterial
        do {
            material = try credentials.effective().tlsMaterial()
        } catch {
            errorDetail = error.logDescription
            throw .credentialsMissing(error)
        }
        let alpn = config["tls_alpn"].split(separator: ",").map { String($0) }.filter { !$0.isEmpty }
        do {
            return try TLSClientSetup(
                material: material, host: host, commonName: commonName, alpn: alpn,
                validationTime: Date(timeIntervalSince1970: TimeInterval(currentTime)))
        } catch {
            errorDetail = error.detail
            throw error.error
        }
    }

    private func socketHandler(_ socket: ModuleSocket) -> ModuleSocketHandler {
        ModuleSocketHandler(
            socket: socket,
            onData: { [weak self] socket in self?.socketDidReceive(socket) },
            onClose: { [weak self] socket in self?.socketDidClose(socket) })
    }

    private func connectTCP(
        _ socket: ModuleSocket, to remote: SocketAddress, localPort: Int?, effect: PendingEffect
    ) -> EventLoopFuture<Channel> {
        let bound = NIOLoopBound(socket, eventLoop: eventLoop)
        let engine = NIOLoopBound(self, eventLoop: eventLoop)
        var bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(options.connectTimeout)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            // One bounded read at a time, so the receive buffer overshoots its limit by one read at most.
            .channelOption(.maxMessagesPerRead, value: 1)
            .channelOption(
                .recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(
                    minimum: 64, initial: 2048, maximum: max(64, min(16_384, options.socketReceiveLimit)))
            )
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // A connect the deadline abandons is closed, which fails it at once.
                    effect.track(channel)
                    try channel.pipeline.syncOperations.addHandler(engine.value.socketHandler(bound.value))
                }
            }
        if let localPort, let local = try? SocketAddress(ipAddress: "0.0.0.0", port: localPort) {
            bootstrap = bootstrap.bind(to: local)
        }
        return bootstrap.connect(to: remote)
    }

    private func connectUDP(
        _ socket: ModuleSocket, to remote: SocketAddress, localPort: Int?, effect: PendingEffect
    ) -> EventLoopFuture<Channel> {
        let bound = NIOLoopBound(socket, eventLoop: eventLoop)
        let engine = NIOLoopBound(self, eventLoop: eventLoop)
        return datagramBootstrap(effect: effect) { channel in
            try channel.pipeline.syncOperations.addHandler(DatagramPayloadHandler())
            try channel.pipeline.syncOperations.addHandler(engine.value.socketHandler(bound.value))
        }
        .bind(host: "0.0.0.0", port: localPort ?? 0)
        .flatMap { channel in
            channel.connect(to: remote).map { channel }.flatMapError { error in
                channel.close(promise: nil)
                return channel.eventLoop.makeFailedFuture(error)
            }
        }
    }

    /// A UDP socket the module opens under `effect`: address reuse, whole datagrams of up to 64 KiB, the channel
    /// tracked by the effect; `addHandlers` completes its pipeline.
    func datagramBootstrap(
        effect: PendingEffect, addHandlers: @escaping @Sendable (Channel) throws -> Void
    ) -> DatagramBootstrap {
        DatagramBootstrap(group: eventLoop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    effect.track(channel)
                    try addHandlers(channel)
                }
            }
    }

    func socketDidReceive(_ socket: ModuleSocket) {
        if forwardInDataMode(socket) { return }
        guard sockets[socket.id] === socket, socket.receivedSinceIndication > 0, socket.indications else { return }
        indicatePendingData(socket)
    }

    func socketDidClose(_ socket: ModuleSocket) {
        guard sockets[socket.id] === socket, !socket.peerClosed else { return }
        socket.markPeerClosed()
        peerLeftDataMode(socket)
        indicateClosed(socket)
    }
}
