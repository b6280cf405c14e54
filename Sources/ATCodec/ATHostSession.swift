/// The host's side of the AT conversation as a state machine: commands in, bytes out; bytes in, replies and
/// indications out. No I/O and no clock: an executor writes the ``Effect/write(_:)`` bytes to the link, feeds
/// what the link reads to ``receive(_:)``, and calls ``expire(_:)`` when an exchange's deadline passes.
///
/// One command is on the wire at a time (the module is half-duplex); the others wait in submission order.
/// WINDs are reported as they come, between any two lines of a reply. A reset, power-on or hard-fault WIND
/// fails the command in flight and every queued one with ``Failure/rebooted`` (unless it is the reset command
/// itself, which completes at `+WIND:32`); commands submitted after it wait for `+WIND:0` (console active).
/// After an exchange timed out, replies can no longer be matched to commands: the session is
/// ``isDesynchronized`` until ``resynchronized()``.
///
/// `Features` says which of the session's parts can be reached (SPWF01 data mode, HTTP streams, SPWF04's inline
/// MQTT messages); they are compile-time flags, so a session specialised without a part (the firmware's
/// ``ATSocketHostFeatures``) does not carry its code. ``ATHostSession`` has them all.
public struct ATHostSessionOf<Features: ATHostSessionFeatures>: Sendable {
    /// Identifies a submitted command.
    public typealias ExchangeID = ATHostExchangeID
    /// What a command got back.
    public typealias Response = ATHostResponse
    /// Why a command did not get its OK.
    public typealias Failure = ATHostFailure
    /// What the executor must do.
    public typealias Effect = ATHostEffect

    private struct Exchange: Sendable {
        var id: ExchangeID
        var command: ATHostCommand
        var response = Response()
        var dataReceived = false
    }

    /// The dialect replies are read with: the one given, or the features' ``ATHostSessionFeatures/family``.
    public var dialect: ATDialect { Features.dialect(givenDialect) }
    private var givenDialect: ATDialect
    private var framer: ATReplyFramer
    private var queue: [Exchange] = []
    private var inFlight: Exchange?
    private var nextID: ExchangeID = 1
    private var booting = false
    /// Whether the link carries raw data (SPWF01 data mode, between `+WIND:60` and `+WIND:59`).
    public private(set) var isInDataMode = false
    /// Data-mode bytes held because they may be the start of the `+WIND:59` line.
    private var heldData: [UInt8] = []
    /// Whether data-mode bytes are held (see ``releaseHeldData()``).
    public var holdsData: Bool { !heldData.isEmpty }
    /// The text of a `+WIND:86` whose data the framer is reading.
    private var inlineHeader: [UInt8]?
    /// Whether a timeout left replies that cannot be matched to commands.
    public private(set) var isDesynchronized = false

    /// Creates a session; `maximumLineLength` bounds one reply line.
    public init(dialect: ATDialect, maximumLineLength: Int = 1024) {
        givenDialect = dialect
        // The framer is made whole before it is stored: mutating `self` once every property is set copies it.
        var framer = ATReplyFramer(maximumLineLength: maximumLineLength)
        framer.inlineDataHeaders = Self.inlineDataHeaders(for: Features.dialect(dialect))
        self.framer = framer
    }

    /// Commands submitted and not finished.
    public var outstandingCount: Int { queue.count + (inFlight == nil ? 0 : 1) }

    /// Whether the module is rebooting (between a reset WIND and `+WIND:0`).
    public var isBooting: Bool { booting }

    /// Switches the dialect (after detecting it); only while nothing is outstanding.
    public mutating func setDialect(_ dialect: ATDialect) {
        guard outstandingCount == 0 else { return }
        givenDialect = dialect
        framer.inlineDataHeaders = Self.inlineDataHeaders(for: self.dialect)
    }

    /// SPWF04's `+WIND:86` header, when the session reads inline MQTT messages.
    private static func inlineDataHeaders(for dialect: ATDialect) -> [ATInlineDataHeader] {
        Features.moduleMQTT && dialect.family == .spwf04 ? [ATMQTTMessageChunk.inlineDataHeader] : []
    }

    /// Queues a command; it goes on the wire now if nothing else is.
    public mutating func submit(_ command: ATHostCommand) -> (ExchangeID, [Effect]) {
        let id = nextID
        nextID += 1
        guard !isDesynchronized else { return (id, [.completed(id, .failure(.desynchronized))]) }
        if let missing = Self.missingFeature(command.reply) {
            return (id, [.completed(id, .failure(.protocolViolation(missing)))])
        }
        if command.reply == .commandMode && !isInDataMode && inFlight?.command.reply != .dataMode {
            return (id, [.completed(id, .failure(.protocolViolation("not in data mode")))])
        }
        queue.append(Exchange(id: id, command: command))
        var effects: [Effect] = []
        sendNext(&effects)
        return (id, effects)
    }

    /// The deadline of exchange `id` passed: it fails with ``Failure/timedOut``. When it was on the wire, the
    /// session is desynchronised and every queued command fails too.
    public mutating func expire(_ id: ExchangeID) -> [Effect] {
        var effects: [Effect] = []
        if let index = queue.firstIndex(where: { $0.id == id }) {
            queue.remove(at: index)
            effects.append(.completed(id, .failure(.timedOut)))
        } else if inFlight?.id == id {
            complete(.timedOut, &effects)
            desynchronize(&effects)
        }
        return effects
    }

    /// The executor drained the link and saw the module answer again: commands can go out.
    public mutating func resynchronized() {
        isDesynchronized = false
        booting = false
        framer.reset()
        inlineHeader = nil
    }

    /// Fails everything outstanding (the link closed).
    public mutating func failAll(_ failure: Failure) -> [Effect] {
        var effects: [Effect] = []
        complete(failure, &effects)
        failQueue(failure, &effects)
        return effects
    }

    /// Bytes from the module.
    public mutating func receive<Bytes: Collection>(_ bytes: Bytes) -> [Effect] where Bytes.Element == UInt8 {
        var effects: [Effect] = []
        if Features.dataMode && isInDataMode {
            receiveData(Array(bytes), &effects)
        } else {
            framer.append(contentsOf: bytes)
            drainFramer(&effects)
        }
        sendNext(&effects)
        return effects
    }

    /// Data mode: the peer's bytes to send (nothing while not in data mode, or while the escape is on its way).
    public func dataToSend(_ bytes: [UInt8]) -> [Effect] {
        guard isInDataMode, inFlight == nil, !bytes.isEmpty else { return [] }
        return [.write(bytes)]
    }

    /// Data mode: gives up the bytes held as a possible start of `+WIND:59` (the executor calls it when the link
    /// has been quiet for a moment: a WIND line comes in one piece).
    public mutating func releaseHeldData() -> [Effect] {
        guard isInDataMode, !heldData.isEmpty else { return [] }
        defer { heldData.removeAll() }
        return [.data(heldData)]
    }

    /// What a command needs that the session's ``ATHostSessionFeatures`` leave out, in words; `nil` when nothing.
    private static func missingFeature(_ reply: ATHostCommand.Reply) -> String? {
        switch reply {
        case .dataMode, .commandMode: return Features.dataMode ? nil : "data mode is not in this session"
        case .stream: return Features.httpStreams ? nil : "HTTP streams are not in this session"
        case .lines, .data, .reboot: return nil
        }
    }

    private mutating func drainFramer(_ effects: inout [Effect]) {
        while !(Features.dataMode && isInDataMode),
            let event = framer.next(streams: Features.httpStreams, inlineData: Features.moduleMQTT)
        {
            handle(event, &effects)
        }
        if Features.dataMode && isInDataMode {
            let rest = Array(framer.unconsumed)
            framer.reset()
            receiveData(rest, &effects)
        }
    }

    /// Data mode: passes the peer's bytes on, watching for the `+WIND:59` line that ends data mode (a peer that
    /// sends those very bytes ends it too: the module's stream cannot tell them apart).
    private mutating func receiveData(_ bytes: [UInt8], _ effects: inout [Effect]) {
        let marker = Array("\(dialect.windLead)+WIND:59:".utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            heldData.append(bytes[index])
            index += 1
            var drop = 0
            while drop < heldData.count, !marker.starts(with: heldData[drop...]) { drop += 1 }
            if drop > 0 {
                out.append(contentsOf: heldData[..<drop])
                heldData.removeFirst(drop)
            }
            if heldData.count == marker.count {
                if !out.isEmpty { effects.append(.data(out)) }
                isInDataMode = false
                framer.append(contentsOf: heldData)
                framer.append(contentsOf: bytes[index...])
                heldData.removeAll()
                drainFramer(&effects)
                return
            }
        }
        if !out.isEmpty { effects.append(.data(out)) }
    }

    private mutating func handle(_ event: ATReplyFramer.Event, _ effects: inout [Effect]) {
        switch event {
        case .lineTooLong(let count):
            fail(.protocolViolation("a \(count)-byte line from the module"), &effects)
        case .data(let bytes):
            if Features.moduleMQTT, let header = inlineHeader {
                // The bytes of a `+WIND:86` (the framer read them by the header's length).
                inlineHeader = nil
                if var chunk = ATMQTTMessageChunk.parseHeader(header) {
                    chunk.data = bytes
                    effects.append(.indication(.mqttMessage(chunk)))
                } else {
                    effects.append(.indication(.other(number: 86, text: ATBytes.text(header))))
                }
                return
            }
            inFlight?.response.data = bytes
            inFlight?.dataReceived = true
        case .stream(let bytes, _):
            inFlight?.response.data = bytes
            inFlight?.dataReceived = true
        case .streamTooLong(let count):
            fail(.protocolViolation("a response of more than \(count) bytes"), &effects)
        case .line(let bytes):
            handleLine(bytes, &effects)
        }
    }

    private mutating func handleLine(_ bytes: [UInt8], _ effects: inout [Effect]) {
        let reply = dialect.parseLine(bytes, features: Features.self)
        if case .wind(let number, let text) = reply {
            if Features.moduleMQTT && framer.isInData {
                // A header whose bytes follow (SPWF04's `+WIND:86`): the indication goes out with them.
                inlineHeader = Array(text.utf8)
                return
            }
            let indication = ATIndication(number: number, text: text, dialect: dialect, features: Features.self)
            effects.append(.indication(indication))
            handleBoot(indication, &effects)
            if Features.dataMode { handleModeChange(indication, &effects) }
            return
        }
        // The exchange in flight is read, and changed in place (`inFlight?.…`): a changed copy would share the
        // response's arrays with it, and each line appended would copy them.
        guard let expected = inFlight?.command.reply, let line = inFlight?.command.lineBytes else {
            // A reply to nothing: the tail of a command that timed out, or noise.
            return
        }
        if case .information(let text) = reply,
            ATBytes.equal(line, text) || bytes == line
        {
            return  // the command's echo
        }
        if case .data(let count) = expected, inFlight?.dataReceived == false {
            switch reply {
            case .reading(let announced, _) where dialect.readingPrefixLiteral != nil:
                guard announced <= count else {
                    fail(.protocolViolation("SOCKR announced \(announced) bytes for \(count) asked"), &effects)
                    return
                }
                inFlight?.response.lines.append(reply)
                framer.beginData(count: announced)
                if announced == 0 { inFlight?.dataReceived = true }
                return
            case .error(let error):
                complete(.module(error), &effects)
                return
            default:
                fail(
                    .protocolViolation("\(dialect.readingPrefix ?? "data") expected, got \(ATBytes.text(bytes))"),
                    &effects)
                return
            }
        }
        switch reply {
        case .ok:
            guard expected != .reboot else { return }
            complete(nil, &effects)
        case .error(let error):
            complete(.module(error), &effects)
        default:
            if case .data = expected {
                fail(.protocolViolation("SOCKR data not followed by OK: \(ATBytes.text(bytes.prefix(64)))"), &effects)
                return
            }
            guard let lines = inFlight?.response.lines.count, lines < 4096 else {
                fail(.protocolViolation("more than 4096 lines in one reply"), &effects)
                return
            }
            inFlight?.response.lines.append(reply)
        }
    }

    private mutating func handleBoot(_ indication: ATIndication, _ effects: inout [Effect]) {
        switch indication {
        case .reset, .powerOn, .hardFault:
            // The power-on banner after a reset WIND belongs to the same reboot.
            guard !booting else { return }
            booting = true
            isInDataMode = false
            heldData.removeAll()
            if inFlight?.command.reply != .reboot { complete(.rebooted, &effects) }
            // What waits was meant for the module as it was (its sockets are gone): it fails too.
            failQueue(.rebooted, &effects)
        case .consoleActive:
            booting = false
        case .hardwareStarted:
            booting = false
            if inFlight?.command.reply == .reboot { complete(nil, &effects) }
        default:
            break
        }
    }

    /// `+WIND:60` completes `AT+S.` and starts data mode; `+WIND:59` completes the escape.
    private mutating func handleModeChange(_ indication: ATIndication, _ effects: inout [Effect]) {
        switch indication {
        case .dataMode:
            guard inFlight?.command.reply == .dataMode else { return }
            isInDataMode = true
            heldData.removeAll()
            complete(nil, &effects)
        case .commandMode:
            isInDataMode = false
            guard inFlight?.command.reply == .commandMode else { return }
            complete(nil, &effects)
        default:
            break
        }
    }

    private mutating func fail(_ failure: Failure, _ effects: inout [Effect]) {
        complete(failure, &effects)
        desynchronize(&effects)
    }

    /// Ends the exchange in flight, if any: with `failure`, or with its response when `failure` is `nil`. Out of
    /// line: the one place that takes the exchange out and appends its completion.
    @inline(never)
    private mutating func complete(_ failure: Failure?, _ effects: inout [Effect]) {
        guard let exchange = inFlight else { return }
        inFlight = nil
        effects.append(.completed(exchange.id, failure.map { .failure($0) } ?? .success(exchange.response)))
    }

    /// Fails every queued exchange, in order, and empties the queue.
    @inline(never)
    private mutating func failQueue(_ failure: Failure, _ effects: inout [Effect]) {
        for exchange in queue { effects.append(.completed(exchange.id, .failure(failure))) }
        queue.removeAll()
    }

    /// Out of line: called where a reply breaks the protocol and where an exchange expires.
    @inline(never)
    private mutating func desynchronize(_ effects: inout [Effect]) {
        isDesynchronized = true
        framer.reset()
        inlineHeader = nil
        failQueue(.desynchronized, &effects)
    }

    private mutating func sendNext(_ effects: inout [Effect]) {
        guard inFlight == nil, !booting, !isDesynchronized, !queue.isEmpty else { return }
        // In data mode only the escape goes on the wire (ahead of commands queued before it); commands wait for
        // command mode.
        let next: Int
        if Features.dataMode && isInDataMode {
            guard let escape = queue.firstIndex(where: { $0.command.reply == .commandMode }) else { return }
            next = escape
        } else {
            next = 0
        }
        let exchange = queue.remove(at: next)
        inFlight = exchange
        effects.append(.write(exchange.command.bytes))
        if case .data(let count) = exchange.command.reply, dialect.readingPrefixLiteral == nil {
            framer.beginData(count: count)
        }
        if Features.httpStreams, case .stream(let limit) = exchange.command.reply {
            framer.beginStream(dialect.httpStreamEnd(limit: limit))
        }
    }
}
