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
    public private(set) var session: ATHostSessionOf<ATSocketHostFeatures>
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
    private static var socketCount: Int { 8 }

    private var unread: [Int]
    private var peerClosed: [Bool]
    private var open: [Bool]
    private var lastQuery: [UInt64]
    private var windsMasked: Bool?
    private var wifiFailure: (number: Int, text: String)?
    private var scratch: [UInt8] = []

    /// A driver for a module of `dialect` on `port`.
    public init(port: Port, dialect: ATDialect = .spwf01) {
        self.port = port
        session = ATHostSessionOf(dialect: dialect, maximumLineLength: 512)
        unread = Array(repeating: 0, count: Self.socketCount)
        peerClosed = Array(repeating: false, count: Self.socketCount)
        open = Array(repeating: false, count: Self.socketCount)
        lastQuery = Array(repeating: 0, count: Self.socketCount)
    }

    // MARK: - Commands

    /// Sends one command and waits for its end (OK, an error line, a reboot) or `timeout` milliseconds.
    @discardableResult
    public mutating func run(_ command: ATHostCommand, timeout: UInt64? = nil) throws(SPWFHostError)
        -> ATHostSession.Response
    {
        let (id, effects) = session.submit(command)
        var result: Result<ATHostSession.Response, ATHostSession.Failure>? = nil
        apply(effects, waitingFor: id, &result)
        let deadline = port.milliseconds() + (timeout ?? commandTimeout)
        while result == nil {
            if !pump() && port.milliseconds() >= deadline {
                apply(session.expire(id), waitingFor: id, &result)
            }
            if session.isDesynchronized && result != nil { resynchronize() }
            collect(id, &result)
        }
        switch result {
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

    /// Reads what the port has and feeds it to the session; returns whether anything came.
    @discardableResult
    public mutating func pump() -> Bool {
        scratch.removeAll(keepingCapacity: true)
        port.read(into: &scratch)
        guard !scratch.isEmpty else { return false }
        var ignored: Result<ATHostSession.Response, ATHostSession.Failure>? = nil
        apply(session.receive(scratch), waitingFor: 0, &ignored)
        return true
    }

    /// Processes the module's output for `milliseconds` (WINDs only: nothing is sent).
    public mutating func idle(milliseconds: UInt64) {
        let end = port.milliseconds() + milliseconds
        while port.milliseconds() < end { pump() }
    }

    private var completions: [(ATHostSession.ExchangeID, Result<ATHostSession.Response, ATHostSession.Failure>)] =
        []

    private mutating func apply(
        _ effects: [ATHostSession.Effect], waitingFor id: ATHostSession.ExchangeID,
        _ result: inout Result<ATHostSession.Response, ATHostSession.Failure>?
    ) {
        for effect in effects {
            switch effect {
            case .write(let bytes): port.write(bytes)
            case .completed(let done, let outcome): completions.append((done, outcome))
            case .indication(let indication): handle(indication)
            // This host never enters data mode.
            case .data: break
            }
        }
        collect(id, &result)
    }

    private mutating func collect(
        _ id: ATHostSession.ExchangeID, _ result: inout Result<ATHostSession.Response, ATHostSession.Failure>?
    ) {
        guard id != 0, result == nil, let index = completions.firstIndex(where: { $0.0 == id }) else { return }
        result = completions[index].1
        completions.removeAll()
    }

    /// After a timeout: lets the module finish what it was saying, then matches replies to commands again.
    private mutating func resynchronize() {
        idle(milliseconds: 200)
        session.resynchronized()
    }

    private static func name(of command: ATHostCommand) -> String {
        let line = Array(command.line.utf8)
        return String(decoding: line[..<(line.firstIndex(of: 0x3D) ?? line.endIndex)], as: UTF8.self)
    }

    private mutating func handle(_ indication: ATIndication) {
        switch indication {
        case .reset, .powerOn, .hardFault:
            if wifiAddress != nil || open.contains(true) || windsMasked != nil { reboots += 1 }
            wifiAddress = nil
            windsMasked = nil
            for id in 0..<Self.socketCount {
                open[id] = false
                unread[id] = 0
                peerClosed[id] = false
            }
        case .wifiUp(let address):
            wifiAddress = address
            wifiFailure = nil
        case .wifiFailure(let number, let text):
            wifiFailure = (number, text)
            if number != 40 { wifiAddress = nil }
        case .pendingData(let id, let count):
            if id >= 0 && id < Self.socketCount { unread[id] = count }
        case .socketClosed(let id):
            if id >= 0 && id < Self.socketCount { peerClosed[id] = true }
        case .consoleActive, .hardwareStarted, .other, .commandMode, .dataMode, .serverClientConnected,
            .serverClientGone, .serverDroppingData, .serverPendingData, .mqttMessage, .mqttClosed:
            break
        }
        onIndication?(indication)
    }

    private func command(_ build: () throws(ATCommandError) -> ATHostCommand) throws(SPWFHostError) -> ATHostCommand {
        do {
            return try build()
        } catch {
            throw Self.error(error)
        }
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
                try run(session.dialect.attentionCommand, timeout: 1_000)
                break
            } catch {
                if port.milliseconds() >= deadline { throw error }
                idle(milliseconds: 100)
            }
        }
        try run(session.dialect.echoCommand(on: false))
        let dialect = session.dialect
        let status = try run(command { () throws(ATCommandError) in try dialect.statusCommand("ip_ipaddr") })
        // Compared as byte arrays: no String comparison (nor String index walking) in a firmware's image.
        for case .variable(let name, let value) in status.lines
        where Array(name.utf8) == Array("ip_ipaddr".utf8) && !value.isEmpty
            && Array(value.utf8) != Array("0.0.0.0".utf8)
        {
            wifiAddress = value
        }
    }

    /// Joins a WPA2 network as the hosted driver does: SSIDTXT, passphrase, privacy mode, station mode, save, reset,
    /// echo off, then waits for `+WIND:24`. Returns the station's address.
    @discardableResult
    public mutating func joinWiFi(ssid: String, passphrase: String) throws(SPWFHostError) -> String {
        guard (8...63).contains(passphrase.utf8.count) else {
            throw .invalidParameter("a WPA passphrase of \(passphrase.utf8.count) bytes (8-63)")
        }
        let dialect = session.dialect
        try run(command { () throws(ATCommandError) in try dialect.ssidCommand(ssid) })
        try run(
            command { () throws(ATCommandError) in try dialect.setVariableCommand("wifi_wpa_psk_text", passphrase) })
        try run(command { () throws(ATCommandError) in try dialect.setVariableCommand("wifi_priv_mode", "2") })
        try run(command { () throws(ATCommandError) in try dialect.setVariableCommand("wifi_mode", "1") })
        try run(dialect.saveHostCommand)
        try reset()
        return try waitForWiFi()
    }

    /// Resets the module and waits until it has booted (`+WIND:32`); echo off again.
    public mutating func reset() throws(SPWFHostError) {
        try run(session.dialect.resetHostCommand, timeout: 10_000)
        idle(milliseconds: 50)
        try run(session.dialect.echoCommand(on: false))
    }

    /// Waits for `+WIND:24` (or returns the address at once when the station is up).
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
        let dialect = session.dialect
        try run(command { () throws(ATCommandError) in try dialect.storeCredentialCommand(.ca, ca) })
        try run(command { () throws(ATCommandError) in try dialect.storeCredentialCommand(.cert, chain) })
        try run(command { () throws(ATCommandError) in try dialect.storeCredentialCommand(.key, key) })
        if let domain {
            try run(command { () throws(ATCommandError) in try dialect.tlsDomainCommand(domain) })
        }
    }

    /// `AT+S.SETTIME`: the clock TLS checks certificate dates against.
    public mutating func setTime(secondsSince1970 seconds: Int) throws(SPWFHostError) {
        let dialect = session.dialect
        try run(command { () throws(ATCommandError) in try dialect.setTimeCommand(seconds) })
    }

    // MARK: - Sockets

    /// SOCKON by host name with `s` (TLS with the stored credentials); returns the socket id.
    public mutating func openTLS(host: String, port number: Int) throws(SPWFHostError) -> Int {
        let dialect = session.dialect
        let response = try run(
            command { () throws(ATCommandError) in
                try dialect.socketOpenCommand(host: host, port: number, kind: .tls(commonName: nil))
            }, timeout: openTimeout)
        for case .socketOpened(let id, _) in response.lines where id >= 0 && id < Self.socketCount {
            open[id] = true
            unread[id] = 0
            peerClosed[id] = false
            lastQuery[id] = port.milliseconds()
            return id
        }
        throw .protocolViolation("SOCKON answered OK without a socket id")
    }

    /// Whether the socket is open as far as the driver knows (a reboot loses every socket).
    public func isOpen(_ id: Int) -> Bool { id >= 0 && id < Self.socketCount && open[id] }

    /// Writes all of `bytes`, in SOCKW commands of at most ``maximumWrite`` bytes.
    public mutating func write(socket id: Int, _ bytes: [UInt8]) throws(SPWFHostError) {
        guard isOpen(id) else { throw .socketClosed(id) }
        let dialect = session.dialect
        var offset = 0
        while offset < bytes.count {
            let chunk = Array(bytes[offset..<min(bytes.count, offset + Self.maximumWrite)])
            try run(
                command { () throws(ATCommandError) in
                    try dialect.socketWriteCommand(socket: id, chunk, maximum: Self.maximumWrite)
                })
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
        if unread[id] > 0 || peerClosed[id] || now - lastQuery[id] >= pollInterval {
            try query(socket: id)
        }
        if unread[id] == 0 {
            try unmask()
            if peerClosed[id] { throw .socketClosed(id) }
            return []
        }
        return try readData(socket: id, count: min(unread[id], Self.maximumRead))
    }

    private mutating func query(socket id: Int) throws(SPWFHostError) {
        let response = try run(session.dialect.socketQueryCommand(socket: id))
        lastQuery[id] = port.milliseconds()
        for case .pendingLength(let count) in response.lines {
            unread[id] = count
            return
        }
        throw .protocolViolation("SOCKQ answered without a length")
    }

    private mutating func readData(socket id: Int, count: Int) throws(SPWFHostError) -> [UInt8] {
        let dialect = session.dialect
        if dialect.readsNeedWindMask && windsMasked != true {
            windsMasked = nil
            try run(dialect.socketWindMaskCommand(masked: true))
            windsMasked = true
        }
        let response = try run(
            command { () throws(ATCommandError) in try dialect.socketReadCommand(socket: id, count: count) })
        unread[id] = max(0, unread[id] - response.data.count)
        return response.data
    }

    private mutating func unmask() throws(SPWFHostError) {
        let dialect = session.dialect
        guard dialect.readsNeedWindMask, windsMasked != false else { return }
        windsMasked = nil
        try run(dialect.socketWindMaskCommand(masked: false))
        windsMasked = false
    }

    /// Closes a socket: SOCKC; while the module refuses with `Pending data`, the rest is read and dropped first.
    /// A socket the module no longer has is simply forgotten.
    public mutating func close(socket id: Int) throws(SPWFHostError) {
        guard isOpen(id) else { return }
        open[id] = false
        for _ in 0..<3 {
            do {
                try run(session.dialect.socketCloseCommand(socket: id))
                return
            } catch {
                guard let moduleError = error.moduleError else { throw error }
                if moduleError.code == ATError.illegalSocketID.code { return }
                guard moduleError.code == ATError.pendingData.code else { throw error }
                try query(socket: id)
                while unread[id] > 0 {
                    _ = try readData(socket: id, count: min(unread[id], Self.maximumRead))
                }
            }
        }
        throw .module(command: "AT+S.SOCKC", .pendingData)
    }
}
