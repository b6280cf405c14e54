/// Why a TLS handshake failed, in categories every user of the TLS pieces maps to its own errors (the module to
/// its AT catalogue, the MQTT transport to its messages, the front to its log).
public struct TLSFailure: Error, Sendable, CustomStringConvertible {
    /// The category of a failure.
    public enum Kind: Sendable, Equatable {
        /// The peer's certificate could not be parsed, or is bad for a reason no other kind names.
        case badCertificate
        /// A certificate of the chain is not valid yet at the validation time.
        case notYetValid
        /// A certificate of the chain expired before the validation time.
        case expired
        /// The chain leads to none of the trusted roots.
        case unknownCA
        /// The peer's certificate does not carry the expected name.
        case nameMismatch
        /// The peer closed (or reset) the connection during the handshake.
        case peerClosed
        /// No TLS version in common (Uplink needs TLS 1.2 or later).
        case protocolVersion
        /// The server wanted a client certificate and none was sent.
        case clientCertificateRequired
        /// The server refused the client certificate that was sent.
        case clientCertificateRefused
        /// Anything else; the detail says what.
        case handshakeFailed
    }

    public var kind: Kind
    /// What happened, for the log: certificate subjects, dates, the library's own error.
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { detail }
}
