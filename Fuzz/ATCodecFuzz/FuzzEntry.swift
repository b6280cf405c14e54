import ATCodec

/// libFuzzer entry point for the module's input side: ``ATLineFramer`` and ``ATCommandLine``.
///
/// The input is what a host sends. It is framed twice — in one piece and byte by byte — and both framers must
/// report the same events; a line that announces a block (`AT+S.SOCKW=<id>,<n>`, `AT+S.TLSCERT=<slot>,<n>`)
/// starts a block of `n % 512` bytes in both, as the engine does. Every line must be non-empty, hold no CR or
/// LF and fit the limit; every block must have the length asked for; what stays buffered in line mode must fit
/// the limit. Each line must parse or throw; a parsed line must render back to text that parses to the same
/// command, and its fields must join back to its argument; a rejection must point at a byte that is really
/// refused. A violation traps so libFuzzer records the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let limit = 64
    var whole = Framing(limit: limit)
    whole.feed(bytes[...])
    var single = Framing(limit: limit)
    for index in bytes.indices { single.feed(bytes[index...index]) }
    check(whole.events == single.events, "chunking changed the events")
    for event in whole.events {
        switch event {
        case .line(let line):
            check(!line.isEmpty && line.count <= limit, "a line of \(line.count) bytes")
            check(!line.contains(0x0D) && !line.contains(0x0A), "a line holds its terminator")
            checkCommandLine(line)
        case .lineTooLong(let count):
            check(count > limit, "lineTooLong(\(count)) within the limit")
        case .block:
            break
        }
    }
    checkCommandLine(bytes)
    return 0
}

/// A framer and the events it gave, starting blocks as the module's engine does.
private struct Framing {
    var framer: ATLineFramer
    var events: [ATLineFramer.Event] = []
    var pendingBlock: Int?

    init(limit: Int) {
        framer = ATLineFramer(maximumLineLength: limit)
        framer.collectsEcho = true
    }

    mutating func feed(_ chunk: ArraySlice<UInt8>) {
        framer.append(contentsOf: chunk)
        while let event = framer.next() {
            events.append(event)
            switch event {
            case .line(let line):
                if let length = Self.blockLength(line) {
                    framer.beginBlock(length: length)
                    pendingBlock = length
                }
            case .block(let block):
                check(block.count == pendingBlock, "a block of \(block.count) bytes for \(pendingBlock ?? -1)")
                pendingBlock = nil
            case .lineTooLong:
                break
            }
        }
        _ = framer.takeEcho()
        if !framer.isInBlock {
            check(framer.bufferedCount <= framer.maximumLineLength, "\(framer.bufferedCount) bytes kept in line mode")
        } else {
            check(framer.blockBytesReceived <= pendingBlock ?? 0, "more block bytes than asked")
        }
    }

    /// The block length a SOCKW or TLSCERT line announces (its last field), bounded to keep inputs small.
    static func blockLength(_ line: [UInt8]) -> Int? {
        guard let command = try? ATCommandLine.parse(line),
            command.name == "AT+S.SOCKW" || command.name == "AT+S.TLSCERT",
            let last = command.fields().last, let value = Int(last), value >= 0
        else { return nil }
        return value % 512
    }
}

private func checkCommandLine(_ line: [UInt8]) {
    let command: ATCommandLine
    do {
        command = try ATCommandLine.parse(line)
    } catch {
        switch error {
        case .notAnATCommand:
            var end = line.count
            while end > 0 && line[end - 1] == 0x20 { end -= 1 }
            check(end < 2 || line[0] | 0x20 != 0x61 || line[1] | 0x20 != 0x74, "an AT line refused as not AT")
        case .invalidCharacter(let offset):
            check(offset >= 2 && offset < line.count, "invalidCharacter at \(offset) of \(line.count)")
            let byte = line[offset]
            check(byte <= 0x20 || byte >= 0x7F, "invalidCharacter at an accepted byte \(byte)")
        case .invalidUTF8:
            break
        }
        return
    }
    check(command.name.hasPrefix("AT"), "a name without AT")
    for byte in command.name.utf8 {
        check(byte > 0x20 && byte < 0x7F && byte != 0x3D && !(byte >= 0x61 && byte <= 0x7A), "name byte \(byte)")
    }
    if let argument = command.argument {
        check(!argument.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }), "a control byte in the argument")
        check(command.fields().joined(separator: ",") == argument, "fields do not join back to the argument")
        check(command.fields(limit: 2).count <= 2, "fields(limit: 2) gave more than 2")
    } else {
        check(command.fields().isEmpty, "fields without an argument")
    }
    let rendered = Array(command.name.utf8) + (command.argument.map { [0x3D] + Array($0.utf8) } ?? [])
    guard let again = try? ATCommandLine.parse(rendered), again == command else {
        preconditionFailure("a parsed command line does not survive rendering")
    }
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { preconditionFailure(message()) }
}
