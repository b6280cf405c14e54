import ATCodec

/// SPWF04 server sockets from the host: start one, list its clients, read, write, drop a client, stop.
///
/// Clients connecting, leaving and sending come as WINDs 61, 62 and 55 on ``ModuleDriver/indications()``
/// (`.other(number:text:)`); ``ATDialect/parseServerIndication(number:text:)`` reads them. ``readServer(server:client:maximum:)``
/// does not wait: it returns what the module holds now (SOCKDQ, then SOCKDR).
extension ModuleDriver {
    /// `AT+S.SOCKDON`: starts a server socket on `port` of the module's machine; returns its server id.
    public func openServer(port: Int, kind: ATServerSocketKind) async throws -> Int {
        let dialect = await self.dialect
        let open = try command { () throws(ATCommandError) in try dialect.serverOpenCommand(port: port, kind: kind) }
        let response = try await send(open)
        for line in response.lines {
            if let id = dialect.parseServerOpened(line) { return id }
        }
        throw ModuleDriverError.protocolViolation("SOCKDON answered OK without a server id")
    }

    /// `AT+S.SOCKDL`: the running server sockets (or one) and their clients.
    public func serverList(server: Int? = nil) async throws -> [ATServerListEntry] {
        let dialect = await self.dialect
        let response = try await send(dialect.serverListCommand(server: server))
        return response.lines.compactMap { dialect.parseServerListLine($0) }
    }

    /// `AT+S.SOCKDQ`: how many bytes wait from a client (UDP: the next datagram).
    public func serverPending(server: Int, client: Int) async throws -> Int {
        let dialect = await self.dialect
        let response = try await send(dialect.serverQueryCommand(server: server, client: client))
        for case .pendingLength(let count) in response.lines { return count }
        throw ModuleDriverError.protocolViolation("SOCKDQ answered without a length")
    }

    /// What a client sent that the module holds now (at most `maximum`, at most
    /// ``ModuleDriverConfiguration/maximumRead``); empty when nothing waits.
    public func readServer(server: Int, client: Int, maximum: Int? = nil) async throws -> [UInt8] {
        let pending = try await serverPending(server: server, client: client)
        guard pending > 0 else { return [] }
        let count = min(pending, max(1, min(maximum ?? configuration.maximumRead, configuration.maximumRead)))
        let dialect = await self.dialect
        let read = try command { () throws(ATCommandError) in
            try dialect.serverReadCommand(server: server, client: client, count: count)
        }
        return try await send(read).data
    }

    /// Writes all of `bytes` to a client, in SOCKDW commands of at most ``ModuleDriverConfiguration/maximumWrite``.
    public func writeServer(server: Int, client: Int, _ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { return }
        let dialect = await self.dialect
        let commands = try writeCommands(bytes) { chunk, size throws(ATCommandError) in
            try dialect.serverWriteCommand(server: server, client: client, chunk, maximum: size)
        }
        _ = try await sendAll(commands)
    }

    /// `AT+S.SOCKDC`: drops one client, or (no `client`) stops the server and drops all of its clients. The module
    /// refuses while unread data remains (`Pending data`).
    public func closeServer(server: Int, client: Int? = nil) async throws {
        let dialect = await self.dialect
        _ = try await send(dialect.serverCloseCommand(server: server, client: client))
    }
}
