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
    public static var commandNotFound: ATError { ATError(code: 1, text: "Command not found") }
    /// A parameter is missing, malformed or out of range.
    public static var invalidArguments: ATError { ATError(code: 3, text: "Invalid arguments") }
    /// The command line exceeded the line limit.
    public static var lineTooLong: ATError { ATError(code: 4, text: "Line too long") }
    /// GCFG/SCFG named a variable the module does not have.
    public static var unknownVariable: ATError { ATError(code: 6, text: "Unknown variable") }
    /// SCFG named a read-only variable.
    public static var readOnlyVariable: ATError { ATError(code: 7, text: "Read-only variable") }
    /// SCFG gave a value of the wrong type or out of range.
    public static var invalidValue: ATError { ATError(code: 8, text: "Invalid value") }
    /// A binary block stopped arriving before it was complete.
    public static var dataTimeout: ATError { ATError(code: 9, text: "Data timeout") }
    /// SOCKON with all sockets in use.
    public static var tooManySockets: ATError { ATError(code: 10, text: "Too many sockets") }
    /// The host name did not resolve.
    public static var failedToResolve: ATError { ATError(code: 11, text: "Failed to resolve name") }
    /// The connection could not be made.
    public static var connectionFailed: ATError { ATError(code: 12, text: "Failed to connect") }
    /// SOCKR asked for more bytes than are pending.
    public static var notEnoughData: ATError { ATError(code: 13, text: "Not enough data in buffer") }
    /// The station is not associated (no `+WIND:24` yet).
    public static var wifiNotConnected: ATError { ATError(code: 15, text: "WiFi not connected") }
    /// PING got no reply.
    public static var pingFailed: ATError { ATError(code: 16, text: "Ping failed") }
    /// PEERS named a peer that does not exist.
    public static var noSuchPeer: ATError { ATError(code: 17, text: "No such peer") }
    /// Writing to flash failed.
    public static var flashWriteFailed: ATError { ATError(code: 18, text: "Flash write failed") }
    /// The socket id is not a number from 0 to 7, or names no open socket.
    public static var illegalSocketID: ATError { ATError(code: 76, text: "Illegal Socket ID") }
    /// SOCKC while unread data remains.
    public static var pendingData: ATError { ATError(code: 77, text: "Pending data") }
    /// The peer closed the socket, or it failed.
    public static var socketNotConnected: ATError { ATError(code: 78, text: "Socket not connected") }
    /// SPWF04 SOCKDON: the port is taken (by another server socket of the module, or on the machine).
    public static var serverPortInUse: ATError { ATError(code: 79, text: "Server port in use") }
    /// SPWF01 `AT+S.`: there is no peer to exchange data with (no server client, no open client socket).
    public static var dataModeNotAvailable: ATError { ATError(code: 90, text: "Data mode not available") }
    /// SPWF01: the escape sequence arrived as a command line, while the module is already in command mode.
    public static var commandModeNotAvailable: ATError { ATError(code: 91, text: "Command mode not available") }
    /// SPWF01 `AT+S.SOCKD=<port>` while the socket server runs.
    public static var socketServerRunning: ATError { ATError(code: 92, text: "Socket Server already up and running") }
    /// SPWF01 `AT+S.SOCKD=0` while no socket server runs.
    public static var socketServerNotRunning: ATError { ATError(code: 93, text: "Socket Server not running") }
    /// A pending effect (name lookup, connect, ping) passed its deadline (`--effect-timeout`).
    public static var timedOut: ATError { ATError(code: 30, text: "Timed out") }
    /// The TLS server accepted the connection but did not finish the handshake before the deadline.
    public static var handshakeTimedOut: ATError { ATError(code: 31, text: "TLS handshake timed out") }
    /// SOCKW: the peer stopped reading and the bytes could not be handed over before the deadline.
    public static var writeTimedOut: ATError { ATError(code: 32, text: "Write timed out") }

    // MARK: The file system (80–85)

    /// FSA, FSD, FSP, FSR or TLSCERT named a file that does not exist.
    public static var fileNotFound: ATError { ATError(code: 80, text: "File not found") }
    /// SPWF01 FSC, or FSR's new name, named a file that exists already.
    public static var fileExists: ATError { ATError(code: 81, text: "File already exists") }
    /// The file would grow past its size (SPWF01: what FSC allocated) or the largest file the module takes.
    public static var fileTooLarge: ATError { ATError(code: 82, text: "File too large") }
    /// An empty or too long file name, or one with a space, a control byte or non-ASCII text.
    public static var invalidFileName: ATError { ATError(code: 83, text: "Invalid file name") }
    /// No room left on the volume: its bytes or its number of files.
    public static var fileSystemFull: ATError { ATError(code: 84, text: "File system full") }
    /// FSP asked for bytes past the end of the file.
    public static var fileRangeInvalid: ATError { ATError(code: 85, text: "Offset past end of file") }

    // MARK: Credentials refused at TLSCERT / TLSDOMAIN time (20, 40–49)

    /// Credential data refused for a reason no more precise entry names.
    public static var credentialRejected: ATError { ATError(code: 20, text: "Credential rejected") }
    /// More bytes than the slot holds (the slot's limit counts the bytes as sent).
    public static var credentialOverCapacity: ATError {
        ATError(code: 40, text: "Credential rejected: over slot capacity")
    }
    /// Neither PEM nor DER, truncated, bad base64, or bytes that do not decode as a certificate or key.
    public static var credentialUnparsable: ATError { ATError(code: 41, text: "Credential rejected: not parsable") }
    /// The wrong kind of object for the slot (a key in `ca` or `cert`, a certificate in `key`, a CSR...).
    public static var credentialWrongType: ATError { ATError(code: 42, text: "Credential rejected: wrong object type") }
    /// A password-protected private key.
    public static var credentialEncryptedKey: ATError { ATError(code: 43, text: "Credential rejected: encrypted key") }
    /// A chain in `cert` that is not leaf first, each certificate issued by the next.
    public static var credentialChainOutOfOrder: ATError {
        ATError(code: 44, text: "Credential rejected: chain out of order")
    }
    /// The key and the certificate hold different public keys.
    public static var credentialKeyMismatch: ATError {
        ATError(code: 45, text: "Credential rejected: key does not match cert")
    }
    /// Several certificates in `cert` where the profile takes one.
    public static var credentialChainNotAllowed: ATError {
        ATError(code: 46, text: "Credential rejected: one certificate only")
    }
    /// A key type the module does not handle (RSA 2048–4096 and EC P-256/P-384 are).
    public static var credentialUnsupportedKey: ATError {
        ATError(code: 47, text: "Credential rejected: unsupported key type")
    }
    /// More than one private key where one is expected.
    public static var credentialMultipleKeys: ATError {
        ATError(code: 48, text: "Credential rejected: more than one key")
    }
    /// A TLSDOMAIN name that is neither a host name nor an IP address.
    public static var credentialInvalidDomain: ATError {
        ATError(code: 49, text: "Credential rejected: invalid domain")
    }

    // MARK: A TLS socket without the credentials it needs (21, 50–52)

    /// A TLS socket lacks credentials for a reason no more precise entry names.
    public static var credentialsMissing: ATError { ATError(code: 21, text: "TLS credentials missing") }
    /// SOCKON `s` with no CA stored: the module never opens an unverified TLS socket.
    public static var credentialsMissingCA: ATError { ATError(code: 50, text: "TLS credentials missing: no CA") }
    /// A client certificate is stored without its private key.
    public static var credentialsMissingKey: ATError {
        ATError(code: 51, text: "TLS credentials missing: no key for cert")
    }
    /// A private key is stored without its certificate.
    public static var credentialsMissingCert: ATError {
        ATError(code: 52, text: "TLS credentials missing: no cert for key")
    }

    // MARK: TLS handshake failures (22, 60–68; a timeout is 31)

    /// The handshake failed for a reason no more precise entry names.
    public static var handshakeFailed: ATError { ATError(code: 22, text: "TLS handshake failed") }
    /// The server speaks no TLS 1.2 (only older or only newer versions): a protocol version failure.
    public static var tlsProtocolVersion: ATError {
        ATError(code: 60, text: "TLS handshake failed: server has no TLS 1.2")
    }
    /// The server's certificate was not issued by a CA in the `ca` slot.
    public static var tlsUnknownCA: ATError { ATError(code: 61, text: "TLS handshake failed: unknown CA") }
    /// The server's certificate does not carry the expected name (TLSDOMAIN, SPWF04's common name, the host).
    public static var tlsNameMismatch: ATError { ATError(code: 62, text: "TLS handshake failed: name mismatch") }
    /// A certificate of the server's chain expired before the module's clock (`AT+S.SETTIME`).
    public static var tlsCertificateExpired: ATError {
        ATError(code: 63, text: "TLS handshake failed: certificate expired")
    }
    /// A certificate of the server's chain is not valid yet at the module's clock (often: the clock is not set).
    public static var tlsCertificateNotYetValid: ATError {
        ATError(code: 64, text: "TLS handshake failed: certificate not yet valid")
    }
    /// The server asks for a client certificate and none is stored.
    public static var tlsClientCertificateRequired: ATError {
        ATError(code: 65, text: "TLS handshake failed: client cert required")
    }
    /// The server refused the client certificate that was sent.
    public static var tlsClientCertificateRefused: ATError {
        ATError(code: 66, text: "TLS handshake failed: client cert refused")
    }
    /// The server closed the connection before the handshake completed.
    public static var tlsServerClosed: ATError { ATError(code: 67, text: "TLS handshake failed: server closed") }
    /// The server's certificate is unusable for another reason (unparsable, missing, not for TLS servers...).
    public static var tlsBadServerCertificate: ATError {
        ATError(code: 68, text: "TLS handshake failed: bad server cert")
    }

    /// Every error the module prints, by code. Each has its own code, and its text is the whole text of the line: no
    /// error line carries anything that changes from one occurrence, or one build, to the next.
    public static let catalogue: [ATError] = (0...largestCatalogueCode).compactMap { catalogueEntry(code: $0) }

    /// The largest code an entry may have (the SPWF04 prints up to three digits).
    static let largestCatalogueCode = 999

    /// The catalogue's entry with `code`, or `nil` when the catalogue has none. The catalogue is this switch (a new
    /// entry gets its case here), so a host looks entries up without building ``catalogue``: a firmware's image
    /// carries no array of every error made at run time.
    public static func catalogueEntry(code: Int) -> ATError? {
        switch code {
        case 1: return .commandNotFound
        case 3: return .invalidArguments
        case 4: return .lineTooLong
        case 6: return .unknownVariable
        case 7: return .readOnlyVariable
        case 8: return .invalidValue
        case 9: return .dataTimeout
        case 10: return .tooManySockets
        case 11: return .failedToResolve
        case 12: return .connectionFailed
        case 13: return .notEnoughData
        case 15: return .wifiNotConnected
        case 16: return .pingFailed
        case 17: return .noSuchPeer
        case 18: return .flashWriteFailed
        case 20: return .credentialRejected
        case 21: return .credentialsMissing
        case 22: return .handshakeFailed
        case 30: return .timedOut
        case 31: return .handshakeTimedOut
        case 32: return .writeTimedOut
        case 40: return .credentialOverCapacity
        case 41: return .credentialUnparsable
        case 42: return .credentialWrongType
        case 43: return .credentialEncryptedKey
        case 44: return .credentialChainOutOfOrder
        case 45: return .credentialKeyMismatch
        case 46: return .credentialChainNotAllowed
        case 47: return .credentialUnsupportedKey
        case 48: return .credentialMultipleKeys
        case 49: return .credentialInvalidDomain
        case 50: return .credentialsMissingCA
        case 51: return .credentialsMissingKey
        case 52: return .credentialsMissingCert
        case 60: return .tlsProtocolVersion
        case 61: return .tlsUnknownCA
        case 62: return .tlsNameMismatch
        case 63: return .tlsCertificateExpired
        case 64: return .tlsCertificateNotYetValid
        case 65: return .tlsClientCertificateRequired
        case 66: return .tlsClientCertificateRefused
        case 67: return .tlsServerClosed
        case 68: return .tlsBadServerCertificate
        case 76: return .illegalSocketID
        case 77: return .pendingData
        case 78: return .socketNotConnected
        case 79: return .serverPortInUse
        case 80: return .fileNotFound
        case 81: return .fileExists
        case 82: return .fileTooLarge
        case 83: return .invalidFileName
        case 84: return .fileSystemFull
        case 85: return .fileRangeInvalid
        case 86: return .httpHostNotFound
        case 87: return .httpResponseTooLarge
        case 88: return .httpReceiveTimedOut
        case 89: return .httpBadResponse
        case 90: return .dataModeNotAvailable
        case 91: return .commandModeNotAvailable
        case 92: return .socketServerRunning
        case 93: return .socketServerNotRunning
        case 94: return .mqttNotConnected
        case 95: return .mqttAlreadyConnected
        case 96: return .mqttConnectionRefused
        case 97: return .mqttSubscribeRefused
        case 98: return .mqttMessageTooLong
        case 99: return .mqttWebSocketUnsupported
        case 100: return .mqttClosedBeforeConnAck
        default: return nil
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
        var best: ATError? = nil
        var bestLength = -1
        for code in 1...largestCatalogueCode {
            guard let entry = catalogueEntry(code: code) else { continue }
            var entryText = entry.text
            let length = entryText.withUTF8 { entryBytes -> Int in
                guard bytes.count >= entryBytes.count, bytes.starts(with: entryBytes) else { return -1 }
                if bytes.count == entryBytes.count { return Int.max }
                // A longer text names the entry only as `<entry's text>:<more>`.
                return bytes.count > entryBytes.count + 1 && bytes[entryBytes.count] == 0x3A ? entryBytes.count : -1
            }
            if length == Int.max { return entry }
            if length > bestLength {
                best = entry
                bestLength = length
            }
        }
        return ATError(code: best?.code ?? 0, text: text())
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
