import ATCodec
import NIOCore
import NIOPosix
import Synchronization

/// The software module: reads AT commands from a host's byte stream and answers as an SPWF module.
///
/// The engine knows nothing about the link (pty, UART, TCP): a link feeds it with ``receive(_:)``
/// and gives it a sink for output with ``attach(output:)``. All of its state lives on one event loop;
/// every public method must be called on ``eventLoop`` (the socket channels run there too, so there
/// is no locking anywhere).
public final class ModuleEngine: @unchecked Sendable {
    enum State {
        case idle
        case awaitingBlock(then: ([UInt8]) throws(ATError) -> CommandOutcome)
        /// An effect is in flight; its reply comes when it completes or its deadline passes.
        case busy(PendingEffect)
        case rebooting
    }

    /// The event loop that owns the engine.
    public let eventLoop: any EventLoop
    /// The options it was created with.
    public let options: ModuleOptions
    let dialect: ATDialect
    let flash: any Flash
    /// A resolver given by the embedder (tests), used instead of the module's own.
    let resolverOverride: (any HostResolver)?
    private var ownResolver: ModuleHostResolver?
    /// Earlier resolvers (the DNS servers changed) with lookups still in progress, cancelled at shutdown.
    private var retiredResolvers: [ModuleHostResolver] = []
    let commands: [String: ATCommandSpec]

    var config: ModuleConfiguration
    var framer: ATLineFramer
    var state = State.rebooting
    var sockets: [ModuleSocket?]
    /// SPWF04 server sockets (SOCKDON), by server id (ModuleServerSocket.swift).
    var servers: [ModuleServerSocket?] = Array(repeating: nil, count: ModuleServerSocket.serverLimit)
    var radio = RadioState.off
    var clockOffset: Int64 = 0
    var credentials: ModuleCredentials
    /// The SPWF04's MQTT connection (`AT+S.MQTTCONN`), see MQTTClientCommands.swift.
    var mqttSession: ModuleMQTTSession?
    /// What the MQTT client does off the loop but on it underneath (an MQTTCONN's connect, a closed session's
    /// DISCONNECT and tasks, an abandoned command), by key: ``stop()`` waits for it before the loop may be shut down.
    let closingWork = Mutex<(next: Int, tasks: [Int: Task<Void, Never>])>((0, [:]))
    var bootedAt = NIODeadline.now()
    /// Bumped at every reset, so work started before it is ignored when it completes.
    var generation = 0
    /// Bumped when the radio restarts or stops, so a join sequence in progress is abandoned.
    var radioGeneration = 0
    /// SPWF01 data mode, while the host's bytes go raw to a peer (DataMode.swift).
    var dataMode: DataModeSession?
    /// The SPWF01 socket server (`AT+S.SOCKD`), while it listens (SocketServerCommands.swift).
    var socketServer: SocketServer?

    private var output: ByteBuffer
    private var sink: ((ByteBuffer) -> Void)?
    private var pendingWinds: [PendingWind] = []
    private var blockTimer: Scheduled<Void>?
    private var effectTimer: Scheduled<Void>?
    /// Lines (and line errors) that arrived while an effect was in flight, with their echo; run in order
    /// when it ends. At most ``busyQueueLimit``; a line that announces a data block is always the last.
    private var queued: [(event: ATLineFramer.Event, echo: [UInt8])] = []
    private var queuedBytes = 0
    private var blockProgress = 0
    var inputFlow: ((Bool) -> Void)?
    private var inputPaused = false
    /// Whether the link said the host is not taking output (its write buffer is over its high-water mark): the
    /// module then reads neither host lines nor sockets until it drains.
    private var outputBlocked = false
    var trace: ModuleTrace?
    /// Whether the data block awaited holds a private key (AT+S.TLSCERT to a key slot): the trace hides it.
    private var blockIsSecret = false
    /// How many error lines the module printed; the next one's log id is `E<count + 1>`.
    private var errorCount = 0
    /// The detail of the error a command is about to throw, for the log (``emitError(_:detail:)``).
    var errorDetail: String?

    /// The largest amount of host input buffered while a command is in progress before the link is
    /// asked to stop reading.
    static let inputHighWater = 65_536
    /// The most lines queued while an effect is in flight; beyond them input waits in the framer (and
    /// the link is paused past ``inputHighWater``).
    static let busyQueueLimit = 64
    /// Commands whose line is followed by a raw data block: nothing after one is read as a line while
    /// an effect is in flight, because the block's bytes may be anything.
    static let blockCommands: Set<String> = [
        "AT+S.SOCKW", "AT+S.SOCKDW", "AT+S.TLSCERT", "AT+S.FSC", "AT+S.FSA",
    ]

    /// Whether a command line announces a block of key material: AT+S.TLSCERT to `key` or `f_key`.
    static func announcesKey(_ line: ATCommandLine) -> Bool {
        guard line.name == "AT+S.TLSCERT", let slot = line.fields(limit: 2).first else { return false }
        return slot.lowercased().hasSuffix("key")
    }

    /// Creates a module; call ``powerOn()`` to boot it.
    public init(
        eventLoop: any EventLoop, options: ModuleOptions, flash: any Flash,
        resolver: (any HostResolver)? = nil, trace: ModuleTrace? = nil
    ) {
        self.eventLoop = eventLoop
        self.options = options
        self.dialect = options.profile.dialect
        self.flash = flash
        self.resolverOverride = resolver
        self.trace = trace
        self.config = ModuleConfiguration(
            profile: options.profile, serial: options.serial, macAddress: options.macAddress)
        self.framer = ATLineFramer(maximumLineLength: options.profile.maximumLineLength)
        self.sockets = Array(repeating: nil, count: options.profile.socketCount)
        self.credentials = ModuleCredentials(layout: options.slotLayout)
        self.output = ByteBufferAllocator().buffer(capacity: 8192)
        var table: [String: ATCommandSpec] = [:]
        for spec in ModuleEngine.commandCatalog where spec.families.contains(options.profile.dialect.family) {
            table[spec.name] = spec
        }
        self.commands = table
    }

    // MARK: - Link side

    /// Sets where the module's output goes (the link). Output produced with no sink is discarded,
    /// as a UART with nothing attached would.
    public func attach(output sink: @escaping (ByteBuffer) -> Void) {
        eventLoop.preconditionInEventLoop()
        self.sink = sink
    }

    /// Removes the output sink.
    public func detachOutput() {
        eventLoop.preconditionInEventLoop()
        sink = nil
    }

    /// Registers a callback the engine calls with `false` to pause the link's reads and `true` to resume.
    public func setInputFlowHandler(_ handler: @escaping (Bool) -> Void) {
        eventLoop.preconditionInEventLoop()
        inputFlow = handler
    }

    /// Tells the module whether the link takes more output. While it does not, the module stops reading the
    /// host's input and its sockets (their peers see TCP backpressure), so a host that writes but never reads
    /// cannot make it buffer without bound; all resumes when the link drains.
    public func setOutputWritable(_ writable: Bool) {
        eventLoop.preconditionInEventLoop()
        guard outputBlocked == writable else { return }
        outputBlocked = !writable
        for socket in sockets.compactMap({ $0 }) + serverClients { socket.holdForOutput(outputBlocked) }
        socketServer?.client?.holdForOutput(outputBlocked)
        if writable {
            forwardPeerData()
            pump()
        } else {
            updateInputFlow()
        }
    }

    /// Whether output to the host is backed up (``setOutputWritable(_:)``).
    var isOutputBlocked: Bool { outputBlocked }

    /// A new host connection: drops half-received input (a partial line or block of the previous host).
    public func hostChanged() {
        eventLoop.preconditionInEventLoop()
        if case .awaitingBlock = state {
            blockTimer?.cancel()
            blockTimer = nil
            framer.abandonBlock()
            emitError(.dataTimeout)
            state = .idle
        }
        framer.reset()
        dropQueue()
        refreshEcho()
        pump()
    }

    /// Bytes from the host.
    public func receive(_ bytes: ByteBuffer) {
        eventLoop.preconditionInEventLoop()
        if dataMode != nil {
            receiveInDataMode(bytes)
            return
        }
        framer.append(contentsOf: bytes.readableBytesView)
        pump()
    }

    /// Boots the module as at power-on: restores the saved configuration and prints the boot WINDs.
    public func powerOn() {
        eventLoop.preconditionInEventLoop()
        boot()
    }

    /// The reset line pulsed (as mbed's driver does at start-up): `+WIND:2`, then the boot WINDs.
    public func resetLine() {
        eventLoop.preconditionInEventLoop()
        reset()
    }

    /// Closes every socket and waits for what they still do off the loop (an MQTT client's DISCONNECT, at most 2 s):
    /// after it returns, the event loop can be shut down. Call from outside the loop.
    public func stop() async {
        try? await eventLoop.submit { self.shutdown() }.get()
        while true {
            // What is queued on the loop runs first: a connect's completion, say, may hand a disconnect to the list.
            try? await eventLoop.submit {}.get()
            let tasks = closingWork.withLock { Array($0.tasks.values) }
            if tasks.isEmpty { return }
            for task in tasks { await task.value }
        }
    }

    /// Runs `work` off the loop and keeps it until it ends, for ``stop()`` to wait on (see ``closingWork``).
    func finishInBackground(_ work: @escaping @Sendable () async -> Void) {
        closingWork.withLock { state in
            let key = state.next
            state.next += 1
            // Made under the lock: the task cannot remove its entry before it is stored.
            state.tasks[key] = Task { [self] in
                await work()
                closingWork.withLock { _ = $0.tasks.removeValue(forKey: key) }
            }
        }
    }

    /// Closes every socket (the process is exiting); ``stop()`` also waits for what they still do off the loop.
    public func shutdown() {
        eventLoop.preconditionInEventLoop()
        generation += 1
        // The effect in flight first, so that what the cancellations below complete is ignored.
        effectTimer?.cancel()
        effectTimer = nil
        if case .busy(let effect) = state {
            state = .idle
            effect.abandon()
        }
        // Lookups in progress fail now, on this loop, rather than complete on it after it is gone.
        resolverOverride?.cancelPending()
        ownResolver?.cancelPending()
        for resolver in retiredResolvers { resolver.cancelPending() }
        retiredResolvers.removeAll()
        closeAllSockets()
        flushOutput()
    }

    // MARK: - Output

    /// Writes text output (a reply, an information line, a WIND).
    func emit(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        trace?.record(.toHost, bytes, binary: false)
        output.writeBytes(bytes)
    }

    /// Writes raw data (SOCKR, FSP); `secret` bytes (a private key) are hidden in the trace.
    func emitBinary(_ buffer: ByteBuffer, secret: Bool = false) {
        guard buffer.readableBytes > 0 else { return }
        trace?.record(.toHost, buffer.readableBytesView, binary: true, secret: secret)
        var copy = buffer
        output.writeBuffer(&copy)
    }

    /// Writes the dialect's success line.
    func emitOK() {
        if dialect.family == .spwf04 && config.integer("console_verbose") >= 1 {
            emit(dialect.ok(verboseFields: (freeHeap, radio.stateCode)))
        } else {
            emit(dialect.ok())
        }
    }

    /// Writes the dialect's error line — always a catalogue entry, whose text never changes — and logs it with
    /// a short id (`E<n>`, counted from 1 in this process) and the detail the host does not see: on the module's
    /// logger and, as a `note` line, in the trace, right before the error line itself. `detail` (or else
    /// ``errorDetail``, set by a command before it throws) is the precise reason (a TLS library's error, the
    /// rejected credential's problem); it never holds key bytes.
    func emitError(_ error: ATError, detail: String? = nil) {
        let line = dialect.error(error, verbosity: config.integer("console1_errs"))
        errorCount += 1
        let id = "E\(errorCount)"
        let why = detail ?? errorDetail
        errorDetail = nil
        let summary = "\(id) \(error.code) \(error.text)" + (why.map { " -- \($0)" } ?? "")
        trace?.note(summary)
        options.logger.notice(
            "\(summary)", metadata: ["error.id": "\(id)", "error.code": "\(error.code)"])
        #if DEBUG
            // Debug builds (every test run) stop at an error line a firmware could not rely on, so no test of the
            // suite can produce one unnoticed.
            let problems = ModuleEngine.errorLineProblems(error, line, dialect: dialect)
            assert(problems.isEmpty, "error line \"\(EscapedBytes.text(line))\": \(problems.joined(separator: ", "))")
        #endif
        emit(line)
    }

    /// What is wrong with an error line the module is about to print: empty when `error` is a catalogue entry
    /// and the rendered line passes ``ATDialect/errorLineProblems(_:)`` (at most 120 bytes, no type names, no
    /// paths...).
    public static func errorLineProblems(_ error: ATError, _ line: [UInt8], dialect: ATDialect) -> [String] {
        (ATError.catalogue.contains(error) ? [] : ["not in the catalogue"]) + dialect.errorLineProblems(line)
    }

    func flushOutput() {
        guard output.readableBytes > 0 else { return }
        let chunk = output
        output = ByteBufferAllocator().buffer(capacity: 8192)
        sink?(chunk)
    }

    // MARK: - WINDs

    struct PendingWind {
        var number: Int
        var text: String
        var socket: ModuleSocket?
        /// The whole WIND as bytes, when it carries raw data (SPWF04's `+WIND:86`); held, not dropped, while masked.
        var raw: [UInt8]? = nil
        /// Runs once the WIND is written (the MQTT client's buffer accounting).
        var onSent: (() -> Void)? = nil
    }

    /// Queues a WIND given as bytes (it carries raw data); `onSent` runs when it is written.
    func indicateRaw(_ number: Int, _ bytes: [UInt8], onSent: (() -> Void)?) {
        pendingWinds.append(PendingWind(number: number, text: "", socket: nil, raw: bytes, onSent: onSent))
        flushWindsIfIdle()
    }

    /// Queues a WIND; it goes out at once when no command is in progress, else right after the reply.
    func indicate(_ number: Int, _ text: String) {
        pendingWinds.append(PendingWind(number: number, text: text, socket: nil))
        flushWindsIfIdle()
    }

    /// Queues `+WIND:58` (the peer closed) for a socket.
    func indicateClosed(_ socket: ModuleSocket) {
        pendingWinds.append(PendingWind(number: 58, text: dialect.socketClosedText(socket: socket.id), socket: socket))
        flushWindsIfIdle()
    }

    /// Queues `+WIND:55` for a socket; several arrivals before it goes out make one WIND.
    func indicatePendingData(_ socket: ModuleSocket) {
        if !pendingWinds.contains(where: { $0.number == 55 && $0.socket === socket }) {
            pendingWinds.append(PendingWind(number: 55, text: "", socket: socket))
        }
        flushWindsIfIdle()
    }

    private func flushWindsIfIdle() {
        switch state {
        case .idle:
            flushWinds()
            flushOutput()
        case .awaitingBlock, .busy, .rebooting:
            break
        }
    }

    /// Sends the queued WINDs. A masked WIND is dropped, except the socket WINDs 55 and 58, which are
    /// held until the mask is cleared: a host that masks WINDs around SOCKON and SOCKR (mbed does)
    /// must still learn of data and of a peer's close. A held one goes out only if it still applies —
    /// WIND 55 with the unread count as of then (none if the host read everything meanwhile), WIND 58
    /// only while that socket is still open (not closed and its id reused).
    private func flushWinds() {
        // In data mode the host's stream is the peer's bytes: WINDs wait for command mode.
        guard dataMode == nil else { return }
        let winds = pendingWinds
        pendingWinds.removeAll()
        // Run after the loop: they may queue more WINDs, which must come after these.
        var sent: [() -> Void] = []
        defer { for action in sent { action() } }
        for wind in winds {
            if let raw = wind.raw {
                if isMasked(wind.number) {
                    pendingWinds.append(wind)
                } else {
                    emit(raw)
                    if let onSent = wind.onSent { sent.append(onSent) }
                }
                continue
            }
            if isMasked(wind.number) {
                if wind.number == 55 || wind.number == 58, let socket = wind.socket, isAttached(socket) {
                    pendingWinds.append(wind)
                }
                continue
            }
            if wind.number == 58, let socket = wind.socket {
                guard isAttached(socket) else { continue }
                emit(dialect.wind(58, wind.text))
            } else if let socket = wind.socket {
                guard isAttached(socket), socket.unread > 0 else { continue }
                let text = pendingDataText(socket)
                socket.receivedSinceIndication = 0
                emit(dialect.wind(55, text))
            } else {
                emit(dialect.wind(wind.number, wind.text))
            }
        }
    }

    /// Whether `wind_off_*` silences WIND `number` (bit n of low/medium/high for n, n-32, n-64).
    func isMasked(_ number: Int) -> Bool {
        let key: String
        switch number {
        case 0..<32: key = "wind_off_low"
        case 32..<64: key = "wind_off_medium"
        case 64..<96: key = "wind_off_high"
        default: return false
        }
        return config.mask(key) & (UInt32(1) << UInt32(number % 32)) != 0
    }

    // MARK: - Command processing

    var echoEnabled: Bool { config.integer("localecho1") == 1 }

    /// Collects line bytes from the framer when they are echoed or traced.
    func refreshEcho() {
        framer.collectsEcho = echoEnabled || trace != nil
    }

    /// The console delimiter (`console1_delimiter`), which separates parameters.
    var delimiter: Unicode.Scalar {
        Unicode.Scalar(UInt8(clamping: config.integer("console1_delimiter")))
    }

    func pump() {
        loop: while true {
            switch state {
            case .rebooting:
                break loop
            case .busy:
                // Reset is served at once; other lines wait their turn.
                if queueWhileBusy() { continue }
                break loop
            case .idle where outputBlocked:
                // The host is not reading: its next lines wait (in the framer, then in the link) until it does.
                break loop
            case .idle where !queued.isEmpty:
                let next = queued.removeFirst()
                queuedBytes -= Self.size(of: next.event)
                consumeEcho(next.echo)
                handle(next.event)
            case .idle, .awaitingBlock:
                guard let event = framer.next() else { break loop }
                takeEcho()
                handle(event)
            }
        }
        // While busy, the echo of a partial line waits for its line, which waits in the queue.
        if !isBusy { takeEcho() }
        if case .idle = state { flushWinds() }
        flushOutput()
        updateInputFlow()
    }

    private var isBusy: Bool {
        if case .busy = state { return true }
        return false
    }

    /// While an effect is in flight: moves complete lines from the framer to the queue, and runs the
    /// dialect's reset command as soon as it is seen (the queued lines are dropped with the rest of the
    /// input, as at every reset). Returns whether it reset.
    private func queueWhileBusy() -> Bool {
        while queued.count < Self.busyQueueLimit, !queueEndsInBlockCommand, let event = framer.next() {
            let echo = framer.collectsEcho ? framer.takeEcho() : []
            if case .line(let bytes) = event, isResetLine(bytes) {
                for entry in queued { trace?.record(.fromHost, entry.echo, binary: false) }
                dropQueue()
                consumeEcho(echo)
                handle(event)
                return true
            }
            queued.append((event, echo))
            queuedBytes += Self.size(of: event)
        }
        return false
    }

    /// Whether the last queued line announces a data block.
    private var queueEndsInBlockCommand: Bool {
        guard case .line(let bytes) = queued.last?.event, let line = try? ATCommandLine.parse(bytes) else {
            return false
        }
        return Self.blockCommands.contains(line.name)
    }

    /// Whether a line is this dialect's reset command, well formed (`AT+CFUN=0|1`, `AT+S.RESET`).
    private func isResetLine(_ bytes: [UInt8]) -> Bool {
        guard let line = try? ATCommandLine.parse(bytes), line.name == dialect.resetCommand,
            let spec = commands[line.name], case .reset? = try? spec.run(self, line)
        else { return false }
        return true
    }

    private func dropQueue() {
        queued.removeAll()
        queuedBytes = 0
    }

    private static func size(of event: ATLineFramer.Event) -> Int {
        switch event {
        case .line(let bytes), .block(let bytes): return bytes.count
        case .lineTooLong: return 0
        }
    }

    /// Echoes (and traces) line bytes taken from the framer earlier.
    private func consumeEcho(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        trace?.record(.fromHost, bytes, binary: false)
        if echoEnabled {
            output.writeBytes(bytes)
        }
    }

    private func takeEcho() {
        guard framer.collectsEcho else { return }
        let consumed = framer.takeEcho()
        guard !consumed.isEmpty else { return }
        trace?.record(.fromHost, consumed, binary: false)
        if echoEnabled {
            output.writeBytes(consumed)
        }
    }

    func updateInputFlow() {
        let shouldPause =
            outputBlocked || framer.bufferedCount + queuedBytes > ModuleEngine.inputHighWater
            || dataModeHoldsInput
        if shouldPause != inputPaused {
            inputPaused = shouldPause
            inputFlow?(!shouldPause)
        }
    }

    private func handle(_ event: ATLineFramer.Event) {
        switch event {
        case .lineTooLong:
            emitError(.lineTooLong)
        case .line(let bytes):
            if isEscapeLine(bytes) {
                emitError(.commandModeNotAvailable)
                return
            }
            let outcome: CommandOutcome
            do throws(ATError) {
                let line: ATCommandLine
                do {
                    line = try ATCommandLine.parse(bytes)
                } catch {
                    throw ATError.commandNotFound
                }
                guard let spec = commands[line.name] else { throw ATError.commandNotFound }
                blockIsSecret = Self.announcesKey(line)
                outcome = try spec.run(self, line)
            } catch {
                emitError(error)
                return
            }
            apply(outcome)
        case .block(let bytes):
            guard case .awaitingBlock(let next) = state else { return }
            if let trace {
                // A file may hold a private key (FSC/FSA of a key file, later loaded with TLSCERT).
                trace.record(.fromHost, bytes, binary: true, secret: blockIsSecret || Self.holdsPrivateKey(bytes))
            }
            blockTimer?.cancel()
            blockTimer = nil
            state = .idle
            do throws(ATError) {
                apply(try next(bytes))
            } catch {
                emitError(error)
            }
        }
    }

    private func apply(_ outcome: CommandOutcome) {
        switch outcome {
        case .done:
            break
        case .awaitBlock(let length, let next):
            framer.beginBlock(length: length)
            state = .awaitingBlock(then: next)
            blockProgress = framer.blockBytesReceived
            armBlockTimer()
        case .pending(let future, let effect):
            state = .busy(effect)
            effectTimer = eventLoop.scheduleTask(in: effect.timeout) {
                self.effectDeadlinePassed(effect)
            }
            future.whenComplete { result in
                self.effectCompleted(effect, result)
            }
        case .reset:
            reset()
        }
    }

    /// Whether `effect` is the one the engine waits for (not abandoned by its deadline or a reset).
    private func isCurrent(_ effect: PendingEffect) -> Bool {
        if case .busy(let current) = state, current === effect { return true }
        return false
    }

    private func effectCompleted(_ effect: PendingEffect, _ result: Result<Void, any Error>) {
        guard isCurrent(effect) else { return }
        effectTimer?.cancel()
        effectTimer = nil
        if case .failure(let error) = result {
            switch error {
            case let failure as DetailedFailure: emitError(failure.error, detail: failure.detail)
            case let error as ATError: emitError(error)
            default: emitError(.invalidArguments, detail: "\(error)")
            }
        }
        state = .idle
        pump()
    }

    /// The deadline passed: the error line goes out, the effect is abandoned (its channels closed,
    /// which completes its futures; their late results are ignored) and the engine is idle again.
    private func effectDeadlinePassed(_ effect: PendingEffect) {
        guard isCurrent(effect) else { return }
        effectTimer = nil
        state = .idle
        emitError(effect.timeoutError)
        effect.abandon()
        pump()
    }

    private func armBlockTimer() {
        let startedIn = generation
        blockTimer = eventLoop.scheduleTask(in: options.blockTimeout) {
            guard self.generation == startedIn, case .awaitingBlock = self.state else { return }
            let received = self.framer.blockBytesReceived
            if received != self.blockProgress {
                self.blockProgress = received
                self.armBlockTimer()
                return
            }
            self.framer.abandonBlock()
            self.state = .idle
            self.emitError(.dataTimeout)
            self.pump()
        }
    }

    // MARK: - Reset and boot

    private func reset() {
        generation += 1
        radioGeneration += 1
        blockTimer?.cancel()
        blockTimer = nil
        effectTimer?.cancel()
        effectTimer = nil
        if case .busy(let effect) = state {
            // No reply for it: the reset replaces it. Closing its channels completes its futures.
            state = .rebooting
            effect.abandon()
        }
        dropQueue()
        closeAllSockets()
        pendingWinds.removeAll()
        radio = .off
        state = .rebooting
        framer.reset()
        emit(dialect.wind(2, "Reset"))
        flushOutput()
        let startedIn = generation
        eventLoop.scheduleTask(in: options.step) {
            guard self.generation == startedIn else { return }
            self.boot()
        }
    }

    private func boot() {
        generation += 1
        config = ModuleConfiguration(profile: options.profile, serial: options.serial, macAddress: options.macAddress)
        if let saved = try? flash.read("config") {
            try? config.restore(from: saved)
        }
        refreshEcho()
        credentials = ModuleCredentials(layout: options.slotLayout)
        credentials.loadFlash(from: flash)
        clockOffset = 0
        bootedAt = .now()
        state = .rebooting
        let profile = options.profile
        emit(dialect.wind(1, "Poweron (\(profile.buildID))"))
        emit(dialect.wind(13, profile.copyright))
        emit(dialect.wind(0, "Console active"))
        state = .idle
        indicate(32, "WiFi Hardware Started")
        startRadio()
        pump()
    }

    func closeAllSockets() {
        endDataMode()
        socketServer?.close()
        socketServer = nil
        closeAllServers()
        closeMQTTSession()
        for index in sockets.indices {
            if let socket = sockets[index] {
                sockets[index] = nil
                socket.channel?.close(promise: nil)
            }
        }
    }

    /// The simulated free heap: a fixed budget less what the socket buffers hold.
    var freeHeap: Int {
        let used = (sockets.compactMap { $0 } + serverClients).reduce(0) { $0 + 1024 + $1.unread }
        return max(0, 61_440 - used)
    }

    /// The resolver SOCKON and PING use: servers from `ip_dns` (SPWF04 `ip_dns1`, `ip_dns2`) when set,
    /// else ``ModuleOptions/dnsServers``; the profile's limits.
    var resolver: any HostResolver {
        if let resolverOverride { return resolverOverride }
        var servers: [SocketAddress] = []
        for key in ["ip_dns", "ip_dns2"] where dialect.family == .spwf04 || key == "ip_dns" {
            let value = config[key]
            if value != "0.0.0.0", let address = try? SocketAddress(ipAddress: value, port: 53) {
                servers.append(address)
            }
        }
        if servers.isEmpty { servers = options.dnsServers }
        if let ownResolver, ownResolver.servers == servers { return ownResolver }
        // The lookups' sockets run on the process-wide loops: they may outlive this module's loop by a moment.
        let fresh = ModuleHostResolver(
            limits: options.profile.dns, servers: servers, group: MultiThreadedEventLoopGroup.singleton,
            hostsPath: options.hostsFile)
        if let ownResolver {
            retiredResolvers.removeAll { !$0.hasPending }
            if ownResolver.hasPending { retiredResolvers.append(ownResolver) }
        }
        ownResolver = fresh
        return fresh
    }

    /// Seconds since the Unix epoch on the module's clock (host time plus what SETTIME changed).
    var currentTime: Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) + clockOffset
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
