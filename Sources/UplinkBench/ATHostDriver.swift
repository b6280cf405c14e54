/// The host's SPWF01 driver, as an MCU would run it over a half-duplex command protocol: one
/// command in flight at a time, WINDs taken whenever they come between replies.
///
/// It follows `+WIND:55:Pending Data:<id>:<unread>` to know how many bytes wait in the socket: a
/// WIND carries the total unread at the moment it was sent, and the byte stream orders it exactly
/// against the SOCKR data, so `latest total − bytes read since` is always the true backlog.
final class ATHostDriver {
    let line: SerialHost
    /// The socket whose WIND 55s are tracked.
    var socketID = 0
    /// Bytes the module holds for ``socketID`` by the WINDs seen so far (minus what SOCKR took).
    private(set) var pendingData = 0
    /// WIND 55s received for ``socketID``.
    private(set) var pendingDataIndications = 0
    /// SOCKR commands sent.
    private(set) var socketReads = 0

    private static let lineStart: [UInt8] = [0x0D, 0x0A]
    private static let windStart: [UInt8] = Array("\r\n+".utf8)
    private static let errorStart: [UInt8] = Array("\r\nERROR".utf8)
    /// The longest text line accepted from the module.
    private static let maximumLine = 1024

    init(line: SerialHost) {
        self.line = line
    }

    // MARK: - Items

    /// Reads one framed item, `\r\n<text>\r\n`.
    func readItem(waitingFor what: @autoclosure () -> String) throws -> ModuleItem {
        while line.available < 2 { try line.fill(waitingFor: what()) }
        guard line.startsWith(Self.lineStart) else {
            throw BenchError.protocolViolation("expected CR LF before \(what()), got \(line.preview())")
        }
        var searchFrom = 2
        while true {
            if let end = line.firstLineEnd(from: searchFrom) {
                let text = String(decoding: line.bytes(2..<end), as: UTF8.self)
                line.consume(end + 2)
                return ModuleItem(text: text)
            }
            guard line.available <= Self.maximumLine else {
                throw BenchError.protocolViolation("unterminated line from the module: \(line.preview())")
            }
            searchFrom = max(2, line.available - 1)
            try line.fill(waitingFor: what())
        }
    }

    /// Takes note of a WIND; fails on the ones that end the run.
    func handleWind(number: Int, text: String) throws {
        switch number {
        case 55:
            // "Pending Data:<id>:<total unread>"
            let fields = text.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count == 3, fields[0] == "Pending Data", let id = Int(fields[1]), let unread = Int(fields[2])
            else { throw BenchError.protocolViolation("malformed +WIND:55:\(text)") }
            if id == socketID {
                pendingData = unread
                pendingDataIndications += 1
            }
        case 58:
            let id = text.split(separator: ":").last.flatMap { Int($0) } ?? -1
            if id == socketID { throw BenchError.socketClosed(id) }
        default:
            break
        }
    }

    // MARK: - Commands

    /// Sends a command and reads up to its OK; returns the information lines of the reply.
    @discardableResult
    func command(_ text: String) throws -> [String] {
        try line.write(Array((text + "\r").utf8))
        return try awaitOK(for: text)
    }

    /// Reads the reply to `command` up to its OK, taking WINDs on the way.
    @discardableResult
    func awaitOK(for command: String) throws -> [String] {
        var information: [String] = []
        while true {
            switch try readItem(waitingFor: "the reply to \(command)") {
            case .ok: return information
            case .error(let text): throw BenchError.moduleError(command: command, text: text)
            case .wind(let number, let text): try handleWind(number: number, text: text)
            case .information(let text): information.append(text)
            }
        }
    }

    /// Reads until `+WIND:<number>` arrives; `failures` are WINDs that mean it never will.
    func awaitWind(_ number: Int, failingOn failures: Set<Int> = [], timeoutLabel: String) throws {
        while true {
            switch try readItem(waitingFor: timeoutLabel) {
            case .wind(let seen, let text):
                if seen == number { return }
                if failures.contains(seen) {
                    throw BenchError.setup("+WIND:\(seen):\(text) while waiting for \(timeoutLabel)")
                }
                try handleWind(number: seen, text: text)
            case let other:
                throw BenchError.protocolViolation("unexpected \(other) while waiting for \(timeoutLabel)")
            }
        }
    }

    /// Waits for the next WIND (there is no command in flight) and takes note of it.
    func awaitIndication() throws {
        switch try readItem(waitingFor: "+WIND:55 (pending data)") {
        case .wind(let number, let text):
            try handleWind(number: number, text: text)
        case let other:
            throw BenchError.protocolViolation("unexpected \(other) while no command was in flight")
        }
    }

    // MARK: - Sockets

    /// `AT+S.SOCKON=<host>,<port>,t,ind`; returns the socket id.
    func openTCPSocket(host: String, port: Int) throws -> Int {
        let command = "AT+S.SOCKON=\(host),\(port),t,ind"
        let information = try self.command(command)
        guard let idLine = information.first(where: { $0.hasPrefix(" ID: ") }),
            let id = Int(idLine.dropFirst(" ID: ".count))
        else { throw BenchError.protocolViolation("\(command) answered OK without an ID line: \(information)") }
        return id
    }

    /// `AT+S.SOCKW=<id>,<n>` CR, the `n` bytes right behind it, then its OK.
    func socketWrite(_ id: Int, _ data: ArraySlice<UInt8>) throws {
        let command = "AT+S.SOCKW=\(id),\(data.count)"
        var bytes = Array((command + "\r").utf8)
        bytes.append(contentsOf: data)
        try line.write(bytes)
        try awaitOK(for: command)
    }

    /// `AT+S.SOCKQ=<id>`: the bytes waiting in the socket.
    func socketQuery(_ id: Int) throws -> Int {
        let command = "AT+S.SOCKQ=\(id)"
        let information = try self.command(command)
        guard let lengthLine = information.first(where: { $0.hasPrefix(" DATALEN: ") }),
            let length = Int(lengthLine.dropFirst(" DATALEN: ".count))
        else { throw BenchError.protocolViolation("\(command) answered without DATALEN: \(information)") }
        return length
    }

    /// `AT+S.SOCKR=<id>,<n>`: reads `expected.count` raw bytes and fails unless they equal `expected`.
    ///
    /// A WIND sent before the module took the command may precede the data. SPWF01 output cannot
    /// tell such a WIND from data that happens to begin with `\r\n+`; the payload never contains
    /// that sequence, so here it always means a WIND.
    func socketRead(_ id: Int, expected: ArraySlice<UInt8>) throws {
        let count = expected.count
        let command = "AT+S.SOCKR=\(id),\(count)"
        try line.write(Array((command + "\r").utf8))
        socketReads += 1
        // WINDs the module sent before it took the command.
        while true {
            while line.available < 3 { try line.fill(waitingFor: "the data of \(command)") }
            guard line.startsWith(Self.windStart) else { break }
            switch try readItem(waitingFor: "a WIND before the data of \(command)") {
            case .wind(let number, let text): try handleWind(number: number, text: text)
            case let other: throw BenchError.protocolViolation("\(other) where the data of \(command) belongs")
            }
        }
        while line.available < count {
            try failIfErrorLine(command)
            try line.fill(waitingFor: "the data of \(command) (\(line.available) of \(count) bytes so far)")
        }
        if let offset = line.firstMismatch(with: expected) {
            try failIfErrorLine(command)
            let got = SerialHost.escape(line.bytes(offset..<min(count, offset + 16)))
            let wanted = SerialHost.escape(expected.dropFirst(offset).prefix(16))
            throw BenchError.dataMismatch(
                "\(command): byte \(offset) of \(count) differs: got \(got), expected \(wanted)")
        }
        line.consume(count)
        pendingData -= count
        switch try readItem(waitingFor: "the OK after the data of \(command)") {
        case .ok: break
        case .error(let text): throw BenchError.moduleError(command: command, text: text)
        case let other:
            throw BenchError.dataMismatch(
                "\(command): \(other) where OK should follow the \(count) data bytes (more data than asked for?)")
        }
    }

    /// Fails with the module's error when the input, where data was expected, is an error line.
    private func failIfErrorLine(_ command: String) throws {
        guard line.startsWith(Self.errorStart), let end = line.firstLineEnd(from: 2) else { return }
        if case .error(let text) = ModuleItem(text: String(decoding: line.bytes(2..<end), as: UTF8.self)) {
            throw BenchError.moduleError(command: command, text: text)
        }
    }
}
