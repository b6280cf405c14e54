import ATCodec

/// libFuzzer entry point for the host's side: ``ATReplyFramer``, ``ATDialect/parseLine(_:)``, ``ATIndication``
/// and ``ATHostSession`` fed with arbitrary module output.
///
/// The first byte picks the dialect and the commands submitted (plain, SOCKR with a data block, a reset); the
/// rest is what the module "says", framed whole and in chunks (same events required). Every parsed line must be
/// canonical: rendered back with the dialect it parses to the same reply, and a WIND's fields survive their
/// dialect's text. The session must complete every command it was given exactly once (on the module's answer,
/// on ``ATHostSession/expire(_:)`` or on ``ATHostSession/failAll(_:)``), keep its outstanding count in step, and
/// write nothing while it is desynchronised. A violation traps so libFuzzer records the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let control = data.pointee as UInt8?, size > 0 else { return 0 }
    let output = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let dialect: ATDialect = control & 1 == 0 ? .spwf01 : .spwf04
    checkFraming(output, chunk: Int(control >> 1) % 7 + 1)
    for line in output.split(separator: 0x0A, omittingEmptySubsequences: true) {
        checkReply(Array(line), dialect: dialect)
    }
    checkSession(output, control: control, dialect: dialect)
    return 0
}

private func checkFraming(_ output: [UInt8], chunk: Int) {
    let limit = 32
    func frame(_ pieces: [ArraySlice<UInt8>]) -> [ATReplyFramer.Event] {
        var framer = ATReplyFramer(maximumLineLength: limit)
        var events: [ATReplyFramer.Event] = []
        for piece in pieces {
            framer.append(contentsOf: piece)
            while let event = framer.next() {
                events.append(event)
                // Lines starting with `#` announce a data block of their length (as a SOCKR would), so data mode
                // is fuzzed too.
                if case .line(let line) = event, line.first == 0x23 { framer.beginData(count: line.count) }
            }
            if !framer.isInData {
                check(framer.bufferedCount <= limit + 1, "\(framer.bufferedCount) bytes kept in line mode")
            }
        }
        return events
    }
    let whole = frame([output[...]])
    let pieces = stride(from: 0, to: output.count, by: chunk).map { output[$0..<min($0 + chunk, output.count)] }
    check(whole == frame(pieces), "chunking changed the framer's events")
    for event in whole {
        switch event {
        case .line(let line):
            check(!line.isEmpty && line.count <= limit, "a line of \(line.count) bytes")
            check(!line.contains(0x0A), "a line holds its LF")
        case .lineTooLong(let count):
            check(count > limit, "lineTooLong(\(count)) within the limit")
        case .data:
            break
        case .stream, .streamTooLong:
            // The framer streams only after `beginStream`, which this target does not call.
            check(false, "a stream event without beginStream")
        }
    }
}

/// The dialect's rendering of a reply, without its CR LF framing; `nil` for free-form lines.
private func render(_ reply: ATReply, _ dialect: ATDialect) -> [UInt8]? {
    let bytes: [UInt8]
    switch reply {
    case .ok: bytes = dialect.ok()
    case .error(let error): bytes = dialect.error(error)
    case .wind(let number, let text): bytes = dialect.wind(number, text)
    case .socketOpened(let id, let address): bytes = dialect.socketOpened(id: id, address: address ?? "")
    case .pendingLength(let count): bytes = dialect.pendingLength(count)
    case .reading(let count, let pending): bytes = dialect.readingHeader(count: count, pending: pending)
    case .variable(let name, let value): bytes = dialect.variable(name, value)
    case .information: return nil
    }
    var body = bytes[...]
    while let first = body.first, first == 0x0D || first == 0x0A { body = body.dropFirst() }
    while let last = body.last, last == 0x0D || last == 0x0A { body = body.dropLast() }
    return Array(body)
}

private func checkReply(_ line: [UInt8], dialect: ATDialect) {
    let reply = dialect.parseLine(line)
    if !line.contains(0x0D), let rendered = render(reply, dialect) {
        let again = dialect.parseLine(rendered)
        check(again == reply, "\(reply) renders as \(String(decoding: rendered, as: UTF8.self)), read as \(again)")
    }
    guard case .wind(let number, let text) = reply else { return }
    check(number >= 0 && number <= 999, "WIND number \(number)")
    let indication = ATIndication(number: number, text: text, dialect: dialect)
    switch indication {
    case .wifiUp(let address):
        check(
            ATIndication(number: 24, text: dialect.wifiUpText(address: address), dialect: dialect) == indication,
            "\(indication)")
    case .pendingData(let socket, let unread):
        let text = dialect.pendingDataText(socket: socket, received: 0, unread: unread)
        check(ATIndication(number: 55, text: text, dialect: dialect) == indication, "\(indication)")
    case .socketClosed(let socket):
        let text = dialect.socketClosedText(socket: socket)
        check(ATIndication(number: 58, text: text, dialect: dialect) == indication, "\(indication)")
    case .wifiFailure(let failed, _):
        check(ATIndication.wifiFailureNumbers.contains(failed), "wifiFailure(\(failed))")
    default:
        break
    }
}

/// Feeds the output to a session with commands in flight and checks its bookkeeping.
private func checkSession(_ output: [UInt8], control: UInt8, dialect: ATDialect) {
    var session = ATHostSession(dialect: dialect, maximumLineLength: 64)
    var open: Set<ATHostSession.ExchangeID> = []
    var completed: Set<ATHostSession.ExchangeID> = []
    func apply(_ effects: [ATHostSession.Effect], _ desynchronizedBefore: Bool) {
        for effect in effects {
            switch effect {
            case .completed(let id, _):
                check(open.remove(id) != nil, "exchange \(id) completed twice or was never submitted")
                completed.insert(id)
            case .write:
                check(!session.isDesynchronized, "a write while desynchronised")
            case .indication, .data:
                break
            }
        }
        check(session.outstandingCount == open.count, "outstanding \(session.outstandingCount), open \(open.count)")
    }
    func submit(_ command: ATHostCommand) {
        let before = session.isDesynchronized
        let (id, effects) = session.submit(command)
        check(!completed.contains(id) && !open.contains(id), "exchange id \(id) reused")
        open.insert(id)
        apply(effects, before)
    }
    let commands: [ATHostCommand] = [
        dialect.attentionCommand,
        (try? dialect.socketReadCommand(socket: 0, count: Int(control >> 4))) ?? dialect.attentionCommand,
        dialect.resetHostCommand,
        (try? dialect.getVariableCommand(nil)) ?? dialect.attentionCommand,
    ]
    for bit in 0..<4 where control & (1 << (bit + 1)) != 0 { submit(commands[bit]) }
    submit(dialect.attentionCommand)
    let chunk = Int(control >> 5) + 1
    var offset = 0
    var round = 0
    while offset < output.count {
        let end = min(offset + chunk * 3, output.count)
        let before = session.isDesynchronized
        apply(session.receive(output[offset..<end]), before)
        offset = end
        round += 1
        // Now and then a deadline passes, a command is added, or the executor resynchronises.
        if round % 5 == 0, let id = open.min() { apply(session.expire(id), session.isDesynchronized) }
        if round % 7 == 0 { submit(commands[round % commands.count]) }
        if round % 11 == 0, session.isDesynchronized { session.resynchronized() }
    }
    apply(session.failAll(.timedOut), session.isDesynchronized)
    check(open.isEmpty && session.outstandingCount == 0, "commands left after failAll")
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { preconditionFailure(message()) }
}
