import ATCodec
import NIOCore
import NIOPosix

extension ModuleEngine {
    /// `AT+S.SOCKD=<port>[,t|u][,ind]` starts the server on `ModuleOptions.socketServerHost`; `AT+S.SOCKD=0`
    /// stops it (and drops its client).
    func socketServerCommand(_ line: ATCommandLine) throws(ATError) -> CommandOutcome {
        let parts = fields(line, limit: 4)
        guard (1...3).contains(parts.count) else { throw .invalidArguments }
        let port = try integer(parts[0], in: 0...65_535)
        if port == 0 {
            guard parts.count == 1 else { throw .invalidArguments }
            guard let server = socketServer else { throw .socketServerNotRunning }
            socketServer = nil
            server.close()
            emitOK()
            return .done
        }
        var transport = ModuleSocket.Transport.tcp
        for (index, part) in parts.dropFirst().enumerated() {
            switch part.lowercased() {
            case "t" where index == 0: transport = .tcp
            case "u" where index == 0: transport = .udp
            case "ind" where index == parts.count - 2: break
            default: throw .invalidArguments
            }
        }
        guard socketServer == nil else { throw .socketServerRunning }
        let server = SocketServer(port: port, transport: transport)
        let effect = PendingEffect(timeoutError: .timedOut, timeout: options.effectTimeout)
        let host = options.socketServerHost
        let bound = transport == .udp ? bindUDPServer(server, host: host) : bindTCPServer(server, host: host)
        let started = bound.assumeIsolated().flatMapErrorThrowing { error in
            throw DetailedFailure(error: .invalidArguments, detail: "cannot listen on \(host):\(port): \(error)")
        }.map { channel in
            guard !effect.isAbandoned, self.socketServer == nil else {
                channel.close(promise: nil)
                if !effect.isAbandoned { self.emitError(.socketServerRunning) }
                return
            }
            server.channel = channel
            self.socketServer = server
            self.emitOK()
        }.nonisolated()
        return .pending(started, effect)
    }

    private func bindTCPServer(_ server: SocketServer, host: String) -> EventLoopFuture<Channel> {
        let engine = NIOLoopBound(self, eventLoop: eventLoop)
        let serverBound = NIOLoopBound(server, eventLoop: eventLoop)
        return ServerBootstrap(group: eventLoop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 1)
            .childChannelOption(
                .recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(
                    minimum: 64, initial: 2048, maximum: max(64, min(16_384, options.socketReceiveLimit)))
            )
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try engine.value.acceptServerClient(channel, server: serverBound.value)
                }
            }
            .bind(host: host, port: server.port)
    }

    private func bindUDPServer(_ server: SocketServer, host: String) -> EventLoopFuture<Channel> {
        let buffer = ModuleSocket(
            id: 0, transport: .udp, indications: true, remoteAddress: "", remotePort: 0,
            receiveLimit: options.socketReceiveLimit)
        server.client = buffer
        let engine = NIOLoopBound(self, eventLoop: eventLoop)
        let serverBound = NIOLoopBound(server, eventLoop: eventLoop)
        let bufferBound = NIOLoopBound(buffer, eventLoop: eventLoop)
        return DatagramBootstrap(group: eventLoop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        SocketServerDatagramHandler(
                            buffer: bufferBound.value,
                            onSender: { address in engine.value.serverDatagramSender(address, server: serverBound.value)
                            },
                            onDropped: { size in engine.value.serverDropped(size, server: serverBound.value) },
                            onData: { engine.value.sockdClientDidReceive(bufferBound.value) }))
                }
            }
            .bind(host: host, port: server.port)
    }

    /// A TCP client connected: it becomes the server's client (`+WIND:61`), unless one is connected already.
    private func acceptServerClient(_ channel: Channel, server: SocketServer) throws {
        guard socketServer === server, server.client == nil else {
            channel.close(promise: nil)
            return
        }
        let address = channel.remoteAddress?.ipAddress ?? "0.0.0.0"
        let socket = ModuleSocket(
            id: 0, transport: .tcp, indications: true, remoteAddress: address,
            remotePort: channel.remoteAddress?.port ?? 0, receiveLimit: options.socketReceiveLimit)
        socket.channel = channel
        socket.holdForOutput(isOutputBlocked)
        server.client = socket
        try channel.pipeline.syncOperations.addHandler(
            ModuleSocketHandler(
                socket: socket,
                onData: { [weak self] socket in self?.sockdClientDidReceive(socket) },
                onClose: { [weak self] socket in self?.sockdClientDidClose(socket) }))
        indicate(61, "Incoming Socket Client:\(address)")
    }

    private func serverDatagramSender(_ address: SocketAddress, server: SocketServer) {
        guard socketServer === server, server.udpPeer != address else { return }
        server.udpPeer = address
        indicate(61, "Incoming Socket Client:\(address.ipAddress ?? "0.0.0.0")")
    }

    private func serverDropped(_ size: Int, server: SocketServer) {
        guard socketServer === server else { return }
        indicate(63, "Sockd Dropping Data:\(size):\(freeHeap)")
    }

    /// The server's client sent bytes: straight to the host in data mode, else `+WIND:64`.
    func sockdClientDidReceive(_ socket: ModuleSocket) {
        guard let server = socketServer, server.client === socket, socket.receivedSinceIndication > 0 else { return }
        if case .serverClient? = dataMode?.peer {
            socket.receivedSinceIndication = 0
            forwardPeerData()
            return
        }
        server.pendingMessages += 1
        let last = socket.receivedSinceIndication
        socket.receivedSinceIndication = 0
        indicate(64, "Sockd Pending Data:\(server.pendingMessages):\(last):\(socket.unread)")
    }

    /// The TCP client went away: its last bytes go out in data mode (which ends), else what it left unread is
    /// reported dropped (`+WIND:63`); then `+WIND:62`.
    func sockdClientDidClose(_ socket: ModuleSocket) {
        guard let server = socketServer, server.client === socket else { return }
        if case .serverClient? = dataMode?.peer {
            forwardPeerData()
            leaveDataMode()
        }
        server.client = nil
        server.pendingMessages = 0
        if socket.unread > 0 {
            indicate(63, "Sockd Dropping Data:\(socket.unread):\(freeHeap)")
        }
        indicate(62, "Socket Client Gone:\(socket.remoteAddress)")
    }
}
