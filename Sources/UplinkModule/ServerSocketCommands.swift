import ATCodec
import NIOCore
import NIOPosix
import NIOSSL
import UplinkCredentials
import UplinkTLS

/// SPWF04 server sockets: SOCKDON, SOCKDQ, SOCKDR, SOCKDW, SOCKDC, SOCKDL (docs/at-commands.md, "Server sockets
/// (SPWF04)"). The listening port is a real port of this machine, on ``ModuleOptions/socketServerHost``.
extension ModuleEngine {
    static let serverSocketCommands: [ATCommandSpec] = [
        ATCommandSpec("AT+S.SOCKDON", [.spwf04], "Open a server socket: <port>,<t|u|s1|s2>") {
            engine, line throws(ATError) in
            try engine.openServer(line)
        },
        ATCommandSpec("AT+S.SOCKDQ", [.spwf04], "How many bytes wait from a server's client: <sid>,<cid>") {
            engine, line throws(ATError) in
            let parts = try engine.requireFields(line, count: 2)
            let (_, client) = try engine.serverClient(parts[0], parts[1])
            engine.emit(engine.dialect.pendingLength(client.queryLength))
            engine.emitOK()
            return .done
        },
        ATCommandSpec(
            "AT+S.SOCKDR", [.spwf04], "Read from a server's client: <sid>,<cid>[,<length>] (0 or none: all pending)"
        ) { engine, line throws(ATError) in
            let parts = engine.fields(line, limit: 3)
            guard parts.count >= 2 else { throw .invalidArguments }
            let (server, client) = try engine.serverClient(parts[0], parts[1])
            let pending = client.unread
            var count = parts.count == 3 ? try engine.integer(parts[2], in: 0...1_000_000) : 0
            if count == 0 { count = client.queryLength }
            guard count <= pending else { throw .notEnoughData }
            var data = ByteBufferAllocator().buffer(capacity: count)
            client.take(count, into: &data)
            engine.emit(engine.dialect.readingHeader(count: count, pending: pending))
            engine.emitBinary(data)
            engine.emitOK()
            // A client that left is forgotten once the host read its last byte.
            if client.peerClosed && client.unread == 0 { server.drop(client.id) }
            return .done
        },
        ATCommandSpec(
            "AT+S.SOCKDW", [.spwf04], "Write to a server's client: <sid>,<cid>,<length> then exactly <length> bytes"
        ) { engine, line throws(ATError) in
            let parts = try engine.requireFields(line, count: 3)
            let length = try engine.integer(parts[2], in: 1...engine.options.profile.maximumSocketWrite)
            let (serverText, clientText) = (parts[0], parts[1])
            return .awaitBlock(length: length) { bytes throws(ATError) in
                let (server, client) = try engine.serverClient(serverText, clientText)
                return try engine.writeToServerClient(server, client, bytes)
            }
        },
        ATCommandSpec(
            "AT+S.SOCKDC", [.spwf04],
            "Close a server socket and all its clients: <sid>; or drop one client: <sid>,<cid> (refused while unread data remains)"
        ) { engine, line throws(ATError) in
            let parts = engine.fields(line, limit: 2)
            guard !parts.isEmpty else { throw .invalidArguments }
            let server = try engine.runningServer(parts[0])
            if parts.count == 2 {
                let (_, client) = try engine.serverClient(parts[0], parts[1])
                guard client.unread == 0 else { throw .pendingData }
                server.drop(client.id)
            } else {
                guard server.visibleClients.allSatisfy({ $0.unread == 0 }) else { throw .pendingData }
                engine.servers[server.id] = nil
                server.close()
            }
            engine.emitOK()
            return .done
        },
        ATCommandSpec("AT+S.SOCKDL", [.spwf04], "List the server sockets and their clients: [<sid>]") {
            engine, line throws(ATError) in
            let listed: [ModuleServerSocket]
            if let argument = engine.fields(line, limit: 1).first {
                listed = [try engine.runningServer(argument)]
            } else {
                listed = engine.servers.compactMap { $0 }
            }
            for server in listed {
                engine.emit(
                    engine.dialect.serverListLine(server: server.id, port: server.port, kind: server.kind.rawValue))
                for client in server.visibleClients {
                    engine.emit(
                        engine.dialect.serverClientListLine(
                            server: server.id, client: client.id, address: client.remoteAddress,
                            port: client.remotePort))
                }
            }
            engine.emitOK()
            return .done
        },
    ]

    // MARK: - Lookups

    /// Every client of every server socket.
    var serverClients: [ModuleSocket] {
        servers.compactMap { $0 }.flatMap { $0.clients.compactMap { $0 } }
    }

    /// Whether a socket is still the one at its id: a client socket, or a client of a running server socket.
    func isAttached(_ socket: ModuleSocket) -> Bool {
        if let serverID = socket.serverID {
            guard servers.indices.contains(serverID), let server = servers[serverID] else { return false }
            return server.client(socket.id) === socket
        }
        return sockets.indices.contains(socket.id) && sockets[socket.id] === socket
    }

    /// `+WIND:55`'s text for a socket (a server's client carries its server id).
    func pendingDataText(_ socket: ModuleSocket) -> String {
        if let serverID = socket.serverID {
            return dialect.serverPendingDataText(
                server: serverID, client: socket.id, received: socket.receivedSinceIndication, unread: socket.unread)
        }
        return dialect.pendingDataText(
            socket: socket.id, received: socket.receivedSinceIndication, unread: socket.unread)
    }

    /// The running server socket with this id (`0`–`3`), or `illegalSocketID`.
    func runningServer(_ text: Substring) throws(ATError) -> ModuleServerSocket {
        guard !text.isEmpty, text.utf8.count <= 3, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let id = Int(text), servers.indices.contains(id), let server = servers[id]
        else { throw .illegalSocketID }
        return server
    }

    /// A connected client of a running server socket, or `illegalSocketID`.
    func serverClient(_ serverText: Substring, _ clientText: Substring) throws(ATError) -> (
        ModuleServerSocket, ModuleSocket
    ) {
        let server = try runningServer(serverText)
        guard !clientText.isEmpty, clientText.utf8.count <= 3,
            clientText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let id = Int(clientText),
            let client = server.client(id)
        else { throw .illegalSocketID }
        return (server, client)
    }

    /// Closes every server socket (reset, shutdown).
    func closeAllServers() {
        for index in servers.indices {
            if let server = servers[index] {
                servers[index] = nil
                server.close()
            }
        }
    }

    // MARK: - SOCKDON

    private func openServer(_ line: ATCommandLine) throws(ATError) -> CommandOutcome {
        let parts = try requireFields(line, count: 2)
        let port = try integer(parts[0], in: 1...65_535)
        guard let kind = ATServerSocketKind(rawValue: parts[1].lowercased()) else { throw .invalidArguments }
        guard radio.isUp else { throw .wifiNotConnected }
        guard !servers.contains(where: { $0?.port == port }) else {
            errorDetail = "a server socket of the module already listens on \(port)"
            throw .serverPortInUse
        }
        guard let id = servers.firstIndex(where: { $0 == nil }) else { throw .tooManySockets }
        let tls = kind == .tls || kind == .mutualTLS ? try serverTLSContext(mutual: kind == .mutualTLS) : nil
        let server = ModuleServerSocket(id: id, port: port, kind: kind)
        let host = options.socketServerHost
        let effect = PendingEffect(timeoutError: .timedOut, timeout: options.effectTimeout)
        let bound = kind == .udp ? bindUDP(server, host: host, effect: effect) : bindTCP(server, host: host, tls: tls)
        let opened = bound.assumeIsolated().flatMapError { error -> EventLoopFuture<Channel> in
            self.eventLoop.makeFailedFuture(
                DetailedFailure(error: .serverPortInUse, detail: "cannot listen on \(host):\(port): \(error)"))
        }.map { channel in
            self.adopt(
                channel, effect: effect, slotIsFree: self.servers[id] == nil, opened: self.dialect.serverOpened(id: id)
            ) {
                server.channel = channel
                self.servers[id] = server
            }
        }.nonisolated()
        return .pending(opened, effect)
    }

    /// The server's TLS context from the credential slots: `cert` (leaf first) and `key` are the server's identity;
    /// `s2` also needs `ca`, whose certificates every client's must chain to. TLS 1.2 only, as the firmware.
    private func serverTLSContext(mutual: Bool) throws(ATError) -> NIOSSLContext {
        let store: CredentialStore
        do {
            store = try credentials.effective()
        } catch {
            errorDetail = error.logDescription
            throw .credentialsMissing(error)
        }
        guard let chain = store.clientChain?.derBytes, !chain.isEmpty else {
            errorDetail = "a TLS server socket needs its certificate in cert"
            throw .credentialsMissingCert
        }
        guard let key = store.clientKey?.pkcs8DERBytes else {
            errorDetail = "a TLS server socket needs its private key in key"
            throw .credentialsMissingKey
        }
        if mutual && store.trustRoots.isEmpty {
            errorDetail = "s2 checks the clients' certificates against ca, which is empty"
            throw .credentialsMissingCA
        }
        do {
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: try chain.map { .certificate(try NIOSSLCertificate(bytes: $0, format: .der)) },
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: key, format: .der)))
            configuration.minimumTLSVersion = .tlsv12
            configuration.maximumTLSVersion = .tlsv12
            if mutual {
                configuration.certificateVerification = .noHostnameVerification
                configuration.trustRoots = .certificates(
                    try store.trustRoots.map { try NIOSSLCertificate(bytes: $0.derBytes, format: .der) })
            } else {
                configuration.certificateVerification = .none
            }
            return try NIOSSLContext(configuration: configuration)
        } catch {
            errorDetail = "cannot use the stored credentials for a server: \(error)"
            throw .handshakeFailed
        }
    }

    private func bindTCP(_ server: ModuleServerSocket, host: String, tls: NIOSSLContext?) -> EventLoopFuture<Channel> {
        let bound = NIOLoopBound(server, eventLoop: eventLoop)
        let engine = NIOLoopBound(self, eventLoop: eventLoop)
        let limit = max(64, min(16_384, options.socketReceiveLimit))
        return ServerBootstrap(group: eventLoop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 8)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 1)
            .childChannelOption(
                .recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: limit)
            )
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try engine.value.accept(child, server: bound.value, tls: tls)
                }
            }
            .bind(host: host, port: server.port)
    }

    /// A new TCP connection: it takes a free client slot (or is closed when there is none, with `+WIND:83`); TLS
    /// clients show (WIND 61) once their handshake is done.
    private func accept(_ child: Channel, server: ModuleServerSocket, tls: NIOSSLContext?) throws {
        let address = child.remoteAddress?.ipAddress ?? "0.0.0.0"
        let port = child.remoteAddress?.port ?? 0
        guard isAttachedServer(server) else {
            // The server was stopped while the connection was on its way.
            child.close(promise: nil)
            return
        }
        guard let id = server.clients.firstIndex(where: { $0 == nil }) else {
            child.close(promise: nil)
            indicate(83, "Sockd Dropping Client:\(address):\(port):\(server.id)")
            return
        }
        let socket = ModuleSocket(
            id: id, transport: tls == nil ? .tcp : .tls, indications: true, remoteAddress: address, remotePort: port,
            receiveLimit: options.socketReceiveLimit, serverID: server.id)
        socket.channel = child
        socket.holdForOutput(isOutputBlocked)
        server.clients[id] = socket
        let handler = ModuleSocketHandler(
            socket: socket,
            onData: { [weak self] socket in self?.serverClientDidReceive(socket) },
            onClose: { [weak self] socket in self?.serverClientDidClose(socket, server: server) })
        if let tls {
            server.handshaking.insert(id)
            try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
            let watcher = TLSHandshakeWatcher(
                promise: child.eventLoop.makePromise(), note: TLSFailureNote(), sentClientCertificate: false)
            try child.pipeline.syncOperations.addHandler(watcher)
            let logger = options.logger
            watcher.promise.futureResult.assumeIsolated().whenComplete { [weak self] result in
                guard let self, server.clients[id] === socket else { return }
                switch result {
                case .success:
                    server.handshaking.remove(id)
                    self.announce(socket, server: server)
                case .failure(let error):
                    // The client is not shown to the host; the reason goes to the log.
                    logger.notice("server socket \(server.id): TLS handshake with \(address):\(port) failed: \(error)")
                    child.close(promise: nil)
                }
            }
        } else {
            announce(socket, server: server)
        }
        try child.pipeline.syncOperations.addHandler(handler)
    }

    private func isAttachedServer(_ server: ModuleServerSocket) -> Bool {
        servers.indices.contains(server.id) && servers[server.id] === server
    }

    private func announce(_ socket: ModuleSocket, server: ModuleServerSocket) {
        indicate(
            61,
            dialect.serverClientConnectedText(
                address: socket.remoteAddress, port: socket.remotePort, server: server.id, client: socket.id))
    }

    func serverClientDidReceive(_ socket: ModuleSocket) {
        guard isAttached(socket), socket.receivedSinceIndication > 0 else { return }
        indicatePendingData(socket)
    }

    /// A client left: `+WIND:62`; its slot is freed at once when nothing is left to read, else once SOCKDR read it
    /// all (or SOCKDC). A TLS client that never finished its handshake just frees its slot.
    func serverClientDidClose(_ socket: ModuleSocket, server: ModuleServerSocket) {
        guard server.clients.indices.contains(socket.id), server.clients[socket.id] === socket else { return }
        if server.handshaking.contains(socket.id) {
            server.drop(socket.id)
            return
        }
        guard !socket.peerClosed else { return }
        socket.markPeerClosed()
        let text = dialect.serverClientGoneText(
            address: socket.remoteAddress, port: socket.remotePort, server: server.id, client: socket.id, reason: 0)
        if socket.unread == 0 { server.drop(socket.id) }
        guard isAttachedServer(server) else { return }
        indicate(62, text)
    }

    // MARK: - UDP

    private func bindUDP(_ server: ModuleServerSocket, host: String, effect: PendingEffect) -> EventLoopFuture<Channel>
    {
        let bound = NIOLoopBound(server, eventLoop: eventLoop)
        let engine = NIOLoopBound(self, eventLoop: eventLoop)
        return datagramBootstrap(effect: effect) { channel in
            try channel.pipeline.syncOperations.addHandler(
                ServerDatagramHandler { envelope in engine.value.serverDatagram(envelope, server: bound.value) })
        }
        .bind(host: host, port: server.port)
        .map { channel in
            effect.release(channel)
            return channel
        }
    }

    /// A datagram to a UDP server socket: it goes to the client of its source address (a new source takes a free
    /// slot, with `+WIND:61`). One that does not fit — no free slot, or the client's buffer full — is dropped and
    /// reported with `+WIND:63` (UDP has no backpressure; the drop is never silent).
    func serverDatagram(_ envelope: AddressedEnvelope<ByteBuffer>, server: ModuleServerSocket) {
        guard isAttachedServer(server), envelope.data.readableBytes > 0 else { return }
        let source = envelope.remoteAddress
        var socket: ModuleSocket?
        if let index = server.peers.firstIndex(where: { $0 == source }) {
            socket = server.clients[index]
        } else if let id = server.clients.firstIndex(where: { $0 == nil }) {
            let created = ModuleSocket(
                id: id, transport: .udp, indications: true, remoteAddress: source.ipAddress ?? "0.0.0.0",
                remotePort: source.port ?? 0, receiveLimit: options.socketReceiveLimit, serverID: server.id)
            server.clients[id] = created
            server.peers[id] = source
            announce(created, server: server)
            socket = created
        }
        guard let socket, socket.unread + envelope.data.readableBytes <= socket.receiveLimit else {
            indicate(63, dialect.serverDroppingDataText(bytes: envelope.data.readableBytes, freeHeap: freeHeap))
            return
        }
        socket.receive(envelope.data)
        serverClientDidReceive(socket)
    }

    // MARK: - SOCKDW

    private func writeToServerClient(_ server: ModuleServerSocket, _ client: ModuleSocket, _ bytes: [UInt8])
        throws(ATError) -> CommandOutcome
    {
        guard !client.peerClosed else { throw .socketNotConnected }
        let channel: Channel
        let sent: EventLoopFuture<Void>
        if server.kind == .udp {
            guard let serverChannel = server.channel, let peer = server.peers[client.id] else {
                throw .socketNotConnected
            }
            var buffer = serverChannel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            channel = serverChannel
            sent = serverChannel.writeAndFlush(AddressedEnvelope(remoteAddress: peer, data: buffer))
        } else {
            guard let clientChannel = client.channel, clientChannel.isActive else { throw .socketNotConnected }
            var buffer = clientChannel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            channel = clientChannel
            sent = clientChannel.writeAndFlush(buffer)
        }
        // As SOCKW: a client that stopped reading is closed at the deadline (WIND 62 follows).
        let effect = PendingEffect(timeoutError: .writeTimedOut, timeout: options.effectTimeout)
        if server.kind != .udp { effect.onAbandon = { channel.close(promise: nil) } }
        let written =
            sent
            .flatMapErrorThrowing { _ in throw ATError.socketNotConnected }
            .assumeIsolated().flatMapThrowing {
                guard !effect.isAbandoned else { throw EffectAbandoned() }
                self.emitOK()
            }.nonisolated()
        return .pending(written, effect)
    }
}

/// Hands every datagram of a UDP server socket to the module.
final class ServerDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let received: (AddressedEnvelope<ByteBuffer>) -> Void

    init(received: @escaping (AddressedEnvelope<ByteBuffer>) -> Void) {
        self.received = received
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received(Self.unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // An ICMP error from one peer does not end the server.
    }
}
