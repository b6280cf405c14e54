/// A command line a host sends, rendered for a dialect, with what the reply to it looks like.
///
/// Parameters are checked before anything is rendered: a field that holds the delimiter, a control byte or
/// non-ASCII text would change the command's meaning on the wire, so it is refused.
public struct ATHostCommand: Equatable, Sendable {
    /// What follows the command on the wire and what its reply holds.
    public enum Reply: Equatable, Sendable {
        /// Information lines, then OK or an error line.
        case lines
        /// SOCKR: raw bytes (SPWF01: exactly `count` right away; SPWF04: after its `AT-S.Reading` header), then OK.
        case data(count: Int)
        /// A reset: no result line; done when the module has booted (`+WIND:32`), or failed by an error line.
        case reboot
        /// SPWF01 `AT+S.`: no result line; done at `+WIND:60`, after which the link carries raw data.
        case dataMode
        /// The data-mode escape sequence, sent with no CR; done at `+WIND:59`.
        case commandMode
        /// HTTPGET/HTTPPOST: the response's raw bytes (at most `limit`) up to the dialect's end, then OK.
        case stream(limit: Int)
    }

    /// The command line without its CR, as the bytes sent.
    public let lineBytes: [UInt8]
    /// The raw bytes sent right after the CR (SOCKW, TLSCERT), or empty.
    public let block: [UInt8]
    /// The reply's shape.
    public let reply: Reply

    /// The command line without its CR (`AT+S.SOCKW=0,5`).
    public var line: String { String(decoding: lineBytes, as: UTF8.self) }

    /// The bytes on the wire: the line, CR, then the block.
    public var bytes: [UInt8] { reply == .commandMode ? lineBytes : lineBytes + [0x0D] + block }

    /// A command from parts that are already known to be safe.
    init(line: String, block: [UInt8] = [], reply: Reply = .lines) {
        self.init(lineBytes: Array(line.utf8), block: block, reply: reply)
    }

    /// A command from bytes that are already known to be safe.
    init(lineBytes: [UInt8], block: [UInt8] = [], reply: Reply = .lines) {
        self.lineBytes = lineBytes
        self.block = block
        self.reply = reply
    }

    /// A command with checked parameters: `name=<p1>,<p2>...` (no `=` when there are none).
    public init(
        _ name: String, _ parameters: [String] = [], block: [UInt8] = [], reply: Reply = .lines
    ) throws(ATCommandError) {
        var line = ATCommandLineBuilder("")
        line.bytes.append(contentsOf: name.utf8)
        for (index, parameter) in parameters.enumerated() {
            line.append(index == 0 ? "=" : ",")
            try line.append(parameter: parameter)
        }
        self = line.command(block: block, reply: reply)
    }
}

/// A command a host wanted to send cannot be put on the wire as asked.
public enum ATCommandError: Error, Equatable, Sendable {
    /// A parameter holds the delimiter, a control byte or non-ASCII text.
    case unsafeParameter(String)
    /// A number outside what the command takes.
    case outOfRange(String, Int)
}

/// The transport of a client socket.
public enum ATSocketKind: Equatable, Sendable {
    case tcp
    case udp
    /// TLS 1.2 with the credential slots; SPWF04 can name the server's expected common name.
    case tls(commonName: String?)
}

/// The TLS credential slots.
public enum ATCredentialSlot: String, Equatable, Sendable, CaseIterable {
    case ca
    case cert
    case key
}

extension ATDialect {
    /// `AT`.
    public var attentionCommand: ATHostCommand { ATHostCommand(line: "AT") }

    /// SPWF01: enter data mode with the socket server's client or the open client socket (`AT+S.`).
    public var dataModeCommand: ATHostCommand { ATHostCommand(line: "AT+S.", reply: .dataMode) }

    /// SPWF01: the escape sequence that leaves data mode (the `escape_seq` variable, `at+s.` by default), sent as
    /// one burst with no CR.
    public func escapeCommand(_ sequence: String = "at+s.") throws(ATCommandError) -> ATHostCommand {
        guard !sequence.isEmpty, sequence.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw .unsafeParameter(sequence)
        }
        return ATHostCommand(line: sequence, reply: .commandMode)
    }

    /// SPWF01: start the socket server on `port` (`AT+S.SOCKD=<port>,t|u`), or stop it with port 0.
    public func socketServerCommand(port: Int, udp: Bool = false) throws(ATCommandError) -> ATHostCommand {
        guard (0...65_535).contains(port) else { throw .outOfRange("port", port) }
        return ATHostCommand(line: port == 0 ? "AT+S.SOCKD=0" : "AT+S.SOCKD=\(port),\(udp ? "u" : "t")")
    }

    /// The reset command; its reply is the boot sequence.
    public var resetHostCommand: ATHostCommand { ATHostCommand(line: resetCommandLine, reply: .reboot) }

    /// Saves the configuration to flash.
    public var saveHostCommand: ATHostCommand { ATHostCommand(line: saveCommandLine) }

    /// Turns the console echo off (every driver does at start-up) or on. Always inlined, as the other builders whose
    /// text depends on the family: where the family is a constant (`ATSPWF01SocketHostFeatures`), one branch remains.
    @inline(__always)
    public func echoCommand(on: Bool) -> ATHostCommand {
        // Whole literals, no interpolation: in a firmware's image an interpolation is its code at every call.
        ATHostCommand(
            line: family == .spwf01
                ? (on ? "AT+S.SCFG=localecho1,1" : "AT+S.SCFG=localecho1,0")
                : (on ? "AT+S.SCFG=console_echo,1" : "AT+S.SCFG=console_echo,0"))
    }

    /// `AT+S.SCFG=<name>,<value>`.
    public func setVariableCommand(_ name: String, _ value: String) throws(ATCommandError) -> ATHostCommand {
        var line = ATCommandLineBuilder("AT+S.SCFG=")
        try line.append(parameter: name)
        line.append(",")
        try line.append(parameter: value)
        return line.command()
    }

    /// `AT+S.GCFG=<name>` (all variables without a name).
    public func getVariableCommand(_ name: String?) throws(ATCommandError) -> ATHostCommand {
        try ATHostCommand("AT+S.GCFG", name.map { [$0] } ?? [])
    }

    /// `AT+S.STS` (one variable with a name).
    public func statusCommand(_ name: String? = nil) throws(ATCommandError) -> ATHostCommand {
        var line = ATCommandLineBuilder("AT+S.STS")
        if let name {
            line.append("=")
            try line.append(parameter: name)
        }
        return line.command()
    }

    /// `AT+S.SSIDTXT=<ssid>`.
    public func ssidCommand(_ ssid: String) throws(ATCommandError) -> ATHostCommand {
        guard (1...32).contains(ssid.utf8.count) else { throw .outOfRange("ssid length", ssid.utf8.count) }
        var line = ATCommandLineBuilder("AT+S.SSIDTXT=")
        try line.append(parameter: ssid)
        return line.command()
    }

    /// `AT+S.WIFI=0|1`.
    public func radioCommand(on: Bool) -> ATHostCommand { ATHostCommand(line: "AT+S.WIFI=\(on ? 1 : 0)") }

    /// `AT+S.SETTIME=<seconds since 1970>`.
    public func setTimeCommand(_ seconds: Int) throws(ATCommandError) -> ATHostCommand {
        guard seconds >= 0 else { throw .outOfRange("time", seconds) }
        return ATHostCommand(lineBytes: ATBytes.line("AT+S.SETTIME=", seconds))
    }

    /// SPWF01's `AT+S.TLSDOMAIN=f_domain,<name>` (flash, survives a reset).
    public func tlsDomainCommand(_ name: String) throws(ATCommandError) -> ATHostCommand {
        var line = ATCommandLineBuilder("AT+S.TLSDOMAIN=f_domain,")
        try line.append(parameter: name)
        return line.command()
    }

    /// `AT+S.TLSCERT=<slot>,<length>` and the bytes, into the slot that survives a reset.
    @inline(__always)
    public func storeCredentialCommand(_ slot: ATCredentialSlot, _ bytes: [UInt8]) throws(ATCommandError)
        -> ATHostCommand
    {
        guard !bytes.isEmpty else { throw .outOfRange("credential length", 0) }
        let head: StaticString
        switch slot {
        case .ca: head = family == .spwf01 ? "AT+S.TLSCERT=f_ca," : "AT+S.TLSCERT=ca,"
        case .cert: head = family == .spwf01 ? "AT+S.TLSCERT=f_cert," : "AT+S.TLSCERT=cert,"
        case .key: head = family == .spwf01 ? "AT+S.TLSCERT=f_key," : "AT+S.TLSCERT=key,"
        }
        return ATHostCommand(lineBytes: ATBytes.line(head, bytes.count), block: bytes)
    }

    /// SOCKON: `<host>,<port>,<t|u|s>,ind` (SPWF01) or `<host>,<port>,NULL,<t|u|s|common name>` (SPWF04).
    @inline(__always)
    public func socketOpenCommand(host: String, port: Int, kind: ATSocketKind) throws(ATCommandError) -> ATHostCommand {
        guard (1...65_535).contains(port) else { throw .outOfRange("port", port) }
        guard !host.isEmpty, host.utf8.count <= 253 else { throw .unsafeParameter(host) }
        var line = ATCommandLineBuilder("AT+S.SOCKON=")
        try line.append(parameter: host)
        line.append(",")
        line.append(decimal: port)
        line.append(family == .spwf01 ? "," : ",NULL,")
        switch kind {
        case .tcp: line.append("t")
        case .udp: line.append("u")
        case .tls(let commonName):
            if family == .spwf04, let commonName, !commonName.isEmpty {
                // `t`, `u` or `s` in any case would name a socket type, not a server (compared as bytes).
                if commonName.utf8.count == 1, let byte = commonName.utf8.first,
                    byte | 0x20 == 0x74 || byte | 0x20 == 0x75 || byte | 0x20 == 0x73
                {
                    throw .unsafeParameter(commonName)
                }
                try line.append(parameter: commonName)
            } else {
                line.append("s")
            }
        }
        if family == .spwf01 { line.append(",ind") }
        return line.command()
    }

    /// `AT+S.SOCKW=<id>,<n>` and the `n` bytes (1 to `maximum`).
    public func socketWriteCommand(socket: Int, _ bytes: [UInt8], maximum: Int = 4096) throws(ATCommandError)
        -> ATHostCommand
    {
        guard (1...maximum).contains(bytes.count) else { throw .outOfRange("write length", bytes.count) }
        return ATHostCommand(lineBytes: ATBytes.line("AT+S.SOCKW=", socket, bytes.count), block: bytes)
    }

    /// `AT+S.SOCKR=<id>,<n>`: `n` raw bytes come back.
    public func socketReadCommand(socket: Int, count: Int) throws(ATCommandError) -> ATHostCommand {
        guard count >= 1 else { throw .outOfRange("read length", count) }
        return ATHostCommand(lineBytes: ATBytes.line("AT+S.SOCKR=", socket, count), reply: .data(count: count))
    }

    /// SPWF04's `AT+S.TLSCERT=content,1` (the bytes in each slot); `nil` where the firmware has no such query.
    public var credentialContentCommand: ATHostCommand? {
        family == .spwf04 ? ATHostCommand(line: "AT+S.TLSCERT=content,1") : nil
    }

    /// `AT+S.SOCKQ=<id>`.
    public func socketQueryCommand(socket: Int) -> ATHostCommand {
        ATHostCommand(lineBytes: ATBytes.line("AT+S.SOCKQ=", socket))
    }

    /// `AT+S.SOCKC=<id>`.
    public func socketCloseCommand(socket: Int) -> ATHostCommand {
        ATHostCommand(lineBytes: ATBytes.line("AT+S.SOCKC=", socket))
    }

    /// The variable that masks WINDs 32–63 (55 and 58 among them): `wind_off_medium`.
    public static let socketWindMaskVariable = "wind_off_medium"

    /// Masks (or unmasks) WINDs 32–63 around a binary read, as the mbed driver masks every WIND: a masked
    /// `+WIND:55`/`58` is held by the module until the mask is cleared, never lost.
    public func socketWindMaskCommand(masked: Bool) -> ATHostCommand {
        ATHostCommand(
            line: masked ? "AT+S.SCFG=wind_off_medium,0xFFFFFFFF" : "AT+S.SCFG=wind_off_medium,0x00000000")
    }

    /// Whether raw SOCKR bytes can be told from a WIND only with WINDs masked (SPWF01: no header before them).
    public var readsNeedWindMask: Bool { readingPrefixLiteral == nil }
}
