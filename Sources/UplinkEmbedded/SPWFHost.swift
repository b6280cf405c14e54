import ATCodec

/// The microcontroller's AT host driver for an SPWF01: the command sequences of the hosted driver
/// (`UplinkDriver.ModuleDriver`) as blocking calls over a polled ``SPWFPort``, on the shared ``ATHostSession``.
///
/// Boot sync (`AT` until OK, echo off), Wi-Fi join (SSIDTXT, WPA2 passphrase, save, reset, `+WIND:24`), credential
/// loading into the flash slots, SETTIME, SOCKON by host name with `s`, SOCKW in chunks of at most
/// ``maximumWrite`` bytes, `+WIND:55` → SOCKQ → SOCKR with WINDs 32–63 masked, `+WIND:58` → drain → SOCKC.
/// Every wait has a deadline; a reboot of the module (`+WIND:2` and the boot WINDs) marks every socket lost.
public struct SPWFHost<Port: SPWFPort> {
    /// The UART and clock.
    public var port: Port
    /// The conversation with the module.
    public private(set) var session: ATHostSessionOf<ATSPWF01SocketHostFeatures>
    /// The station's address once `+WIND:24` said it is up; `nil` after a reboot or a link failure.
    public private(set) var wifiAddress: String?
    /// How many reboots of the module (reset, power-on or hard-fault WINDs) the driver has seen.
    public private(set) var reboots = 0
    /// Deadline of an ordinary command, in milliseconds.
    public var commandTimeout: UInt64 = 5_000
    /// Deadline of SOCKON (name resolution and TLS handshake), in milliseconds.
    public var openTimeout: UInt64 = 60_000
    /// Deadline for `+WIND:24` after a join, in milliseconds.
    public var wifiTimeout: UInt64 = 30_000
    /// How often an idle socket is asked SOCKQ anyway, in case a `+WIND:55` was lost, in milliseconds.
    public var pollInterval: UInt64 = 1_000
    /// Called with every WIND as it arrives (the firmware prints them).
    public var onIndication: ((ATIndication) -> Void)?

    /// The longest SOCKW: the SPWF01's 730-byte limit, as mbed's driver chunks.
    public static var maximumWrite: Int { 730 }
    /// The longest SOCKR the driver asks for.
    public static var maximumRead: Int { 730 }
    private static var socketCount: Int { 8 }  // the inline array's count

    /// What the driver knows of one client socket.
    private struct Socket {
        var open = false
        /// Bytes the module holds (`+WIND:55`, SOCKQ).
        var unread = 0
        /// `+WIND:58` came.
        var peerClosed = false
        /// When SOCKQ was last asked.
        var lastQuery: UInt64 = 0
    }

    /// The module's client sockets, by id, stored inline: no heap array, no uniqueness check where a socket changes.
    private var sockets: InlineArray<8, Socket>
    private var windsMasked: Bool?
    private var wifiFailure: (number: Int, text: String)?
    private var scratch: [UInt8] = []

    /// A driver for an SPWF01 on `port`.
    public init(port: Port) {
        self.port = port
        session = ATHostSessionOf(dialect: .spwf01, maximumLineLength: 512)
        sockets = InlineArray(repeating: Socket())
    }

    // MARK: - Commands

    /// Sends one command and waits for its end (OK, an error line, a reboot) or `timeout` milliseconds.
    @discardableResult
    public mutating func run(_ command: ATHostCommand, timeout: UInt64? = nil) throws(SPWFHostError)
        -> ATHostSession.Response
    {
        completion = nil
        let (id, effects) = session.submit(command)
        apply(effects)
        let deadline = port.milliseconds() + (timeout ?? commandTimeout)
        while completion?.id != id {
            pump()
            // The deadline holds while the module keeps talking too: a stream of WINDs does not keep a command
            // waiting (what has arrived is read first, so an answer on the deadline still counts).
            if completion?.id != id && port.milliseconds() >= deadline {
                apply(session.expire(id))
                // An exchange the session no longer knows has no completion to wait for.
                if completion?.id != id { completion = (id, .failure(.timedOut)) }
            }
        }
        // A timeout or a protocol violation left replies that cannot be matched to commands.
        if session.isDesynchronized { resynchronize() }
        switch completion?.result {
        case .success(let response)?: return response
        case .failure(let failure)?: throw Self.error(failure, command: command)
        case nil: throw Self.error(.timedOut, command: command)
        }
    }

    /// The driver's error for a command that failed (out of line: one copy in a firmware's image).
    @inline(never)
    private static func error(_ failure: ATHostSession.Failure, command: ATHostCommand) -> SPWFHostError {
        let name = Self.name(of: command)
        switch failure {
        case .module(let error): return .module(command: name, error)
        case .rebooted: return .rebooted(command: name)
        case .protocolViolation(let detail): return .protocolViolation(detail)
        case .timedOut, .desynchronized: return .timedOut(command: name)
        }
    }

    /// Reads what the port has and feeds it to the session; returns whether anything came. Out of line, as the other
    /// helpers that every wait loop calls: inlined, a firmware's image carried a copy in each loop.
    @discardableResult
    @inline(never)
    public mutating func pump() -> Bool {
        scratch.removeAll(keepingCapacity: true)
        port.read(into: &scratch)
        guard !scratch.isEmpty else { return false }
        apply(session.receive(scratch))
        return true
    }

    /// Processes the module's output for `milliseconds` (WINDs only: nothing is sent).
    public mutating func idle(milliseconds: UInt64) {
        let end = port.milliseconds() + milliseconds
        while port.milliseconds() < end { pump() }
    }

    /// The last completion the session reported: one command is outstanding at a time, so it is the one ``run``
    /// waits for, or one from before it.
    private var completion: (id: ATHostExchangeID, result: Result<ATHostResponse, ATHostFailure>)?

    private mutating func apply(_ effects: [ATHostEffect]) {
        for effect in effects {
            switch effect {
            case .write(let bytes): port.write(bytes)
            case .completed(let id, let result): completion = (id, result)
            case .indication(let indication): handle(indication)
            // This host never enters data mode.
            case .data: break
            }
        }
    }

    /// After a timeout: lets the module finish what it was saying, then matches replies to commands again.
    private mutating func resynchronize() {
        idle(milliseconds: 200)
        session.resynchronized()
    }

    private static func name(of command: ATHostCommand) -> String {
        let line = command.lineBytes
        return String(decoding: line[..<(line.firstIndex(of: 0x3D) ?? line.endIndex)], as: UTF8.self)
    }

    @inline(never)
    private mutating func handle(_ indication: ATIndication) {
        switch indication {
        case .reset, .powerOn, .hardFault:
            var anyOpen = false
            for id in sockets.indices where sockets[id].open { anyOpen = true }
            if wifiAddress != nil || anyOpen || windsMasked != nil { reboots += 1 }
            wifiAddress = nil
            windsMasked = nil
            sockets = InlineArray(repeating: Socket())
        case .wifiUp(let address):
            wifiAddress = address
            wifiFailure = nil
        case .wifiFailure(let number, let text):
            wifiFailure = (number, text)
            if number != 40 { wifiAddress = nil }
        case .pendingData(let id, let count):
            if id >= 0 && id < Self.socketCount { sockets[id].unread = count }
        case .socketClosed(let id):
            if id >= 0 && id < Self.socketCount { sockets[id].peerClosed = true }
        case .consoleActive, .hardwareStarted, .other, .commandMode, .dataMode, .serverClientConnected,
            .serverClientGone, .serverDroppingData, .serverPendingData, .mqttMessage, .mqttClosed:
            break
        }
        onIndication?(indication)
    }

    /// A command whose parameters are checked as it is built: ``run(_:timeout:)-(Step,_)`` builds every one of
    /// them in one place, so a call site passes a small value, not a closure with its own error path.
    private enum Step {
        case attention
        case echoOff
        case save
        case reset
        case status(String)
        case ssid(String)
        case setVariable(String, String)
        case credential(ATCredentialSlot, [UInt8])
        case tlsDomain(String)
        case time(Int)
        case openTLS(host: String, port: Int)
        case write(socket: Int, [UInt8])
        case read(socket: Int, count: Int)
        case query(socket: Int)
        case close(socket: Int)
        case windMask(Bool)
    }

    /// Builds the step's command with the session's dialect and runs it.
    @discardableResult
    @inline(never)
    private mutating func run(_ step: Step, timeout: UInt64? = nil) throws(SPWFHostError) -> ATHostResponse {
        let dialect = session.dialect
        let command: ATHostCommand
        do throws(ATCommandError) {
            switch step {
            case .attention: command = dialect.attentionCommand
            case .echoOff: command = dialect.echoCommand(on: false)
            case .save: command = dialect.saveHostCommand
            case .reset: command = dialect.resetHostCommand
            case .query(let id): command = dialect.socketQueryCommand(socket: id)
            case .close(let id): command = dialect.socketCloseCommand(socket: id)
            case .windMask(let masked): command = dialect.socketWindMaskCommand(masked: masked)
            case .status(let name): command = try dialect.statusCommand(name)
            case .ssid(let ssid): command = try dialect.ssidCommand(ssid)
            case .setVariable(let name, let value): command = try dialect.setVariableCommand(name, value)
            case .credential(let slot, let bytes): command = try dialect.storeCredentialCommand(slot, bytes)
            case .tlsDomain(let domain): command = try dialect.tlsDomainCommand(domain)
            case .time(let seconds): command = try dialect.setTimeCommand(seconds)
            case .openTLS(let host, let port):
                command = try dialect.socketOpenCommand(host: host, port: port, kind: .tls(commonName: nil))
            case .write(let id, let bytes):
                command = try dialect.socketWriteCommand(socket: id, bytes, maximum: Self.maximumWrite)
            case .read(let id, let count): command = try dialect.socketReadCommand(socket: id, count: count)
            }
        } catch {
            throw Self.error(error)
        }
        return try run(command, timeout: timeout)
    }

    /// Whether `text` is `literal`, compared as bytes: no String comparison (nor String index walking) in a
    /// firmware's image.
    @inline(never)
    private static func isText(_ text: String, _ literal: StaticString) -> Bool {
        var text = text
        return text.withUTF8 {
            $0.elementsEqual(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
        }
    }

    /// The error for a passphrase of `count` bytes (out of line: the interpolation is not at the call site).
    @inline(never)
    private static func passphraseError(_ count: Int) -> SPWFHostError {
        .invalidParameter("a WPA passphrase of \(count) bytes (8-63)")
    }

    /// The driver's error for a command that cannot be built (out of line: one copy in a firmware's image).
    @inline(never)
    private static func error(_ error: ATCommandError) -> SPWFHostError {
        switch error {
        case .unsafeParameter: return .invalidParameter("a parameter with a delimiter or a control byte")
        case .outOfRange(let what, let value): return .invalidParameter("\(what) \(value) out of range")
        }
    }

    // MARK: - Boot and Wi-Fi

    /// Boot sync: `AT` until the module answers OK (it may still be booting), then echo off; learns whether the
    /// station is already up (`AT+S.STS=ip_ipaddr`).
    public mutating func synchronize(timeout: UInt64 = 10_000) throws(SPWFHostError) {
        let deadline = port.milliseconds() + timeout
        while true {
            do {
                try run(.attention, timeout: 1_000)
                break
            } catch {
                if port.milliseconds() >= deadline { throw error }
                idle(milliseconds: 100)
            }
        }
        try run(.echoOff)
        let status = try run(.status("ip_ipaddr"))
        for case .variable(let name, let value) in status.lines
        where Self.isText(name, "ip_ipaddr") && !value.isEmpty && !Self.isText(value, "0.0.0.0") {
            wifiAddress = value
        }
    }

    /// Joins a WPA2 network as the hosted driver does: SSIDTXT, passphrase, privacy mode, station mode, save, reset,
    /// echo off, then waits for `+WIND:24`. Returns the station's address.
    @discardableResult
    public mutating func joinWiFi(ssid: String, passphrase: String) throws(SPWFHostError) -> String {
        guard (8...63).contains(passphrase.utf8.count) else { throw Self.passphraseError(passphrase.utf8.count) }
        try run(.ssid(ssid))
        try run(.setVariable("wifi_wpa_psk_text", passphrase))
        try run(.setVariable("wifi_priv_mode", "2"))
        try run(.setVariable("wifi_mode", "1"))
        try run(.save)
        try reset()
        return try waitForWiFi()
    }

    /// Resets the module and waits until it has booted (`+WIND:32`); echo off again.
    public mutating func reset() throws(SPWFHostError) {
        try run(.reset, timeout: 10_000)
        idle(milliseconds: 50)
        try run(.echoOff)
    }

    /// Waits for `+WIND:24` (or returns the address at once when the station is up).
    @inline(never)
    public mutating func waitForWiFi() throws(SPWFHostError) -> String {
        let deadline = port.milliseconds() + wifiTimeout
        wifiFailure = nil
        while true {
            if let wifiAddress { return wifiAddress }
            if let failure = wifiFailure, failure.number == 20 || failure.number == 74 {
                throw .wifiFailed(number: failure.number, text: failure.text)
            }
            if port.milliseconds() >= deadline {
                throw .wifiFailed(number: wifiFailure?.number ?? 0, text: wifiFailure?.text ?? "no +WIND:24 in time")
            }
            pump()
        }
    }

    // MARK: - Credentials and time

    /// Stores the CA, the device chain and the key in the flash slots, and the name the server must carry.
    public mutating func loadCredentials(ca: [UInt8], chain: [UInt8], key: [UInt8], domain: String?)
        throws(SPWFHostError)
    {
        try run(.credential(.ca, ca))
        try run(.credential(.cert, chain))
        try run(.credential(.key, key))
        if let domain { try run(.tlsDomain(domain)) }
    }

    /// `AT+S.SETTIME`: the clock TLS checks certificate dates against.
    public mutating func setTime(secondsSince1970 seconds: Int) throws(SPWFHostError) {
        try run(.time(seconds))
    }

    // MARK: - Sockets

    /// SOCKON by host name with `s` (TLS with the stored credentials); returns the socket id.
    public mutating func openTLS(host: String, port number: Int) throws(SPWFHostError) -> Int {
        let response = try run(.openTLS(host: host, port: number), timeout: openTimeout)
        for case .socketOpened(let id, _) in response.lines where id >= 0 && id < Self.socketCount {
            sockets[id] = Socket(open: true, lastQuery: port.milliseconds())
            return id
        }
        throw .protocolViolation("SOCKON answered OK without a socket id")
    }

    /// Whether the socket is open as far as the driver knows (a reboot loses every socket).
    public func isOpen(_ id: Int) -> Bool { id >= 0 && id < Self.socketCount && sockets[id].open }

    /// Writes all of `bytes`, in SOCKW commands of at most ``maximumWrite`` bytes.
    public mutating func write(socket id: Int, _ bytes: [UInt8]) throws(SPWFHostError) {
        guard isOpen(id) else { throw .socketClosed(id) }
        var offset = 0
        while offset < bytes.count {
            let chunk = Array(bytes[offset..<min(bytes.count, offset + Self.maximumWrite)])
            try run(.write(socket: id, chunk))
            offset += chunk.count
        }
    }

    /// What the module holds for the socket, without waiting: `+WIND:55` (or the poll interval) → SOCKQ → SOCKR
    /// with WINDs 32–63 masked. Returns an empty array when nothing is waiting; throws
    /// ``SPWFHostError/socketClosed(_:)`` once the peer closed (`+WIND:58`) and every byte was read.
    public mutating func read(socket id: Int) throws(SPWFHostError) -> [UInt8] {
        guard isOpen(id) else { throw .socketClosed(id) }
        pump()
        let now = port.milliseconds()
        let socket = sockets[id]
        if socket.unread > 0 || socket.peerClosed || now - socket.lastQuery >= pollInterval {
            try query(socket: id)
        }
        if sockets[id].unread == 0 {
            try unmask()
            if sockets[id].peerClosed { throw .socketClosed(id) }
            return []
        }
        return try readData(socket: id, count: min(sockets[id].unread, Self.maximumRead))
    }

    private mutating func query(socket id: Int) throws(SPWFHostError) {
        let response = try run(.query(socket: id))
        sockets[id].lastQuery = port.milliseconds()
        for case .pendingLength(let count) in response.lines {
            sockets[id].unread = count
            return
        }
        throw .protocolViolation("SOCKQ answered without a length")
    }

    /// Out of line: ``read(socket:)`` and ``close(socket:)`` each carried a copy.
    @inline(never)
    private mutating func readData(socket id: Int, count: Int) throws(SPWFHostError) -> [UInt8] {
        let dialect = session.dialect
        if dialect.readsNeedWindMask && windsMasked != true {
            windsMasked = nil
            try run(.windMask(true))
            windsMasked = true
        }
        let response = try run(.read(socket: id, count: count))
        sockets[id].unread = max(0, sockets[id].unread - response.data.count)
        return response.data
    }

    private mutating func unmask() throws(SPWFHostError) {
        let dialect = session.dialect
        guard dialect.readsNeedWindMask, windsMasked != false else { return }
        windsMasked = nil
        try run(.windMask(false))
        windsMasked = false
    }

    /// Closes a socket: SOCKC; while the module refuses with `Pending data`, the rest is read and dropped first.
    /// A socket the module no longer has is simply forgotten.
    public mutating func close(socket id: Int) throws(SPWFHostError) {
        guard isOpen(id) else { return }
        sockets[id].open = false
        for _ in 0..<3 {
            do {
                try run(.close(socket: id))
                return
            } catch {
                guard let moduleError = error.moduleError else { throw error }
                if moduleError.code == ATError.illegalSocketID.code { return }
                guard moduleError.code == ATError.pendingData.code else { throw error }
                try query(socket: id)
                while sockets[id].unread > 0 {
                    _ = try readData(socket: id, count: min(sockets[id].unread, Self.maximumRead))
                }
            }
        }
        throw .module(command: "AT+S.SOCKC", .pendingData)
    }
}
