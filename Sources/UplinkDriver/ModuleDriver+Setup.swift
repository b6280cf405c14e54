import ATCodec
import NIOCore

extension ModuleDriver {
    /// Builds a command, turning a refused parameter into ``ModuleDriverError/invalidParameter(_:)``.
    func command(_ build: () throws(ATCommandError) -> ATHostCommand) throws -> ATHostCommand {
        do {
            return try build()
        } catch {
            throw ModuleDriverError(error)
        }
    }

    /// The commands that write `bytes` in chunks of at most ``ModuleDriverConfiguration/maximumWrite`` bytes, in
    /// order: `build` makes one from a chunk and that maximum.
    func writeCommands(
        _ bytes: [UInt8], _ build: (_ chunk: [UInt8], _ maximum: Int) throws(ATCommandError) -> ATHostCommand
    ) throws -> [ATHostCommand] {
        let size = max(1, configuration.maximumWrite)
        var commands: [ATHostCommand] = []
        var offset = 0
        while offset < bytes.count {
            let chunk = Array(bytes[offset..<min(bytes.count, offset + size)])
            commands.append(try command { () throws(ATCommandError) in try build(chunk, size) })
            offset += chunk.count
        }
        return commands
    }

    // MARK: - Reset and Wi-Fi

    /// Resets the module (`AT+CFUN=1` / `AT+S.RESET`) and waits until it has booted (`+WIND:32`); turns echo
    /// off again. Every socket is gone afterwards.
    public func reset() async throws {
        let dialect = await self.dialect
        try await send(dialect.resetHostCommand)
        try await start()
    }

    /// Configures the network (WPA2 with `passphrase`, open without), saves it, resets the module as mbed's
    /// driver does, and waits for `+WIND:24`. Returns the station's address. A join failure (`+WIND:20`, three
    /// deauthentications...) or no address within ``ModuleDriverConfiguration/wifiTimeout`` throws
    /// ``ModuleDriverError/wifiFailed(number:text:)``.
    @discardableResult
    public func joinWiFi(ssid: String, passphrase: String?) async throws -> String {
        let dialect = await self.dialect
        try await send(command { () throws(ATCommandError) in try dialect.ssidCommand(ssid) })
        if let passphrase {
            guard (8...63).contains(passphrase.utf8.count) else {
                throw ModuleDriverError.invalidParameter("a WPA passphrase of \(passphrase.utf8.count) bytes (8-63)")
            }
            try await send(
                command { () throws(ATCommandError) in
                    try dialect.setVariableCommand("wifi_wpa_psk_text", passphrase)
                })
        }
        try await send(
            command { () throws(ATCommandError) in
                try dialect.setVariableCommand("wifi_priv_mode", passphrase == nil ? "0" : "2")
            })
        try await send(command { () throws(ATCommandError) in try dialect.setVariableCommand("wifi_mode", "1") })
        try await send(dialect.saveHostCommand)
        let up = try await eventLoop.submit { () -> EventLoopFuture<String> in
            self.wifi = .unknown
            return self.wifiFuture(waitingAfterReset: true)
        }.get()
        try await reset()
        return try await up.get()
    }

    /// Waits until the station is up (already, or by `+WIND:24`), for at most `timeout`; returns its address.
    public func waitForWiFi(timeout: Duration? = nil) async throws -> String {
        try await eventLoop.flatSubmit { self.wifiFuture(waitingAfterReset: false, timeout: timeout) }.get()
    }

    /// The station's address when the last WINDs say it is up.
    public var wifiAddress: String? {
        get async {
            try? await eventLoop.submit { () -> String? in
                if case .up(let address) = self.wifi { return address }
                return nil
            }.get()
        }
    }

    private func wifiFuture(waitingAfterReset: Bool, timeout: Duration? = nil) -> EventLoopFuture<String> {
        if let closedReason = linkClosedReason {
            return eventLoop.makeFailedFuture(ModuleDriverError.linkClosed(closedReason))
        }
        if !waitingAfterReset, case .up(let address) = wifi { return eventLoop.makeSucceededFuture(address) }
        let promise = eventLoop.makePromise(of: String.self)
        wifiWaiters.append(promise)
        let limit = timeout ?? configuration.wifiTimeout
        let timer = eventLoop.scheduleTask(in: TimeAmount(limit)) {
            self.wifiWaiters.removeAll { $0.futureResult === promise.futureResult }
            var detail = "no +WIND:24 within \(limit)"
            if case .down(let number, let text) = self.wifi { detail += " (last: +WIND:\(number):\(text))" }
            promise.fail(ModuleDriverError.wifiFailed(number: 0, text: detail))
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        return promise.futureResult
    }

    /// On the loop: keeps track of what the WINDs say about the link, the sockets and reboots.
    func handle(_ indication: ATIndication) {
        switch indication {
        case .powerOn(let text):
            banner = text
            lose(.rebooted)
        case .reset, .hardFault:
            lose(.rebooted)
        case .wifiUp(let address):
            wifi = .up(address: address)
            deauthentications = 0
            let waiters = wifiWaiters
            wifiWaiters.removeAll()
            for waiter in waiters { waiter.succeed(address) }
        case .wifiFailure(let number, let text):
            wifi = .down(number: number, text: text)
            if number == 40 { deauthentications += 1 }
            // mbed gives up after three deauthentications; a join failure or a rejected network is final.
            if number == 20 || number == 74 || deauthentications >= 3 {
                deauthentications = 0
                let waiters = wifiWaiters
                wifiWaiters.removeAll()
                for waiter in waiters {
                    waiter.fail(ModuleDriverError.wifiFailed(number: number, text: text))
                }
            }
        case .pendingData(let id, let unread):
            guard var socket = sockets[id] else { return }
            socket.unread = unread
            wake(&socket)
            sockets[id] = socket
        case .socketClosed(let id):
            guard var socket = sockets[id] else { return }
            socket.peerClosed = true
            wake(&socket)
            sockets[id] = socket
        case .consoleActive, .hardwareStarted, .other, .commandMode, .dataMode, .serverClientConnected,
            .serverClientGone, .serverDroppingData, .serverPendingData, .mqttMessage, .mqttClosed:
            break
        }
    }

    private enum Loss { case rebooted }

    private func lose(_ loss: Loss) {
        wifi = .down(number: 2, text: "module rebooted")
        // The configuration it boots with may have been saved while a read had the WINDs masked: not known.
        windsMasked = nil
        for (id, var socket) in sockets {
            socket.lost = true
            wake(&socket)
            sockets[id] = socket
        }
    }

    func wake(_ socket: inout SocketState) {
        socket.waiter?.succeed()
        socket.waiter = nil
    }

    // MARK: - Configuration

    /// `AT+S.GCFG=<name>`: a configuration variable's value.
    public func configurationValue(_ name: String) async throws -> String {
        let dialect = await self.dialect
        let response = try await send(command { () throws(ATCommandError) in try dialect.getVariableCommand(name) })
        for case .variable(let key, let value) in response.lines where key == name { return value }
        throw ModuleDriverError.protocolViolation("GCFG \(name) answered without the variable")
    }

    /// `AT+S.SCFG=<name>,<value>`.
    public func setConfigurationValue(_ name: String, _ value: String) async throws {
        let dialect = await self.dialect
        try await send(command { () throws(ATCommandError) in try dialect.setVariableCommand(name, value) })
    }

    /// `AT+S.STS`: every status variable, in the order printed.
    public func status() async throws -> [(name: String, value: String)] {
        let dialect = await self.dialect
        let response = try await send(command { () throws(ATCommandError) in try dialect.statusCommand() })
        return response.lines.compactMap {
            if case .variable(let name, let value) = $0 { return (name, value) }
            return nil
        }
    }

    /// The banner of the last boot (`+WIND:1` text), when the driver saw it.
    public var firmwareBanner: String? {
        get async { try? await eventLoop.submit { self.banner }.get() }
    }

    // MARK: - Credentials and time

    /// Stores a CA, certificate (chain) or key in the slot that survives a reset. With `capacity`, a credential
    /// larger than the slot is refused here, before anything is sent
    /// (``ModuleDriverError/credentialTooLarge(slot:bytes:capacity:)``).
    public func storeCredential(_ slot: ATCredentialSlot, _ bytes: [UInt8], capacity: Int? = nil) async throws {
        if let capacity, bytes.count > capacity {
            throw ModuleDriverError.credentialTooLarge(slot: slot, bytes: bytes.count, capacity: capacity)
        }
        let dialect = await self.dialect
        try await send(command { () throws(ATCommandError) in try dialect.storeCredentialCommand(slot, bytes) })
    }

    /// SPWF01's `AT+S.TLSDOMAIN=f_domain,<name>`: the name the server certificate must carry.
    public func setTLSDomain(_ name: String) async throws {
        let dialect = await self.dialect
        try await send(command { () throws(ATCommandError) in try dialect.tlsDomainCommand(name) })
    }

    /// `AT+S.SETTIME`: the module's clock, which TLS checks certificates against.
    public func setTime(secondsSince1970 seconds: Int) async throws {
        let dialect = await self.dialect
        try await send(command { () throws(ATCommandError) in try dialect.setTimeCommand(seconds) })
    }
}

extension ModuleDriver {
    /// The module's open client sockets and the bytes waiting in each, found by asking SOCKQ for ids 0 to
    /// `count - 1` (an id the module has not open answers `Illegal Socket ID`).
    public func probeSockets(count: Int = 8) async throws -> [(id: Int, pending: Int)] {
        let dialect = await self.dialect
        var found: [(id: Int, pending: Int)] = []
        for id in 0..<max(0, min(count, 32)) {
            do {
                let response = try await send(dialect.socketQueryCommand(socket: id))
                for case .pendingLength(let pending) in response.lines { found.append((id, pending)) }
            } catch let error as ModuleDriverError where error.moduleError == .illegalSocketID {
                continue
            }
        }
        return found
    }

    /// The bytes stored in each credential slot, where the firmware tells (SPWF04's `AT+S.TLSCERT=content,1`);
    /// `nil` on SPWF01, whose firmware has no such query.
    public func credentialUsage() async throws -> [(slot: String, bytes: Int)]? {
        let dialect = await self.dialect
        guard let query = dialect.credentialContentCommand else { return nil }
        let response = try await send(query)
        return response.lines.compactMap {
            if case .variable(let name, let value) = $0, let bytes = Int(value) { return (name, bytes) }
            return nil
        }
    }
}
