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
    /// A pending effect (name lookup, connect, ping) passed its deadline (`--effect-timeout`).
    public static let timedOut = ATError(code: 30, text: "Timed out")
    /// The TLS server accepted the connection but did not finish the handshake before the deadline.
    public static let handshakeTimedOut = ATError(code: 31, text: "TLS handshake timed out")
    /// SOCKW: the peer stopped reading and the bytes could not be handed over before the deadline.
    public static let writeTimedOut = ATError(code: 32, text: "Write timed out")

    /// Credential data refused at TLSCERT / TLSDOMAIN time; the text carries the reason after a colon.
    public static func credentialRejected(_ reason: String) -> ATError {
        ATError(code: 20, text: "\(credentialRejectedText): \(reason)")
    }

    /// A TLS socket without the credentials it needs (no CA, a certificate without its key...).
    public static func credentialsMissing(_ reason: String) -> ATError {
        ATError(code: 21, text: "\(credentialsMissingText): \(reason)")
    }

    /// The TLS handshake failed; the reason says why (unknown CA, name mismatch, expired...).
    public static func handshakeFailed(_ reason: String) -> ATError {
        ATError(code: 22, text: "\(handshakeFailedText): \(reason)")
    }

    static let credentialRejectedText = "Credential rejected"
    static let credentialsMissingText = "TLS credentials missing"
    static let handshakeFailedText = "TLS handshake failed"

    /// Every error the module prints with a fixed text, and the bare texts of those that add a reason.
    public static let catalogue: [ATError] = [
        .commandNotFound, .invalidArguments, .lineTooLong, .unknownVariable, .readOnlyVariable, .invalidValue,
        .dataTimeout, .tooManySockets, .failedToResolve, .connectionFailed, .notEnoughData, .wifiNotConnected,
        .pingFailed, .noSuchPeer, .flashWriteFailed,
        ATError(code: 20, text: credentialRejectedText), ATError(code: 21, text: credentialsMissingText),
        ATError(code: 22, text: handshakeFailedText),
        .timedOut, .handshakeTimedOut, .writeTimedOut, .illegalSocketID, .pendingData, .socketNotConnected,
    ]

    /// The catalogue entry an SPWF01 error text names: the entry with that text, or the one whose text is
    /// followed by `: <reason>` (the whole text kept); code 0 when the text is not in the catalogue.
    public static func catalogueEntry(text: String) -> ATError {
        for entry in catalogue {
            if entry.text == text { return entry }
            if text.utf8.count > entry.text.utf8.count + 1, text.utf8.starts(with: entry.text.utf8 + [0x3A]) {
                return ATError(code: entry.code, text: text)
            }
        }
        return ATError(code: 0, text: text)
    }

    /// The error an SPWF04 line names by code: the text as sent when there is one, else the catalogue's.
    public static func catalogueEntry(code: Int, text: String?) -> ATError {
        if let text, !text.isEmpty { return ATError(code: code, text: text) }
        return catalogue.first { $0.code == code } ?? ATError(code: code, text: "")
    }
}
