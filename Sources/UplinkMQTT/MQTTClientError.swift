import MQTTCodec

/// Why a client operation failed.
public enum MQTTClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The broker refused the connection (CONNACK reason code; 3.1.1 return codes are mapped to 5.0 codes).
    case connectionRefused(MQTTReasonCode, reasonString: String?)
    /// The transport could not connect, or failed while connected.
    case transportFailed(String)
    /// The transport failed with an error of its own kind (an ``MQTTTransportError``, such as a Wi-Fi module's
    /// error line), kept whole so the application can act on it.
    case transportError(MQTTTransportFailure)
    /// The connection closed; the broker's DISCONNECT reason code, if it sent one.
    case connectionClosed(MQTTReasonCode?, reasonString: String?)
    /// The broker broke the protocol; the connection was closed (with DISCONNECT and this code in MQTT 5).
    case protocolViolation(MQTTReasonCode, String)
    /// No answer in time: CONNACK, SUBACK, UNSUBACK, or PINGRESP (dead peer).
    case timeout(String)
    /// The operation needs a connection and there is none (and reconnecting is off).
    case notConnected
    /// `disconnect()` was called; the operation did not complete. Stored QoS 1/2 messages stay in the session.
    case clientStopped
    /// The offline queue is full and its policy is ``MQTTQueueOverflowPolicy/reject``.
    case queueFull
    /// The message was dropped from a full queue (``MQTTQueueOverflowPolicy/dropOldest``).
    case droppedFromQueue
    /// The broker answered a PUBLISH with a failure reason code (MQTT 5).
    case publishRejected(MQTTReasonCode, reasonString: String?)
    /// The broker refused one or more subscriptions (one code per filter).
    case subscribeRejected([MQTTReasonCode])
    /// The broker refused an unsubscribe.
    case unsubscribeRejected([MQTTReasonCode])
    /// The packet would exceed the maximum packet size the broker accepts.
    case packetTooLarge(size: Int, maximum: Int)
    /// An argument is invalid (bad topic, a limit of the AWS IoT profile, QoS above the broker's maximum...).
    case invalidArgument(String)
    /// The session store failed (file store I/O).
    case sessionStore(String)
    /// Every packet identifier (65,535) is taken by a message in flight or a SUBSCRIBE/UNSUBSCRIBE awaiting its
    /// acknowledgement: the subscribe or unsubscribe call fails (publishes wait for one instead).
    case packetIdentifiersExhausted
    /// The broker stopped reading: a write did not complete within ``MQTTClientConfiguration/writeStallTimeout``
    /// (the connection was closed).
    case writeStalled(Duration)
    /// The broker sent a packet larger than ``MQTTClientConfiguration/maximumPacketSize`` (the connection was
    /// closed, with DISCONNECT 0x95 Packet too large in MQTT 5); the message is not delivered.
    case inboundPacketTooLarge(size: Int, maximum: Int)

    public var description: String {
        switch self {
        case .connectionRefused(let code, let reason):
            return "connection refused: \(MQTTClientError.refusalText(code))" + (reason.map { " (\($0))" } ?? "")
        case .transportFailed(let text): return "transport failed: \(text)"
        case .transportError(let failure): return "transport failed: \(failure)"
        case .connectionClosed(let code, let reason):
            guard let code else { return "connection closed" }
            return "connection closed by the broker: \(code.name)" + (reason.map { " (\($0))" } ?? "")
        case .protocolViolation(let code, let text): return "protocol violation by the broker (\(code.name)): \(text)"
        case .timeout(let what): return "timed out waiting for \(what)"
        case .notConnected: return "not connected"
        case .clientStopped: return "the client was stopped"
        case .queueFull: return "the offline queue is full"
        case .droppedFromQueue: return "the message was dropped from the full offline queue"
        case .publishRejected(let code, let reason):
            return "publish rejected: \(code.name)" + (reason.map { " (\($0))" } ?? "")
        case .subscribeRejected(let codes): return "subscribe rejected: " + codes.map(\.name).joined(separator: ", ")
        case .unsubscribeRejected(let codes):
            return "unsubscribe rejected: " + codes.map(\.name).joined(separator: ", ")
        case .packetTooLarge(let size, let maximum):
            return "packet of \(size) bytes exceeds the maximum packet size \(maximum)"
        case .invalidArgument(let text): return text
        case .sessionStore(let text): return "session store: \(text)"
        case .packetIdentifiersExhausted:
            return "all 65,535 packet identifiers are in use (messages in flight and pending subscriptions)"
        case .writeStalled(let limit):
            return "the broker stopped reading: nothing could be written for \(limit) (connection closed)"
        case .inboundPacketTooLarge(let size, let maximum):
            return "the broker sent a packet of \(size) bytes, above maximumPacketSize \(maximum) (connection closed;"
                + " raise maximumPacketSize to receive it)"
        }
    }

    /// A human explanation of a CONNACK refusal.
    static func refusalText(_ code: MQTTReasonCode) -> String {
        switch code {
        case .badUserNameOrPassword: return "bad user name or password"
        case .notAuthorized: return "not authorized"
        case .clientIdentifierNotValid: return "client identifier rejected"
        case .unsupportedProtocolVersion: return "protocol version not supported by the broker"
        case .serverUnavailable: return "server unavailable"
        case .banned: return "banned"
        default: return code.name
        }
    }

    /// The reason code of the DISCONNECT the client sends (MQTT 5) when it closes for this error: a broker's protocol
    /// violation, or a packet above our maximum size.
    var disconnectReasonCode: MQTTReasonCode? {
        switch self {
        case .protocolViolation(let code, _): return code
        case .inboundPacketTooLarge: return .packetTooLarge
        default: return nil
        }
    }

    /// Whether the error is a CONNACK refusal for credentials or authorization (not worth retrying quickly).
    public var isAuthenticationFailure: Bool {
        if case .connectionRefused(let code, _) = self {
            return code == .badUserNameOrPassword || code == .notAuthorized || code == .badAuthenticationMethod
                || code == .banned
        }
        return false
    }
}

/// A transport error an application may want to inspect: the client passes it on whole, in
/// ``MQTTClientError/transportError(_:)``, instead of as text.
public protocol MQTTTransportError: Error, Sendable, CustomStringConvertible {}

/// A transport's own error, kept whole (compared by its description).
public struct MQTTTransportFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The transport's error.
    public let error: any MQTTTransportError

    /// Wraps a transport's error.
    public init(_ error: any MQTTTransportError) {
        self.error = error
    }

    public var description: String { error.description }

    public static func == (lhs: MQTTTransportFailure, rhs: MQTTTransportFailure) -> Bool {
        lhs.description == rhs.description
    }
}
