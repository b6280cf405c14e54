import ATCodec
import NIOCore
import NIOPosix
import Synchronization
import UplinkSerial

#if canImport(Glibc)
    import Glibc
#endif

/// A host-side driver for an SPWF01/SPWF04-compatible Wi-Fi module on a serial link: `uplink module` on its
/// pseudo-terminal, or real hardware on `/dev/ttyUSB0`.
///
/// The conversation itself is ``ATHostSession`` (a state machine without I/O); this class is its executor: it
/// owns the link as a SwiftNIO channel, writes what the session asks, feeds it what the link reads, and puts a
/// deadline on every exchange. All of its state lives on ``eventLoop``; the async methods hop there.
public final class ModuleDriver: @unchecked Sendable {
    /// The loop that owns the driver's state and the link.
    public let eventLoop: any EventLoop
    /// Deadlines and sizes.
    public let configuration: ModuleDriverConfiguration

    var session: ATHostSession
    /// The descriptor that holds the port's lock (`open(path:)`), closed by ``close()``.
    let portLock = Mutex<CInt>(-1)
    /// The session's dialect, readable without a hop to the loop (it changes once, at detection).
    private let currentDialect: Mutex<ATDialect>
    var channel: (any Channel)?
    private var pending: [ATHostSession.ExchangeID: PendingExchange] = [:]
    private var resynchronizing: EventLoopFuture<Void>?
    private var lastInput = NIODeadline.now()
    private var closedReason: String?
    private var capture: [UInt8]?
    private var subscribers: [Int: AsyncStream<ATIndication>.Continuation] = [:]
    private var nextSubscriber = 0
    var sockets: [Int: SocketState] = [:]
    var wifi = WiFiState.unknown
    var wifiWaiters: [EventLoopPromise<String>] = []
    /// Whether WINDs 32–63 are masked: the driver masks them for SPWF01 reads and leaves them so through a burst
    /// of reads; `nil` when it does not know (after a reboot the saved configuration may have them either way).
    var windsMasked: Bool? = nil
    /// Deauthentication WINDs since the last join.
    var deauthentications = 0
    /// What the driver did so far.
    var counters = ModuleDriverStatistics()
    /// The text of the last `+WIND:1` seen (the firmware's banner).
    var banner: String?
    /// SPWF01 data mode: the peer's bytes not yet read, and the reader waiting for them (ModuleDriver+DataMode).
    var dataMode = DataModeState()

    private struct PendingExchange {
        var promise: EventLoopPromise<ATHostSession.Response>
        var line: String
        var timeout: Duration
        var timer: Scheduled<Void>?
    }

    /// What the driver knows of the station's link, from the WINDs.
    enum WiFiState: Equatable {
        case unknown
        case down(number: Int, text: String)
        case up(address: String)
    }

    /// What the driver knows of one client socket.
    struct SocketState {
        /// Bytes waiting in the module, by the last `+WIND:55`, SOCKQ or SOCKR.
        var unread = 0
        /// The peer closed it (`+WIND:58`).
        var peerClosed = false
        /// A SOCKQ after `peerClosed` found nothing left: the stream has ended.
        var drained = false
        /// The module rebooted; the socket is gone.
        var lost = false
        /// A reader waiting for a WIND about this socket.
        var waiter: EventLoopPromise<Void>?
    }

    init(eventLoop: any EventLoop, dialect: ATDialect, configuration: ModuleDriverConfiguration) {
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.session = ATHostSession(dialect: dialect, maximumLineLength: configuration.maximumLineLength)
        self.currentDialect = Mutex(dialect)
    }

    /// Opens a serial device (a tty or a pseudo-terminal) raw, 8N1, and drives the module on it.
    ///
    /// With `dialect` `nil` the dialect is found from the module's answer to `AT` (`OK` or `AT-S.OK`). The module
    /// must be running (booted); ``reset()`` reboots it. Echo is turned off, as every driver does.
    public static func open(
        path: String, baud: Int = 115_200, hardwareFlowControl: Bool = false, dialect: ATDialect? = nil,
        configuration: ModuleDriverConfiguration = .init(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> ModuleDriver {
        // Two hosts reading one UART each get part of the replies: take the port exclusively (flock, as pyserial's
        // exclusive mode does), so a second driver is refused instead. The lock is taken on a descriptor of its
        // own, close-on-exec and never duplicated: the link's descriptors are dup'ed by SwiftNIO (without
        // close-on-exec), and a child process that inherited one would otherwise keep the port locked.
        let lock = Glibc.open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard lock >= 0 else {
            throw ModuleDriverError.linkClosed("\(path): \(String(cString: strerror(errno)))")
        }
        // A program that is closing the port may hold the lock a moment longer: try for up to a second.
        var locked = flock(lock, LOCK_EX | LOCK_NB) == 0
        for _ in 0..<20 where !locked && errno == EWOULDBLOCK {
            try? await Task.sleep(for: .milliseconds(50))
            locked = flock(lock, LOCK_EX | LOCK_NB) == 0
        }
        guard locked else {
            let code = errno
            Glibc.close(lock)
            throw ModuleDriverError.linkClosed(
                code == EWOULDBLOCK ? "\(path) is in use by another program" : "\(path): flock failed (errno \(code))")
        }
        let descriptor: CInt
        do {
            descriptor = try SerialPort.open(path: path, baud: baud, hardwareFlowControl: hardwareFlowControl)
        } catch {
            Glibc.close(lock)
            throw ModuleDriverError.linkClosed("\(path): \(error)")
        }
        let driver: ModuleDriver
        do {
            driver = try await attach(
                descriptor: descriptor, dialect: dialect, configuration: configuration, group: group)
        } catch {
            Glibc.close(lock)
            throw error
        }
        driver.portLock.withLock { $0 = lock }
        return driver
    }

    /// Drives the module on an open descriptor, which the driver takes over (and closes at ``close()``).
    public static func attach(
        descriptor: CInt, dialect: ATDialect? = nil, configuration: ModuleDriverConfiguration = .init(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> ModuleDriver {
        let loop = group.next()
        let driver = ModuleDriver(eventLoop: loop, dialect: dialect ?? .spwf01, configuration: configuration)
        let paceBaud = configuration.paceBaud
        let channel = try await NIOPipeBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let paceBaud {
                        try channel.pipeline.syncOperations.addHandler(PacedWriteHandler(baud: paceBaud))
                    }
                    try channel.pipeline.syncOperations.addHandler(ModuleLinkHandler(driver: driver))
                }
            }
            .takingOwnershipOfDescriptor(inputOutput: descriptor).get()
        try await loop.submit { driver.channel = channel }.get()
        do {
            if dialect == nil {
                try await driver.detectDialect()
            }
            try await driver.start()
        } catch {
            await driver.close()
            throw error
        }
        return driver
    }

    /// Why the link closed, once it has (on the loop).
    var linkClosedReason: String? { closedReason }

    /// The dialect the driver speaks.
    public var dialect: ATDialect {
        get async { currentDialect.withLock { $0 } }
    }

    /// What the driver did so far: bytes on the link, reads, WINDs.
    public var statistics: ModuleDriverStatistics {
        get async { (try? await eventLoop.submit { self.counters }.get()) ?? ModuleDriverStatistics() }
    }

    /// Closes the link; everything outstanding fails.
    public func close() async {
        let channel = try? await eventLoop.submit { self.channel }.get()
        try? await channel?.close()
        try? await channel?.closeFuture.get()
        releasePortLock()
    }

    private func releasePortLock() {
        let lock = portLock.withLock { lock -> CInt in
            defer { lock = -1 }
            return lock
        }
        if lock >= 0 { Glibc.close(lock) }
    }

    deinit {
        releasePortLock()
    }

    /// The WINDs as they arrive (from the moment of the call).
    public func indications() -> AsyncStream<ATIndication> {
        let (stream, continuation) = AsyncStream<ATIndication>.makeStream(bufferingPolicy: .bufferingNewest(256))
        eventLoop.execute {
            let key = self.nextSubscriber
            self.nextSubscriber += 1
            self.subscribers[key] = continuation
            continuation.onTermination = { _ in self.eventLoop.execute { self.subscribers[key] = nil } }
        }
        return stream
    }

    // MARK: - Exchanges

    /// Sends one command and waits for its reply (with `timeout`, or the configuration's default).
    @discardableResult
    public func send(_ command: ATHostCommand, timeout: Duration? = nil) async throws -> ATHostSession.Response {
        try await eventLoop.flatSubmit { self.exchange(command, timeout: timeout) }.get()
    }

    /// Sends commands back to back (they stay adjacent on the wire) and waits for every reply.
    func sendAll(_ commands: [ATHostCommand]) async throws -> [ATHostSession.Response] {
        let futures = try await eventLoop.submit { commands.map { self.exchange($0, timeout: nil) } }.get()
        var responses: [ATHostSession.Response] = []
        var firstError: (any Error)?
        for future in futures {
            do {
                responses.append(try await future.get())
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
        return responses
    }

    /// On the loop: submits `command` (after a resynchronisation when one is needed).
    func exchange(_ command: ATHostCommand, timeout: Duration?) -> EventLoopFuture<ATHostSession.Response> {
        eventLoop.preconditionInEventLoop()
        if let closedReason {
            return eventLoop.makeFailedFuture(ModuleDriverError.linkClosed(closedReason))
        }
        if session.isDesynchronized {
            let ready = resynchronizing ?? resynchronize()
            return ready.flatMap { self.exchange(command, timeout: timeout) }
        }
        let promise = eventLoop.makePromise(of: ATHostSession.Response.self)
        let limit = timeout ?? defaultTimeout(for: command)
        let (id, effects) = session.submit(command)
        let timer = eventLoop.scheduleTask(in: TimeAmount(limit)) { [self] in
            apply(session.expire(id))
        }
        pending[id] = PendingExchange(promise: promise, line: command.line, timeout: limit, timer: timer)
        apply(effects)
        return promise.futureResult
    }

    private func defaultTimeout(for command: ATHostCommand) -> Duration {
        if command.reply == .reboot { return configuration.resetTimeout }
        if command.line.utf8.starts(with: "AT+S.SOCKON".utf8) { return configuration.socketOpenTimeout }
        return configuration.commandTimeout
    }

    /// Runs the session's effects.
    func apply(_ effects: [ATHostSession.Effect]) {
        for effect in effects {
            switch effect {
            case .write(let bytes):
                guard let channel else { continue }
                counters.bytesSent += bytes.count
                channel.writeAndFlush(channel.allocator.buffer(bytes: bytes), promise: nil)
            case .completed(let id, let result):
                guard let exchange = pending.removeValue(forKey: id) else { continue }
                exchange.timer?.cancel()
                switch result {
                case .success(let response):
                    exchange.promise.succeed(response)
                case .failure(let failure):
                    exchange.promise.fail(error(failure, exchange))
                }
            case .data(let bytes):
                dataArrived(bytes)
            case .indication(let indication):
                if case .pendingData = indication { counters.pendingDataIndications += 1 }
                handle(indication)
                for subscriber in subscribers.values { subscriber.yield(indication) }
            }
        }
    }

    private func error(_ failure: ATHostSession.Failure, _ exchange: PendingExchange) -> ModuleDriverError {
        switch failure {
        case .module(let error): return .module(command: exchange.line, error: error)
        case .rebooted: return .rebooted(command: exchange.line)
        case .timedOut: return .timedOut(command: exchange.line, after: exchange.timeout)
        case .protocolViolation(let what): return .protocolViolation("\(what) (\(exchange.line))")
        case .desynchronized:
            return closedReason.map { .linkClosed($0) }
                ?? .protocolViolation("lost track of replies (\(exchange.line))")
        }
    }

    // MARK: - Link events (on the loop)

    func linkReceived(_ buffer: ByteBuffer) {
        lastInput = .now()
        counters.bytesReceived += buffer.readableBytes
        if capture != nil { capture?.append(contentsOf: buffer.readableBytesView) }
        apply(session.receive(buffer.readableBytesView))
        scheduleHeldDataRelease()
    }

    func linkClosed(_ reason: String) {
        guard closedReason == nil else { return }
        closedReason = reason
        channel = nil
        apply(session.failAll(.desynchronized))
        for (id, var socket) in sockets {
            socket.lost = true
            socket.waiter?.succeed()
            socket.waiter = nil
            sockets[id] = socket
        }
        endDataMode()
        for waiter in wifiWaiters { waiter.fail(ModuleDriverError.linkClosed(reason)) }
        wifiWaiters.removeAll()
        for subscriber in subscribers.values { subscriber.finish() }
        subscribers.removeAll()
    }

    // MARK: - Synchronisation

    /// Waits until the link has been quiet for a moment, forgets what it holds, and checks the module answers
    /// `AT` (three tries).
    private func resynchronize() -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        resynchronizing = promise.futureResult
        resynchronize(tries: 3, started: .now(), promise: promise)
        return promise.futureResult
    }

    private func resynchronize(tries: Int, started: NIODeadline, promise: EventLoopPromise<Void>) {
        let quiet = NIODeadline.now() - lastInput >= .milliseconds(200)
        if !quiet && NIODeadline.now() - started < .seconds(3) {
            eventLoop.scheduleTask(in: .milliseconds(50)) {
                self.resynchronize(tries: tries, started: started, promise: promise)
            }
            return
        }
        session.resynchronized()
        exchange(session.dialect.attentionCommand, timeout: .seconds(1)).whenComplete { result in
            switch result {
            case .success:
                self.resynchronizing = nil
                promise.succeed()
            case .failure(let error):
                if tries > 1 && self.closedReason == nil {
                    self.resynchronize(tries: tries - 1, started: .now(), promise: promise)
                } else {
                    self.resynchronizing = nil
                    promise.fail(ModuleDriverError.notResponding("no OK to AT after a lost reply (\(error))"))
                }
            }
        }
    }

    /// Finds the dialect from the reply to `AT`: `AT-S.OK` is SPWF04, `OK` SPWF01.
    private func detectDialect() async throws {
        for _ in 0..<3 {
            try await eventLoop.submit {
                self.capture = []
                self.channel?.writeAndFlush(self.channel?.allocator.buffer(string: "AT\r"), promise: nil)
            }.get()
            // Up to 2 s for the answer; a module still booting may take a while.
            for _ in 0..<40 {
                try await Task.sleep(for: .milliseconds(50))
                let found: ATDialect? = try await eventLoop.submit {
                    let text = String(decoding: self.capture ?? [], as: UTF8.self)
                    if text.contains("AT-S.OK") { return .spwf04 }
                    if text.contains("OK\r\n") { return .spwf01 }
                    return nil
                }.get()
                if let found {
                    // A slow module may still answer an earlier AT: let the link go quiet and drop what it held, so
                    // no stray OK is taken for the reply to the next command.
                    let started = ContinuousClock.now
                    while ContinuousClock.now - started < .seconds(2),
                        try await eventLoop.submit({ NIODeadline.now() - self.lastInput < .milliseconds(150) }).get()
                    {
                        try await Task.sleep(for: .milliseconds(25))
                    }
                    try await eventLoop.submit {
                        self.capture = nil
                        self.session.setDialect(found)
                        self.session.resynchronized()
                        self.currentDialect.withLock { $0 = self.session.dialect }
                    }.get()
                    return
                }
            }
        }
        try await eventLoop.submit { self.capture = nil }.get()
        throw ModuleDriverError.notResponding("no OK to AT in either dialect")
    }

    /// Echo off, then `AT` to check the conversation is in step.
    /// Then asks the station's address (`AT+S.STS=ip_ipaddr`, as mbed's driver does), so a module that joined
    /// before the driver attached is known to be up.
    func start() async throws {
        let dialect = await self.dialect
        try await send(dialect.echoCommand(on: false))
        try await send(dialect.attentionCommand)
        let status = try await send(command { () throws(ATCommandError) in try dialect.statusCommand("ip_ipaddr") })
        for case .variable("ip_ipaddr", let address) in status.lines where address != "0.0.0.0" && !address.isEmpty {
            try await eventLoop.submit {
                if case .unknown = self.wifi { self.wifi = .up(address: address) }
            }.get()
        }
    }
}

/// Feeds the link's bytes to the driver, on its loop.
final class ModuleLinkHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private let driver: ModuleDriver

    init(driver: ModuleDriver) {
        self.driver = driver
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        driver.linkReceived(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        driver.linkClosed("the link closed")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        driver.linkClosed("\(error)")
        context.close(promise: nil)
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        self = .nanoseconds(
            nanoseconds.overflow ? Int64.max : nanoseconds.partialValue &+ attoseconds / 1_000_000_000)
    }
}

/// Counters of a driver's work, for benchmarks and diagnostics.
public struct ModuleDriverStatistics: Sendable {
    /// Bytes written to the link (commands and socket data).
    public var bytesSent = 0
    /// Bytes read from the link (replies, WINDs, socket data).
    public var bytesReceived = 0
    /// SOCKR commands sent.
    public var socketReads = 0
    /// `+WIND:55` received.
    public var pendingDataIndications = 0

    /// All zero.
    public init() {}
}
