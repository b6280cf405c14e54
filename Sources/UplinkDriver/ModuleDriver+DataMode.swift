import ATCodec
import NIOCore

/// What the driver holds for SPWF01 data mode.
struct DataModeState {
    /// The peer's bytes not yet taken by ``ModuleDriver/readData(maximum:)``.
    var buffer: [UInt8] = []
    /// A reader waiting for bytes (or for data mode to end).
    var waiter: EventLoopPromise<Void>?
    /// Releases the bytes the session holds as a possible start of `+WIND:59` once the link is quiet.
    var releaseTimer: Scheduled<Void>?
    /// Whether the link's reads are paused because ``buffer`` is full.
    var readsPaused = false
}

extension ModuleDriver {
    /// The most peer bytes the driver buffers in data mode before it stops reading the link (the module then
    /// holds the peer back).
    static let dataBufferLimit = 256 * 1024
    /// How long the link must be quiet before bytes held as a possible `+WIND:59` are given to the reader.
    static let heldDataQuiet = TimeAmount.milliseconds(20)

    /// SPWF01: starts the module's socket server on `port` (TCP, or UDP); clients come and go as
    /// ``ATIndication/serverClientConnected(address:)`` and ``ATIndication/serverClientGone(address:)``, their
    /// data is announced by ``ATIndication/serverPendingData(messages:last:total:)`` and read in data mode.
    public func startSocketServer(port: Int, udp: Bool = false) async throws {
        guard (1...65_535).contains(port) else {
            throw ModuleDriverError.invalidParameter("port \(port) is not 1 to 65535")
        }
        let dialect = await self.dialect
        let start = try command { () throws(ATCommandError) in try dialect.socketServerCommand(port: port, udp: udp) }
        try await send(start)
    }

    /// SPWF01: stops the socket server (and drops its client).
    public func stopSocketServer() async throws {
        let dialect = await self.dialect
        let stop = try command { () throws(ATCommandError) in try dialect.socketServerCommand(port: 0) }
        try await send(stop)
    }

    /// SPWF01: enters data mode (`AT+S.`, done at `+WIND:60`) with the socket server's client or the open client
    /// socket. Then ``writeData(_:)`` and ``readData(maximum:)``, and ``leaveDataMode(escape:)`` to get back.
    public func enterDataMode() async throws {
        let dialect = await self.dialect
        try await send(dialect.dataModeCommand)
    }

    /// SPWF01: leaves data mode with the escape sequence (`escape_seq`, `at+s.` by default); done at `+WIND:59`.
    public func leaveDataMode(escape: String = "at+s.") async throws {
        let dialect = await self.dialect
        let command = try command { () throws(ATCommandError) in try dialect.escapeCommand(escape) }
        try await send(command)
    }

    /// Whether the module is in data mode (as far as the driver has seen).
    public var isInDataMode: Bool {
        get async { (try? await eventLoop.submit { self.session.isInDataMode }.get()) ?? false }
    }

    /// Data mode: sends raw bytes to the peer. They must not contain the escape sequence (the module would leave
    /// data mode there).
    public func writeData(_ bytes: [UInt8]) async throws {
        try await eventLoop.submit { () throws in
            guard self.session.isInDataMode else { throw ModuleDriverError.protocolViolation("not in data mode") }
            self.apply(self.session.dataToSend(bytes))
        }.get()
    }

    /// Data mode: the peer's next bytes (at most `maximum`), waiting for them as long as needed; an empty array
    /// once data mode has ended and everything was read.
    public func readData(maximum: Int = 65_536) async throws -> [UInt8] {
        while true {
            let step = try await eventLoop.submit { () -> EventLoopFuture<Void>? in
                if !self.dataMode.buffer.isEmpty || !self.session.isInDataMode { return nil }
                self.dataMode.waiter?.succeed()
                let promise = self.eventLoop.makePromise(of: Void.self)
                self.dataMode.waiter = promise
                return promise.futureResult
            }.get()
            if let step {
                try await step.get()
                continue
            }
            return try await eventLoop.submit {
                let count = min(max(1, maximum), self.dataMode.buffer.count)
                let bytes = Array(self.dataMode.buffer.prefix(count))
                self.dataMode.buffer.removeFirst(count)
                if self.dataMode.readsPaused && self.dataMode.buffer.count < Self.dataBufferLimit / 2 {
                    self.dataMode.readsPaused = false
                    self.channel?.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
                    self.channel?.read()
                }
                return bytes
            }.get()
        }
    }

    /// On the loop: the session passed on data-mode bytes.
    func dataArrived(_ bytes: [UInt8]) {
        dataMode.buffer.append(contentsOf: bytes)
        if dataMode.buffer.count >= Self.dataBufferLimit && !dataMode.readsPaused {
            dataMode.readsPaused = true
            channel?.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        }
        wakeDataReader()
    }

    /// On the loop: after bytes from the link, bytes the session holds go to the reader if nothing follows soon.
    func scheduleHeldDataRelease() {
        dataMode.releaseTimer?.cancel()
        dataMode.releaseTimer = nil
        if !session.isInDataMode { wakeDataReader() }
        guard session.holdsData else { return }
        dataMode.releaseTimer = eventLoop.scheduleTask(in: Self.heldDataQuiet) { [self] in
            dataMode.releaseTimer = nil
            apply(session.releaseHeldData())
        }
    }

    /// On the loop: the link closed.
    func endDataMode() {
        dataMode.releaseTimer?.cancel()
        dataMode.releaseTimer = nil
        wakeDataReader()
    }

    private func wakeDataReader() {
        let waiter = dataMode.waiter
        dataMode.waiter = nil
        waiter?.succeed()
    }
}
