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
    public static let commandNotFound = ATError(code: 1, text: "Command not found")
    /// A parameter is missing, malformed or out of range.
    public static let invalidArguments = ATError(code: 3, text: "Invalid arguments")
    /// The command line exceeded the line limit.
    public static let lineTooLong = ATError(code: 4, text: "Line too long")
    /// GCFG/SCFG named a variable the module does not have.
    public static let unknownVariable = ATError(code: 6, text: "Unknown variable")
    /// SCFG named a read-only variable.
    public static let readOnlyVariable = ATError(code: 7, text: "Read-only variable")
    /// SCFG gave a value of the wrong type or out of range.
    public static let invalidValue = ATError(code: 8, text: "Invalid value")
    /// A binary block stopped arriving before it was complete.
    public static let dataTimeout = ATError(code: 9, text: "Data timeout")
    /// SOCKON with all sockets in use.
    public static let tooManySockets = ATError(code: 10, text: "Too many sockets")
    /// The host name did not resolve.
    public static let failedToResolve = ATError(code: 11, text: "Failed to resolve name")
    /// The connection could not be made.
    public static let connectionFailed = ATError(code: 12, text: "Failed to connect")
    /// SOCKR asked for more bytes than are pending.
    public static let notEnoughData = ATError(code: 13, text: "Not enough data in buffer")
    /// The station is not associated (no `+WIND:24` yet).
    public static let wifiNotConnected = ATError(code: 15, text: "WiFi not connected")
    /// PING got no reply.
    public static let pingFailed = ATError(code: 16, text: "Ping failed")
    /// PEERS named a peer that does not exist.
    public static let noSuchPeer = ATError(code: 17, text: "No such peer")
    /// Writing to flash failed.
    public static let flashWriteFailed = ATError(code: 18, text: "Flash write failed")
    /// The socket id is not a number from 0 to 7, or names no open socket.
    public static let illegalSocketID = ATError(code: 76, text: "Illegal Socket ID")
    /// SOCKC while unread data remains.
    public static let pendingData = ATError(code: 77, text: "Pending data")
    /// The peer closed the socket, or it failed.
    public static let socketNotConnected = ATError(code: 78, text: "Socket not connected")
    /// SPWF04 SOCKDON: the port is taken (by another server socket of the module, or on the machine).
    public static let serverPortInUse = ATError(code: 79, text: "Server port in use")
    /// SPWF01 `AT+S.`: there is no peer to exchange data with (no server client, no open client socket).
    public static let dataModeNotAvailable = ATError(code: 90, text: "Data mode not available")
    /// SPWF01: the escape sequence arrived as a command line, while the module is already in command mode.
    public static let commandModeNotAvailable = ATError(code: 91, text: "Command mode not available")
    /// SPWF01 `AT+S.SOCKD=<port>` while the socket server runs.
    public static let socketServerRunning = ATError(code: 92, text: "Socket Server already up and running")
    /// SPWF01 `AT+S.SOCKD=0` while no socket server runs.
    public static let socketServerNotRunning = ATError(code: 93, text: "Socket Server not running")
    /// A pending effect (name lookup, connect, ping) passed its deadline (`--effect-timeout`).
    public static let timedOut = ATError(code: 30, text: "Timed out")
    /// The TLS server accepted the connection but did not finish the handshake before the deadline.
    public static let handshakeTimedOut = ATError(code: 31, text: "TLS handshake timed out")
    /// SOCKW: the peer stopped reading and the bytes could not be handed over before the deadline.
    public static let writeTimedOut = ATError(code: 32, text: "Write timed out")

    // MARK: The file system (80–85)

    /// FSA, FSD, FSP, FSR or TLSCERT named a file that does not exist.
    public static let fileNotFound = ATError(code: 80, text: "File not found")
    /// SPWF01 FSC, or FSR's new name, named a file that exists already.
    public static let fileExists = ATError(code: 81, text: "File already exists")
    /// The file would grow past its size (SPWF01: what FSC allocated) or the largest file the module takes.
    public static let fileTooLarge = ATError(code: 82, text: "File too large")
    /// An empty or too long file name, or one with a space, a control byte or non-ASCII text.
    public static let invalidFileName = ATError(code: 83, text: "Invalid file name")
    /// No room left on the volume: its bytes or its number of files.
    public static let fileSystemFull = ATError(code: 84, text: "File system full")
    /// FSP asked for bytes past the end of the file.
    public static let fileRangeInvalid = ATError(code: 85, text: "Offset past end of file")

    // MARK: Credentials refused at TLSCERT / TLSDOMAIN time (20, 40–49)

    /// Credential data refused for a reason no more precise entry names.
    public static let credentialRejected = ATError(code: 20, text: "Credential rejected")
    /// More bytes than the slot holds (the slot's limit counts the bytes as sent).
    public static let credentialOverCapacity = ATError(code: 40, text: "Credential rejected: over slot capacity")
    /// Neither PEM nor DER, truncated, bad base64, or bytes that do not decode as a certificate or key.
    public static let credentialUnparsable = ATError(code: 41, text: "Credential rejected: not parsable")
    /// The wrong kind of object for the slot (a key in `ca` or `cert`, a certificate in `key`, a CSR...).
    public static let credentialWrongType = ATError(code: 42, text: "Credential rejected: wrong object type")
    /// A password-protected private key.
    public static let credentialEncryptedKey = ATError(code: 43, text: "Credential rejected: encrypted key")
    /// A chain in `cert` that is not leaf first, each certificate issued by the next.
    public static let credentialChainOutOfOrder = ATError(code: 44, text: "Credential rejected: chain out of order")
    /// The key and the certificate hold different public keys.
    public static let credentialKeyMismatch = ATError(code: 45, text: "Credential rejected: key does not match cert")
    /// Several certificates in `cert` where the profile takes one.
    public static let credentialChainNotAllowed = ATError(
        code: 46, text: "Credential rejected: one certificate only")
    /// A key type the module does not handle (RSA 2048–4096 and EC P-256/P-384 are).
    public static let credentialUnsupportedKey = ATError(
        code: 47, text: "Credential rejected: unsupported key type")
    /// More than one private key where one is expected.
    public static let credentialMultipleKeys = ATError(code: 48, text: "Credential rejected: more than one key")
    /// A TLSDOMAIN name that is neither a host name nor an IP address.
    public static let credentialInvalidDomain = ATError(code: 49, text: "Credential rejected: invalid domain")

    // MARK: A TLS socket without the credentials it needs (21, 50–52)

    /// A TLS socket lacks credentials for a reason no more precise entry names.
    public static let credentialsMissing = ATError(code: 21, text: "TLS credentials missing")
    /// SOCKON `s` with no CA stored: the module never opens an unverified TLS socket.
    public static let credentialsMissingCA = ATError(code: 50, text: "TLS credentials missing: no CA")
    /// A client certificate is stored without its private key.
    public static let credentialsMissingKey = ATError(code: 51, text: "TLS credentials missing: no key for cert")
    /// A private key is stored without its certificate.
    public static let credentialsMissingCert = ATError(code: 52, text: "TLS credentials missing: no cert for key")

    // MARK: TLS handshake failures (22, 60–68; a timeout is 31)

    /// The handshake failed for a reason no more precise entry names.
    public static let handshakeFailed = ATError(code: 22, text: "TLS handshake failed")
    /// The server speaks no TLS 1.2 (only older or only newer versions): a protocol version failure.
    public static let tlsProtocolVersion = ATError(code: 60, text: "TLS handshake failed: server has no TLS 1.2")
    /// The server's certificate was not issued by a CA in the `ca` slot.
    public static let tlsUnknownCA = ATError(code: 61, text: "TLS handshake failed: unknown CA")
    /// The server's certificate does not carry the expected name (TLSDOMAIN, SPWF04's common name, the host).
    public static let tlsNameMismatch = ATError(code: 62, text: "TLS handshake failed: name mismatch")
    /// A certificate of the server's chain expired before the module's clock (`AT+S.SETTIME`).
    public static let tlsCertificateExpired = ATError(code: 63, text: "TLS handshake failed: certificate expired")
    /// A certificate of the server's chain is not valid yet at the module's clock (often: the clock is not set).
    public static let tlsCertificateNotYetValid = ATError(
        code: 64, text: "TLS handshake failed: certificate not yet valid")
    /// The server asks for a client certificate and none is stored.
    public static let tlsClientCertificateRequired = ATError(
        code: 65, text: "TLS handshake failed: client cert required")
    /// The server refused the client certificate that was sent.
    public static let tlsClientCertificateRefused = ATError(
        code: 66, text: "TLS handshake failed: client cert refused")
    /// The server closed the connection before the handshake completed.
    public static let tlsServerClosed = ATError(code: 67, text: "TLS handshake failed: server closed")
    /// The server's certificate is unusable for another reason (unparsable, missing, not for TLS servers...).
    public static let tlsBadServerCertificate = ATError(
        code: 68, text: "TLS handshake failed: bad server cert")

    /// Every error the module prints. Each has its own code, and its text is the whole text of the line: no
    /// error line carries anything that changes from one occurrence, or one build, to the next.
    public static let catalogue: [ATError] = [
        .commandNotFound, .invalidArguments, .lineTooLong, .unknownVariable, .readOnlyVariable, .invalidValue,
        .dataTimeout, .tooManySockets, .failedToResolve, .connectionFailed, .notEnoughData, .wifiNotConnected,
        .pingFailed, .noSuchPeer, .flashWriteFailed,
        .credentialRejected, .credentialsMissing, .handshakeFailed,
        .timedOut, .handshakeTimedOut, .writeTimedOut,
        .credentialOverCapacity, .credentialUnparsable, .credentialWrongType, .credentialEncryptedKey,
        .credentialChainOutOfOrder, .credentialKeyMismatch, .credentialChainNotAllowed, .credentialUnsupportedKey,
        .credentialMultipleKeys, .credentialInvalidDomain,
        .credentialsMissingCA, .credentialsMissingKey, .credentialsMissingCert,
        .tlsProtocolVersion, .tlsUnknownCA, .tlsNameMismatch, .tlsCertificateExpired, .tlsCertificateNotYetValid,
        .tlsClientCertificateRequired, .tlsClientCertificateRefused, .tlsServerClosed, .tlsBadServerCertificate,
        .illegalSocketID, .pendingData, .socketNotConnected, .serverPortInUse,
        .dataModeNotAvailable, .commandModeNotAvailable, .socketServerRunning, .socketServerNotRunning,
        .fileNotFound, .fileExists, .fileTooLarge, .invalidFileName, .fileSystemFull, .fileRangeInvalid,
        .httpHostNotFound, .httpResponseTooLarge, .httpReceiveTimedOut, .httpBadResponse,
        .mqttNotConnected, .mqttAlreadyConnected, .mqttConnectionRefused, .mqttSubscribeRefused, .mqttMessageTooLong,
        .mqttWebSocketUnsupported, .mqttClosedBeforeConnAck,
    ]

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
        if let entry = catalogue.first(where: { $0.text.utf8.elementsEqual(text.utf8) }) { return entry }
        var best: ATError? = nil
        for entry in catalogue
        where text.utf8.count > entry.text.utf8.count + 1 && text.utf8.starts(with: entry.text.utf8 + [0x3A]) {
            if entry.text.utf8.count > best?.text.utf8.count ?? -1 { best = entry }
        }
        if let best { return ATError(code: best.code, text: text) }
        return ATError(code: 0, text: text)
    }

    /// The error an SPWF04 line names by code: the text as sent when there is one, else the catalogue's.
    public static func catalogueEntry(code: Int, text: String?) -> ATError {
        if let text, !text.isEmpty { return ATError(code: code, text: text) }
        return catalogue.first { $0.code == code } ?? ATError(code: code, text: "")
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
