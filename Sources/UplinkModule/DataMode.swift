import ATCodec
import NIOCore

/// SPWF01 data mode: the host's bytes go raw to one peer and the peer's bytes come raw to the host, until the
/// host types the escape sequence (`escape_seq`) as one burst.
final class DataModeSession {
    /// Who the host talks to.
    enum Peer {
        /// A client socket opened with SOCKON.
        case client(ModuleSocket)
        /// The socket server's client (`AT+S.SOCKD`).
        case serverClient
    }

    let peer: Peer
    var escape: EscapeDetector
    /// Fires when a partly typed escape's burst is over: its bytes were data.
    var guardTimer: Scheduled<Void>?
    /// Bytes handed to the peer's channel and not yet written: the host's input pauses while too many wait.
    var backlog = 0
    /// `AT+S.` ended in CR and its LF may still come: it belongs to the command line, not to the data.
    var dropLineFeed: Bool

    init(peer: Peer, escape: [UInt8], dropLineFeed: Bool) {
        self.peer = peer
        self.escape = EscapeDetector(escape: escape)
        self.dropLineFeed = dropLineFeed
    }
}

extension ModuleEngine {
    static let dataModeCommands: [ATCommandSpec] = [
        ATCommandSpec(
            "AT+S.", [.spwf01],
            "Enter data mode (WIND 60) with the socket server's client or the open client socket; leave with escape_seq"
        ) { engine, line throws(ATError) in
            try engine.requireNoArgument(line)
            try engine.enterDataMode()
            return .done
        },
        ATCommandSpec(
            "AT+S.SOCKD", [.spwf01], "Start the socket server: <port>[,t|u][,ind]; stop it: 0"
        ) { engine, line throws(ATError) in
            try engine.socketServerCommand(line)
        },
    ]

    /// The text of `+WIND:60`.
    static let dataModeText = "Now in Data Mode"
    /// The text of `+WIND:59`.
    static let commandModeText = "Back to Command Mode"

    /// Whether a command line is the escape sequence itself: the host left a data mode the module is not in.
    func isEscapeLine(_ bytes: [UInt8]) -> Bool {
        guard dialect.family == .spwf01 else { return false }
        let escape = Array(config["escape_seq"].utf8)
        return !escape.isEmpty && bytes == escape && escape != Array("AT+S.".utf8)
    }

    /// Whether data mode holds the host's input back: its peer does not take the bytes as fast as they come.
    var dataModeHoldsInput: Bool {
        (dataMode?.backlog ?? 0) > ModuleEngine.inputHighWater
    }

    /// `AT+S.`: the server's client first, else the lowest-numbered client socket that is open or still holds
    /// unread bytes (a socket whose peer closed: its bytes come, then data mode ends at once).
    func enterDataMode() throws(ATError) {
        let peer: DataModeSession.Peer
        if let server = socketServer, server.hasClient {
            peer = .serverClient
        } else if let socket = sockets.compactMap({ $0 }).first(where: {
            $0.unread > 0 || (!$0.peerClosed && $0.channel?.isActive == true)
        }) {
            peer = .client(socket)
        } else {
            throw .dataModeNotAvailable
        }
        let session = DataModeSession(
            peer: peer, escape: Array(config["escape_seq"].utf8), dropLineFeed: framer.awaitsLineFeed)
        let rest = framer.takeBuffered()
        dataMode = session
        emit(dialect.wind(60, Self.dataModeText))
        socketServer?.pendingMessages = 0
        forwardPeerData()
        if case .client(let socket) = peer, socket.peerClosed {
            leaveDataMode()
            return
        }
        if !rest.isEmpty {
            var buffer = ByteBufferAllocator().buffer(capacity: rest.count)
            buffer.writeBytes(rest)
            receiveInDataMode(buffer)
        }
    }

    /// Host bytes in data mode: to the peer, except the escape sequence, which ends data mode.
    func receiveInDataMode(_ bytes: ByteBuffer) {
        guard let session = dataMode else { return }
        var input = Array(bytes.readableBytesView)
        if session.dropLineFeed {
            session.dropLineFeed = false
            if input.first == 0x0A { input.removeFirst() }
        }
        trace?.record(.fromHost, input, binary: true)
        session.guardTimer?.cancel()
        session.guardTimer = nil
        let result = session.escape.feed(input)
        writeToPeer(result.forward)
        if result.escaped {
            leaveDataMode()
            framer.append(contentsOf: result.rest)
            pump()
            return
        }
        if session.escape.isHolding {
            let bound = NIOLoopBound(session, eventLoop: eventLoop)
            session.guardTimer = eventLoop.scheduleTask(in: options.escapeGuardTime) { [weak self] in
                let session = bound.value
                guard let self, self.dataMode === session else { return }
                session.guardTimer = nil
                self.writeToPeer(session.escape.flush())
            }
        }
        updateInputFlow()
    }

    /// Writes host bytes to the data-mode peer, counting them until the channel took them.
    private func writeToPeer(_ bytes: [UInt8]) {
        guard !bytes.isEmpty, let session = dataMode else { return }
        let written: EventLoopFuture<Void>?
        switch session.peer {
        case .client(let socket):
            guard let channel = socket.channel else { return }
            var buffer = channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            written = channel.writeAndFlush(buffer)
        case .serverClient:
            written = socketServer?.write(bytes)
        }
        guard let written else { return }
        session.backlog += bytes.count
        let bound = NIOLoopBound(session, eventLoop: eventLoop)
        written.whenComplete { [weak self] _ in
            let session = bound.value
            guard let self else { return }
            session.backlog -= bytes.count
            if self.dataMode === session { self.updateInputFlow() }
        }
        updateInputFlow()
    }

    /// Back to command mode (the escape, or the peer went away): `+WIND:59`, then the WINDs held meanwhile.
    func leaveDataMode() {
        guard dataMode != nil else { return }
        endDataMode()
        emit(dialect.wind(59, Self.commandModeText))
        updateInputFlow()
    }

    /// Leaves data mode without a word (reset, shutdown).
    func endDataMode() {
        dataMode?.guardTimer?.cancel()
        dataMode = nil
    }

    /// Sends what the data-mode peer has buffered to the host, raw. Returns whether there is a data-mode peer.
    @discardableResult
    func forwardPeerData() -> Bool {
        guard let session = dataMode else { return false }
        let source: ModuleSocket?
        switch session.peer {
        case .client(let socket): source = socket
        case .serverClient: source = socketServer?.client
        }
        // While the host is not taking output the bytes wait in the socket's bounded buffer (TCP: the peer is held
        // back; UDP: what does not fit is reported dropped); they go out when the link drains.
        guard let source, source.unread > 0, !isOutputBlocked else { return true }
        var data = ByteBufferAllocator().buffer(capacity: source.unread)
        source.take(source.unread, into: &data)
        emitBinary(data)
        flushOutput()
        return true
    }

    /// Data arrived on a client socket: in data mode with that socket, it goes straight to the host.
    func forwardInDataMode(_ socket: ModuleSocket) -> Bool {
        guard case .client(let peer)? = dataMode?.peer, peer === socket else { return false }
        return forwardPeerData()
    }

    /// A client socket's peer closed: if it was the data-mode peer, its last bytes go out and data mode ends.
    func peerLeftDataMode(_ socket: ModuleSocket) {
        guard case .client(let peer)? = dataMode?.peer, peer === socket else { return }
        forwardPeerData()
        leaveDataMode()
    }
}
