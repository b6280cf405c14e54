/// An error a module reports to its host, with the text and the numeric code of each dialect.
///
/// SPWF01 prints `ERROR: <text>`; SPWF04 prints `AT-S.ERROR:<code>:<text>`. Codes 76–78 are the real
/// SPWF04 ones; the others are Uplink's choice (the SPWF04 manual's table was not available), and
/// are listed in docs/at-commands.md. ``catalogue`` lists every entry; a host maps the text (SPWF01) or
/// the code (SPWF04) of an error line back to its entry with ``catalogueEntry(text:)`` and
/// ``catalogueEntry(code:text:)``.
public struct ATError: Error, Equatable, Sendable {
    /// The SPWF04 error code.
    public var code: Int
    /// The human-readable text, identical in both dialects.
    public var text: String

    /// Creates an error from a code and a text.
    public init(code: Int, text: String) {
        self.code = code
        self.text = text
    }

    /// The line does not name a known command.
    public static var commandNotFound: ATError { entry(1) }
    /// A parameter is missing, malformed or out of range.
    public static var invalidArguments: ATError { entry(3) }
    /// The command line exceeded the line limit.
    public static var lineTooLong: ATError { entry(4) }
    /// GCFG/SCFG named a variable the module does not have.
    public static var unknownVariable: ATError { entry(6) }
    /// SCFG named a read-only variable.
    public static var readOnlyVariable: ATError { entry(7) }
    /// SCFG gave a value of the wrong type or out of range.
    public static var invalidValue: ATError { entry(8) }
    /// A binary block stopped arriving before it was complete.
    public static var dataTimeout: ATError { entry(9) }
    /// SOCKON with all sockets in use.
    public static var tooManySockets: ATError { entry(10) }
    /// The host name did not resolve.
    public static var failedToResolve: ATError { entry(11) }
    /// The connection could not be made.
    public static var connectionFailed: ATError { entry(12) }
    /// SOCKR asked for more bytes than are pending.
    public static var notEnoughData: ATError { entry(13) }
    /// The station is not associated (no `+WIND:24` yet).
    public static var wifiNotConnected: ATError { entry(15) }
    /// PING got no reply.
    public static var pingFailed: ATError { entry(16) }
    /// PEERS named a peer that does not exist.
    public static var noSuchPeer: ATError { entry(17) }
    /// Writing to flash failed.
    public static var flashWriteFailed: ATError { entry(18) }
    /// The socket id is not a number from 0 to 7, or names no open socket.
    public static var illegalSocketID: ATError { entry(76) }
    /// SOCKC while unread data remains.
    public static var pendingData: ATError { entry(77) }
    /// The peer closed the socket, or it failed.
    public static var socketNotConnected: ATError { entry(78) }
    /// SPWF04 SOCKDON: the port is taken (by another server socket of the module, or on the machine).
    public static var serverPortInUse: ATError { entry(79) }
    /// SPWF01 `AT+S.`: there is no peer to exchange data with (no server client, no open client socket).
    public static var dataModeNotAvailable: ATError { entry(90) }
    /// SPWF01: the escape sequence arrived as a command line, while the module is already in command mode.
    public static var commandModeNotAvailable: ATError { entry(91) }
    /// SPWF01 `AT+S.SOCKD=<port>` while the socket server runs.
    public static var socketServerRunning: ATError { entry(92) }
    /// SPWF01 `AT+S.SOCKD=0` while no socket server runs.
    public static var socketServerNotRunning: ATError { entry(93) }
    /// A pending effect (name lookup, connect, ping) passed its deadline (`--effect-timeout`).
    public static var timedOut: ATError { entry(30) }
    /// The TLS server accepted the connection but did not finish the handshake before the deadline.
    public static var handshakeTimedOut: ATError { entry(31) }
    /// SOCKW: the peer stopped reading and the bytes could not be handed over before the deadline.
    public static var writeTimedOut: ATError { entry(32) }

    // MARK: The file system (80–85)

    /// FSA, FSD, FSP, FSR or TLSCERT named a file that does not exist.
    public static var fileNotFound: ATError { entry(80) }
    /// SPWF01 FSC, or FSR's new name, named a file that exists already.
    public static var fileExists: ATError { entry(81) }
    /// The file would grow past its size (SPWF01: what FSC allocated) or the largest file the module takes.
    public static var fileTooLarge: ATError { entry(82) }
    /// An empty or too long file name, or one with a space, a control byte or non-ASCII text.
    public static var invalidFileName: ATError { entry(83) }
    /// No room left on the volume: its bytes or its number of files.
    public static var fileSystemFull: ATError { entry(84) }
    /// FSP asked for bytes past the end of the file.
    public static var fileRangeInvalid: ATError { entry(85) }

    // MARK: Credentials refused at TLSCERT / TLSDOMAIN time (20, 40–49)

    /// Credential data refused for a reason no more precise entry names.
    public static var credentialRejected: ATError { entry(20) }
    /// More bytes than the slot holds (the slot's limit counts the bytes as sent).
    public static var credentialOverCapacity: ATError { entry(40) }
    /// Neither PEM nor DER, truncated, bad base64, or bytes that do not decode as a certificate or key.
    public static var credentialUnparsable: ATError { entry(41) }
    /// The wrong kind of object for the slot (a key in `ca` or `cert`, a certificate in `key`, a CSR...).
    public static var credentialWrongType: ATError { entry(42) }
    /// A password-protected private key.
    public static var credentialEncryptedKey: ATError { entry(43) }
    /// A chain in `cert` that is not leaf first, each certificate issued by the next.
    public static var credentialChainOutOfOrder: ATError { entry(44) }
    /// The key and the certificate hold different public keys.
    public static var credentialKeyMismatch: ATError { entry(45) }
    /// Several certificates in `cert` where the profile takes one.
    public static var credentialChainNotAllowed: ATError { entry(46) }
    /// A key type the module does not handle (RSA 2048–4096 and EC P-256/P-384 are).
    public static var credentialUnsupportedKey: ATError { entry(47) }
    /// More than one private key where one is expected.
    public static var credentialMultipleKeys: ATError { entry(48) }
    /// A TLSDOMAIN name that is neither a host name nor an IP address.
    public static var credentialInvalidDomain: ATError { entry(49) }

    // MARK: A TLS socket without the credentials it needs (21, 50–52)

    /// A TLS socket lacks credentials for a reason no more precise entry names.
    public static var credentialsMissing: ATError { entry(21) }
    /// SOCKON `s` with no CA stored: the module never opens an unverified TLS socket.
    public static var credentialsMissingCA: ATError { entry(50) }
    /// A client certificate is stored without its private key.
    public static var credentialsMissingKey: ATError { entry(51) }
    /// A private key is stored without its certificate.
    public static var credentialsMissingCert: ATError { entry(52) }

    // MARK: TLS handshake failures (22, 60–68; a timeout is 31)

    /// The handshake failed for a reason no more precise entry names.
    public static var handshakeFailed: ATError { entry(22) }
    /// The server speaks no TLS 1.2 (only older or only newer versions): a protocol version failure.
    public static var tlsProtocolVersion: ATError { entry(60) }
    /// The server's certificate was not issued by a CA in the `ca` slot.
    public static var tlsUnknownCA: ATError { entry(61) }
    /// The server's certificate does not carry the expected name (TLSDOMAIN, SPWF04's common name, the host).
    public static var tlsNameMismatch: ATError { entry(62) }
    /// A certificate of the server's chain expired before the module's clock (`AT+S.SETTIME`).
    public static var tlsCertificateExpired: ATError { entry(63) }
    /// A certificate of the server's chain is not valid yet at the module's clock (often: the clock is not set).
    public static var tlsCertificateNotYetValid: ATError { entry(64) }
    /// The server asks for a client certificate and none is stored.
    public static var tlsClientCertificateRequired: ATError { entry(65) }
    /// The server refused the client certificate that was sent.
    public static var tlsClientCertificateRefused: ATError { entry(66) }
    /// The server closed the connection before the handshake completed.
    public static var tlsServerClosed: ATError { entry(67) }
    /// The server's certificate is unusable for another reason (unparsable, missing, not for TLS servers...).
    public static var tlsBadServerCertificate: ATError { entry(68) }

    /// Every error the module prints, by code. Each has its own code, and its text is the whole text of the line: no
    /// error line carries anything that changes from one occurrence, or one build, to the next.
    public static let catalogue: [ATError] = {
        var entries: [ATError] = []
        forEachCatalogueLine { code, text in
            entries.append(ATError(code: code, text: String(decoding: text, as: UTF8.self)))
            return false
        }
        return entries
    }()

    /// The catalogue's entry with `code`, or `nil` when the catalogue has none. A host looks entries up in
    /// ``catalogueLines`` without building ``catalogue``: a firmware's image carries the texts once, as data.
    public static func catalogueEntry(code: Int) -> ATError? {
        var found: ATError? = nil
        forEachCatalogueLine { entryCode, text in
            guard entryCode == code else { return entryCode > code }
            found = ATError(code: code, text: String(decoding: text, as: UTF8.self))
            return true
        }
        return found
    }

    /// The catalogue's entry with `code`: a named error's value (the tests check that every named error is an entry).
    /// Out of line, so a named error costs its caller a call with a constant.
    @inline(never)
    static func entry(_ code: Int) -> ATError {
        catalogueEntry(code: code) ?? ATError(code: code, text: "")
    }

    /// The catalogue, one line an entry: the code in decimal, a space, the text. Codes ascend; a new entry gets its
    /// line here and a named error (a static property) calling ``entry(_:)`` with its code.
    static let catalogueLines: StaticString = """
        1 Command not found
        3 Invalid arguments
        4 Line too long
        6 Unknown variable
        7 Read-only variable
        8 Invalid value
        9 Data timeout
        10 Too many sockets
        11 Failed to resolve name
        12 Failed to connect
        13 Not enough data in buffer
        15 WiFi not connected
        16 Ping failed
        17 No such peer
        18 Flash write failed
        20 Credential rejected
        21 TLS credentials missing
        22 TLS handshake failed
        30 Timed out
        31 TLS handshake timed out
        32 Write timed out
        40 Credential rejected: over slot capacity
        41 Credential rejected: not parsable
        42 Credential rejected: wrong object type
        43 Credential rejected: encrypted key
        44 Credential rejected: chain out of order
        45 Credential rejected: key does not match cert
        46 Credential rejected: one certificate only
        47 Credential rejected: unsupported key type
        48 Credential rejected: more than one key
        49 Credential rejected: invalid domain
        50 TLS credentials missing: no CA
        51 TLS credentials missing: no key for cert
        52 TLS credentials missing: no cert for key
        60 TLS handshake failed: server has no TLS 1.2
        61 TLS handshake failed: unknown CA
        62 TLS handshake failed: name mismatch
        63 TLS handshake failed: certificate expired
        64 TLS handshake failed: certificate not yet valid
        65 TLS handshake failed: client cert required
        66 TLS handshake failed: client cert refused
        67 TLS handshake failed: server closed
        68 TLS handshake failed: bad server cert
        76 Illegal Socket ID
        77 Pending data
        78 Socket not connected
        79 Server port in use
        80 File not found
        81 File already exists
        82 File too large
        83 Invalid file name
        84 File system full
        85 Offset past end of file
        86 host not found
        87 HTTP response too large
        88 HTTP receive timed out
        89 HTTP bad response
        90 Data mode not available
        91 Command mode not available
        92 Socket Server already up and running
        93 Socket Server not running
        94 MQTT not connected
        95 MQTT already connected
        96 MQTT connection refused
        97 MQTT subscribe refused
        98 MQTT message too long
        99 MQTT over WebSocket not supported
        100 MQTT connection refused: closed before CONNACK
        """

    /// Calls `body` with each entry's code and text, in order, until it returns `true`.
    static func forEachCatalogueLine(_ body: (Int, UnsafeBufferPointer<UInt8>) -> Bool) {
        let lines = catalogueLines
        let bytes = UnsafeBufferPointer(start: lines.utf8Start, count: lines.utf8CodeUnitCount)
        var index = 0
        while index < bytes.count {
            var code = 0
            while index < bytes.count, bytes[index] != 0x20 {
                code = code &* 10 &+ Int(bytes[index] &- 0x30)
                index += 1
            }
            let start = Swift.min(index + 1, bytes.count)
            index = start
            while index < bytes.count, bytes[index] != 0x0A { index += 1 }
            if body(code, UnsafeBufferPointer(rebasing: bytes[start..<index])) { return }
            index += 1
        }
    }

    /// The longest error line a module may print, in bytes, without its CR LF (a firmware reads lines into
    /// fixed buffers: mbed's is 256 bytes).
    public static let maximumLineLength = 120

    /// Whether this is a credential refusal at TLSCERT / TLSDOMAIN time (code 20 or 40–49).
    public var isCredentialRejection: Bool { code == 20 || (40...49).contains(code) }
    /// Whether a TLS socket lacked credentials (code 21 or 50–59).
    public var isCredentialsMissing: Bool { code == 21 || (50...59).contains(code) }
    /// Whether a TLS handshake failed or timed out (code 22, 31 or 60–69).
    public var isHandshakeFailure: Bool { code == 22 || code == 31 || (60...69).contains(code) }

    /// The catalogue entry an SPWF01 error text names: the entry with exactly that text; else, for a text that
    /// extends an entry's text with `: <more>` (another firmware's wording), that entry's code with the whole text
    /// kept; code 0 when the text is not in the catalogue.
    public static func catalogueEntry(text: String) -> ATError {
        var bytes = text
        return bytes.withUTF8 { catalogueEntry(bytes: $0, text: text) }
    }

    /// ``catalogueEntry(text:)`` on the line's bytes; `text` is the same bytes as a String.
    static func catalogueEntry(bytes: UnsafeBufferPointer<UInt8>, text: @autoclosure () -> String) -> ATError {
        var bestCode = 0
        var bestLength = -1
        forEachCatalogueLine { code, entryBytes in
            guard bytes.count >= entryBytes.count, bytes.starts(with: entryBytes) else { return false }
            if bytes.count == entryBytes.count {
                bestCode = code
                return true
            }
            // A longer text names the entry only as `<entry's text>:<more>`.
            if bytes.count > entryBytes.count + 1, bytes[entryBytes.count] == 0x3A, entryBytes.count > bestLength {
                bestCode = code
                bestLength = entryBytes.count
            }
            return false
        }
        return ATError(code: bestCode, text: text())
    }

    /// The error an SPWF04 line names by code: the text as sent when there is one, else the catalogue's.
    public static func catalogueEntry(code: Int, text: String?) -> ATError {
        if let text, !text.isEmpty { return ATError(code: code, text: text) }
        return catalogueEntry(code: code) ?? ATError(code: code, text: "")
    }

    /// What makes an error text unfit for a firmware's line parser: empty when it is fine. It must be printable
    /// ASCII and look like nothing of a program's internals — no path (`/`, `\\`), no qualified type name
    /// (`NIOSSL.BoringSSLError`), nothing of a Swift error dump (`(`, `[`, `{`, `=`, `Error`), no number of more
    /// than four digits (an error code of a library, a time). The length is checked on the whole line, by
    /// ``ATDialect/errorLineProblems(_:)``.
    public static func textProblems(_ text: some Collection<UInt8>) -> [String] {
        var problems: [String] = []
        if text.contains(where: { $0 < 0x20 || $0 > 0x7E }) { problems.append("a control or non-ASCII byte") }
        if text.contains(0x2F) || text.contains(0x5C) { problems.append("a path separator") }
        for (byte, name) in [(UInt8(0x28), "("), (0x5B, "["), (0x7B, "{"), (0x3D, "=")] where text.contains(byte) {
            problems.append("'\(name)', as in a program's dump")
        }
        func isLetter(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A || byte >= 0x61 && byte <= 0x7A }
        var window: (UInt8, UInt8) = (0, 0)
        var digits = 0
        var qualified = false
        var longNumber = false
        for byte in text {
            if window.1 == 0x2E, isLetter(window.0), isLetter(byte) { qualified = true }
            digits = byte >= 0x30 && byte <= 0x39 ? digits + 1 : 0
            if digits > 4 { longNumber = true }
            window = (window.1, byte)
        }
        if qualified { problems.append("a qualified name") }
        if longNumber { problems.append("a long number") }
        let bytes = Array(text)
        let marker = Array("Error".utf8)
        if bytes.count >= marker.count,
            (0...(bytes.count - marker.count)).contains(where: { bytes[$0..<$0 + marker.count].elementsEqual(marker) })
        {
            problems.append("a Swift error name")
        }
        return problems
    }
}
