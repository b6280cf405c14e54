/// The bytes one firmware family puts on the wire, and the commands a host sends it, described as data.
///
/// Everything that differs between SPWF01 and SPWF04 is a property of this one description: the
/// module renders its replies with it (``ok(verboseFields:)``, ``socketOpened(id:address:)``, ...), and a host
/// parses the same bytes back with it (``parseLine(_:)``, ``ATIndication/init(number:text:dialect:)``), so the
/// two directions cannot drift apart. Command handlers never branch on the dialect.
public struct ATDialect: Equatable, Sendable, CustomStringConvertible {
    /// Which family this is.
    public enum Family: String, Equatable, Sendable {
        case spwf01
        case spwf04
    }

    /// The family.
    public let family: Family

    // The family's bytes are computed from `family`, not stored: an `ATDialect` is one byte, so a firmware copies it
    // (and the session that holds it) without retaining twenty strings.

    /// What comes before a result or a framed information line (`\r\n` on SPWF01, nothing on SPWF04).
    public var replyLead: String { family == .spwf01 ? "\r\n" : "" }
    /// What comes before a WIND (`\r\n` on SPWF01, nothing on SPWF04).
    public var windLead: String { family == .spwf01 ? "\r\n" : "" }
    /// The prefix of every synchronous line but WINDs (`AT-S.` on SPWF04).
    public var linePrefix: String { ATBytes.string(linePrefixLiteral) }
    /// The success line's text (`OK`, `AT-S.OK`).
    public var okText: String { ATBytes.string(okLiteral) }
    /// The error line's prefix before the code or text (`ERROR: `, `AT-S.ERROR`).
    public var errorPrefix: String { ATBytes.string(errorPrefixLiteral) }
    /// Whether error lines carry a numeric code (`AT-S.ERROR:<code>:<text>`).
    public var errorsCarryCodes: Bool { family == .spwf04 }
    /// The prefix of SOCKON's result line (` ID: `, `AT-S.On:`).
    public var socketOpenedPrefix: String { ATBytes.string(socketOpenedPrefixLiteral) }
    /// The prefix of SOCKQ's result line (` DATALEN: `, `AT-S.Query:`).
    public var pendingLengthPrefix: String { ATBytes.string(pendingLengthPrefixLiteral) }
    /// The prefix of the header before SOCKR's raw bytes (`AT-S.Reading:`), or `nil` when there is none.
    public var readingPrefix: String? { readingPrefixLiteral.map { ATBytes.string($0) } }
    /// A variable line's prefix and the separator between name and value (`#  ` `" = "`, `AT-S.Var:` `=`).
    public var variablePrefix: String { ATBytes.string(variablePrefixLiteral) }
    /// The separator between a variable's name and value.
    public var variableSeparator: String { ATBytes.string(variableSeparatorLiteral) }
    /// The heading line that starts a dump (`AT&V`, `AT+S.STS`), or `nil` when the dialect prints none.
    public var dumpHeadingPrefix: String? { family == .spwf01 ? "# " : nil }
    /// The text of `+WIND:24` before the address (`WiFi Up:`, `WiFi Up:0:`).
    public var wifiUpPrefix: String { ATBytes.string(wifiUpPrefixLiteral) }
    /// `+WIND:55`'s text before the socket id (`Pending Data:`, `Pending Data::`); SPWF04 adds the bytes
    /// received since the last one before the total unread.
    public var pendingDataPrefix: String { ATBytes.string(pendingDataPrefixLiteral) }
    /// Whether `+WIND:55` carries the bytes received since the last one as well as the total unread.
    public var pendingDataCarriesReceived: Bool { family == .spwf04 }
    /// `+WIND:58`'s text after the socket id (nothing, `:0`).
    public var socketClosedSuffix: String { ATBytes.string(socketClosedSuffixLiteral) }
    /// The command that resets the module (`AT+CFUN=1`, `AT+S.RESET`).
    public var resetCommandLine: String { family == .spwf01 ? "AT+CFUN=1" : "AT+S.RESET" }
    /// The command that saves the configuration (`AT&W`, `AT+S.WCFG`).
    public var saveCommandLine: String { family == .spwf01 ? "AT&W" : "AT+S.WCFG" }
    /// The variable that turns the console's echo on and off (`localecho1`, `console_echo`).
    public var echoVariable: String { family == .spwf01 ? "localecho1" : "console_echo" }
    /// The credential slot names TLSCERT takes for CA, certificate and key (SPWF01's flash slots `f_ca`...,
    /// which survive a reset; SPWF04's `ca`..., which live in its file system).
    public var persistentCredentialSlots: (ca: String, cert: String, key: String) {
        family == .spwf01 ? ("f_ca", "f_cert", "f_key") : ("ca", "cert", "key")
    }

    public static func == (lhs: ATDialect, rhs: ATDialect) -> Bool { lhs.family == rhs.family }

    public var description: String { family.rawValue }

    /// The SPWF01 dialect (FW 3.x).
    public static let spwf01 = ATDialect(family: .spwf01)
    /// The SPWF04 dialect (FW 1.x).
    public static let spwf04 = ATDialect(family: .spwf04)

    /// Creates the dialect of a family.
    public init(family: Family) {
        self.family = family
    }

    private static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    // MARK: - Rendering (the module)

    /// The success line. SPWF04's `console_verbose` ≥ 1 adds `:<free heap>:<wifi state>`.
    public func ok(verboseFields: (freeHeap: Int, wifiState: Int)? = nil) -> [UInt8] {
        if errorsCarryCodes, let fields = verboseFields {
            return Self.bytes("\(replyLead)\(okText):\(fields.freeHeap):\(fields.wifiState)\r\n")
        }
        return Self.bytes("\(replyLead)\(okText)\r\n")
    }

    /// The error line. `verbosity` is SPWF04's `console_errs`: 0 bare, 1 code, 2 code and text.
    public func error(_ error: ATError, verbosity: Int = 2) -> [UInt8] {
        guard errorsCarryCodes else { return Self.bytes("\(replyLead)\(errorPrefix)\(error.text)\r\n") }
        switch verbosity {
        case ...0: return Self.bytes("\(replyLead)\(errorPrefix)\r\n")
        case 1: return Self.bytes("\(replyLead)\(errorPrefix):\(error.code)\r\n")
        default: return Self.bytes("\(replyLead)\(errorPrefix):\(error.code):\(error.text)\r\n")
        }
    }

    /// What makes a rendered error line unfit for a firmware, empty when it is fine: over
    /// ``ATError/maximumLineLength`` bytes (without its CR LF), not this dialect's error line, or a text with
    /// ``ATError/textProblems(_:)``.
    public func errorLineProblems(_ line: [UInt8]) -> [String] {
        var body = line[...]
        while let first = body.first, first == 0x0D || first == 0x0A { body = body.dropFirst() }
        while let last = body.last, last == 0x0D || last == 0x0A { body = body.dropLast() }
        var problems: [String] = []
        if body.count > ATError.maximumLineLength {
            problems.append("\(body.count) bytes, over \(ATError.maximumLineLength)")
        }
        guard var text = ATBytes.after(errorPrefix, in: body) else { return problems + ["not an error line"] }
        if errorsCarryCodes, let fields = ATBytes.after(":", in: text) {
            // `:<code>` or `:<code>:<text>`.
            let (_, tail) = ATBytes.split(fields, at: 0x3A)
            text = tail ?? []
        }
        return problems + ATError.textProblems(text)
    }

    /// A variable as GCFG, STS and PEERS print it: `#  name = value` / `AT-S.Var:name=value`.
    public func variable(_ name: String, _ value: String) -> [UInt8] {
        Self.bytes("\(variablePrefix)\(name)\(variableSeparator)\(value)\r\n")
    }

    /// A free-form information line (help text, ping replies, headings).
    public func information(_ text: String) -> [UInt8] {
        Self.bytes("\(linePrefix)\(text)\r\n")
    }

    /// The heading line that starts a dump (`AT&V`, `AT+S.STS`); SPWF04 prints none.
    public func dumpHeading(_ text: String) -> [UInt8] {
        guard let dumpHeadingPrefix else { return [] }
        return Self.bytes("\(dumpHeadingPrefix)\(text)\r\n")
    }

    /// SOCKON's result: `\r\n ID: 00\r\n` / `AT-S.On:<ip>:<id>`.
    public func socketOpened(id: Int, address: String) -> [UInt8] {
        if errorsCarryCodes { return Self.bytes("\(replyLead)\(socketOpenedPrefix)\(address):\(id)\r\n") }
        return Self.bytes("\(replyLead)\(socketOpenedPrefix)\(id < 10 ? "0" : "")\(id)\r\n")
    }

    /// SOCKQ's result: `\r\n DATALEN: n\r\n` / `AT-S.Query:n`.
    public func pendingLength(_ count: Int) -> [UInt8] {
        Self.bytes("\(replyLead)\(pendingLengthPrefix)\(count)\r\n")
    }

    /// What precedes SOCKR's raw bytes: nothing on SPWF01, `AT-S.Reading:<n>:<pending>` on SPWF04.
    public func readingHeader(count: Int, pending: Int) -> [UInt8] {
        guard let readingPrefix else { return [] }
        return Self.bytes("\(readingPrefix)\(count):\(pending)\r\n")
    }

    /// A WIND line: SPWF01 frames it in CR LF on both sides, SPWF04 only ends it with CR LF.
    public func wind(_ number: Int, _ text: String) -> [UInt8] {
        Self.bytes("\(windLead)+WIND:\(number):\(text)\r\n")
    }

    /// The text of `+WIND:24` (Wi-Fi up) for an IPv4 address.
    public func wifiUpText(address: String) -> String {
        wifiUpPrefix + address
    }

    /// The text of `+WIND:55` (pending data): `received` arrived since the last one, `unread` in all.
    public func pendingDataText(socket: Int, received: Int, unread: Int) -> String {
        pendingDataCarriesReceived
            ? "\(pendingDataPrefix)\(socket):\(received):\(unread)" : "\(pendingDataPrefix)\(socket):\(unread)"
    }

    /// The text of `+WIND:58` (the peer closed a client socket).
    public func socketClosedText(socket: Int) -> String {
        "Socket Closed:\(socket)\(socketClosedSuffix)"
    }

    /// The command name that resets the module in this dialect.
    public var resetCommand: String {
        String(decoding: resetCommandLine.utf8.prefix { $0 != 0x3D }, as: UTF8.self)
    }
}
