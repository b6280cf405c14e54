import ATCodec
import NIOCore

extension ModuleDriver {
    /// Opens a client socket (TCP, UDP or TLS with the credential slots) to `host`, a name the module resolves
    /// or an address; returns its id. The module's errors come back as ``ModuleDriverError/module(command:error:)``
    /// (`Failed to resolve name`, `TLS handshake failed: ...`).
    public func openSocket(host: String, port: Int, kind: ATSocketKind) async throws -> Int {
        let dialect = await self.dialect
        let open = try command { () throws(ATCommandError) in
            try dialect.socketOpenCommand(host: host, port: port, kind: kind)
        }
        return try await eventLoop.flatSubmit {
            self.exchange(open, timeout: nil).flatMapThrowing { response in
                for case .socketOpened(let id, _) in response.lines {
                    self.sockets[id] = SocketState()
                    return id
                }
                throw ModuleDriverError.protocolViolation("SOCKON answered OK without a socket id")
            }
        }.get()
    }

    /// Writes all of `bytes` to a socket, in SOCKW commands of at most
    /// ``ModuleDriverConfiguration/maximumWrite`` bytes.
    public func write(socket id: Int, _ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { return }
        let dialect = await self.dialect
        let commands = try writeCommands(bytes) { chunk, size throws(ATCommandError) in
            try dialect.socketWriteCommand(socket: id, chunk, maximum: size)
        }
        try await eventLoop.submit { () throws in
            guard let socket = self.sockets[id], !socket.lost else { throw ModuleDriverError.socketNotOpen(id) }
        }.get()
        _ = try await sendAll(commands)
    }

    /// What a reader does next.
    private enum ReadStep {
        case read(Int)
        case query
        case wait(EventLoopFuture<Void>)
        case end
    }

    /// Reads what the module holds for a socket (at least one byte, at most `maximum`), waiting for it as long as
    /// needed: driven by `+WIND:55`, with a SOCKQ every ``ModuleDriverConfiguration/pollInterval`` in case a WIND
    /// was lost. Returns an empty array once the peer closed and every byte was read.
    public func read(socket id: Int, maximum: Int? = nil) async throws -> [UInt8] {
        let limit = max(1, min(maximum ?? configuration.maximumRead, configuration.maximumRead))
        while true {
            let step = try await eventLoop.submit { () throws -> ReadStep in
                guard var socket = self.sockets[id] else { throw ModuleDriverError.socketNotOpen(id) }
                if socket.lost { throw ModuleDriverError.rebooted(command: "read from socket \(id)") }
                if socket.unread > 0 { return .read(min(socket.unread, limit)) }
                if socket.peerClosed { return socket.drained ? .end : .query }
                let promise = self.eventLoop.makePromise(of: Void.self)
                socket.waiter?.succeed()
                socket.waiter = promise
                self.sockets[id] = socket
                // Nothing left to read: the WINDs that announce more must flow again (the module sends the ones
                // it held while they were masked right after this).
                self.unmaskWinds()
                return .wait(promise.futureResult)
            }.get()
            switch step {
            case .end:
                return []
            case .read(let count):
                let data = try await readData(socket: id, count: count)
                if !data.isEmpty { return data }
            case .query:
                try await query(socket: id)
            case .wait(let woken):
                // Woken by a WIND about the socket, or by the poll interval passing.
                let poll = eventLoop.scheduleTask(in: TimeAmount(configuration.pollInterval)) {
                    guard var socket = self.sockets[id], socket.waiter?.futureResult === woken else { return }
                    self.wake(&socket)
                    self.sockets[id] = socket
                }
                try await woken.get()
                poll.cancel()
                let stillSilent = try await eventLoop.submit { () -> Bool in
                    guard let socket = self.sockets[id] else { return false }
                    return socket.unread == 0 && !socket.peerClosed && !socket.lost
                }.get()
                if stillSilent { try await query(socket: id) }
            }
        }
    }

    /// `AT+S.SOCKQ`: updates what the driver knows is waiting.
    private func query(socket id: Int) async throws {
        let dialect = await self.dialect
        try await eventLoop.flatSubmit {
            self.exchange(dialect.socketQueryCommand(socket: id), timeout: nil).flatMapThrowing { response in
                for case .pendingLength(let count) in response.lines {
                    guard var socket = self.sockets[id] else { return }
                    socket.unread = count
                    if count == 0 && socket.peerClosed { socket.drained = true }
                    self.sockets[id] = socket
                    return
                }
                throw ModuleDriverError.protocolViolation("SOCKQ answered without a length")
            }
        }.get()
    }

    /// One binary read: `SOCKR=<id>,<count>`. On a dialect whose SOCKR bytes have no header (SPWF01) WINDs 32–63
    /// are masked first, so none can land before the data; the mask stays on through a burst of reads and comes off
    /// when a reader has nothing left and waits (``unmaskWinds()``): one mask and one unmask per burst, not per read.
    private func readData(socket id: Int, count: Int) async throws -> [UInt8] {
        let dialect = await self.dialect
        let read = try command { () throws(ATCommandError) in try dialect.socketReadCommand(socket: id, count: count) }
        let masks = dialect.readsNeedWindMask && configuration.masksWindsAroundReads
        return try await eventLoop.flatSubmit { () -> EventLoopFuture<[UInt8]> in
            let mask: EventLoopFuture<ATHostSession.Response>
            if masks && self.windsMasked != true {
                self.windsMasked = true
                mask = self.exchange(dialect.socketWindMaskCommand(masked: true), timeout: nil)
                mask.whenFailure { _ in self.windsMasked = nil }
            } else {
                mask = self.eventLoop.makeSucceededFuture(ATHostSession.Response())
            }
            self.counters.socketReads += 1
            let data = self.exchange(read, timeout: nil).map { response -> [UInt8] in
                guard var socket = self.sockets[id] else { return response.data }
                if case .reading(let announced, let pending) = response.lines.first {
                    socket.unread = max(0, pending - announced)
                } else {
                    socket.unread = max(0, socket.unread - response.data.count)
                }
                self.sockets[id] = socket
                return response.data
            }
            return mask.and(data).map { $0.1 }
        }.get()
    }

    /// On the loop: clears the read mask, if it is on.
    func unmaskWinds() {
        let dialect = session.dialect
        guard dialect.readsNeedWindMask && configuration.masksWindsAroundReads, windsMasked != false else { return }
        windsMasked = false
        exchange(dialect.socketWindMaskCommand(masked: false), timeout: nil).whenFailure { _ in
            // Not known to be clear: tried again before the next wait.
            self.windsMasked = nil
        }
    }

    /// Closes a socket: SOCKC; while the module refuses with `Pending data`, the rest is read and dropped and
    /// SOCKC tried again (three times). A socket the module no longer has (closed, lost in a reboot) is simply
    /// forgotten.
    public func closeSocket(_ id: Int) async throws {
        let dialect = await self.dialect
        defer {
            eventLoop.execute {
                if var socket = self.sockets.removeValue(forKey: id) { self.wake(&socket) }
            }
        }
        let lost = try await eventLoop.submit { self.sockets[id]?.lost ?? true }.get()
        if lost { return }
        for _ in 0..<3 {
            do {
                try await send(dialect.socketCloseCommand(socket: id))
                return
            } catch let error as ModuleDriverError {
                switch error.moduleError {
                case ATError.pendingData?:
                    try await query(socket: id)
                    while let count = try await eventLoop.submit({ self.sockets[id]?.unread }).get(), count > 0 {
                        _ = try await readData(socket: id, count: min(count, configuration.maximumRead))
                    }
                case ATError.illegalSocketID?:
                    return
                default:
                    throw error
                }
            }
        }
        throw ModuleDriverError.module(command: "AT+S.SOCKC=\(id)", error: .pendingData)
    }

    /// The ids of the sockets the driver has open.
    public var openSockets: [Int] {
        get async { (try? await eventLoop.submit { self.sockets.keys.sorted() }.get()) ?? [] }
    }
}
