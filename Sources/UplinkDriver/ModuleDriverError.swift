import ATCodec
import UplinkMQTT

/// Why a driver operation failed. Module errors carry the module's own text and code.
public enum ModuleDriverError: MQTTTransportError, Equatable {
    /// The module answered `command` with an error line (text and code as the dialect gives them, matched to the
    /// catalogue: compare with the `ATError` constants, such as `ATError.failedToResolve`).
    case module(command: String, error: ATError)
    /// No answer to `command` before its deadline.
    case timedOut(command: String, after: Duration)
    /// The module rebooted (reset, power-on or hard-fault WIND) while `command` was in flight, or a socket was
    /// open.
    case rebooted(command: String)
    /// The module's bytes did not have the shape the reply must have.
    case protocolViolation(String)
    /// The module does not answer `AT` (wrong port or baud rate, or no module).
    case notResponding(String)
    /// The serial link closed or failed.
    case linkClosed(String)
    /// A parameter cannot be put on the wire (holds the delimiter, a control byte...).
    case invalidParameter(String)
    /// Wi-Fi did not come up: the failure WIND, or nothing before the deadline (`number` 0).
    case wifiFailed(number: Int, text: String)
    /// A credential does not fit its slot; nothing was sent.
    case credentialTooLarge(slot: ATCredentialSlot, bytes: Int, capacity: Int)
    /// The socket is not open on the module (never opened, closed, or lost in a reboot).
    case socketNotOpen(Int)

    /// The module's error, when there is one.
    public var moduleError: ATError? {
        if case .module(_, let error) = self { return error }
        return nil
    }

    public var description: String {
        switch self {
        case .module(let command, let error):
            return error.code > 0
                ? "module error \(error.code) \"\(error.text)\" (\(command))"
                : "module error \"\(error.text)\" (\(command))"
        case .timedOut(let command, let after): return "no answer to \(command) within \(after)"
        case .rebooted(let command): return "the module rebooted (\(command))"
        case .protocolViolation(let what): return "unexpected bytes from the module: \(what)"
        case .notResponding(let what): return "the module does not answer: \(what)"
        case .linkClosed(let what): return "serial link closed: \(what)"
        case .invalidParameter(let what): return "cannot send \(what)"
        case .wifiFailed(let number, let text):
            return number == 0 ? "Wi-Fi did not come up: \(text)" : "Wi-Fi failed: +WIND:\(number):\(text)"
        case .credentialTooLarge(let slot, let bytes, let capacity):
            return "the \(slot.rawValue) is \(bytes) bytes; its slot holds \(capacity)"
        case .socketNotOpen(let id): return "socket \(id) is not open"
        }
    }
}

extension ModuleDriverError {
    init(_ error: ATCommandError) {
        switch error {
        case .unsafeParameter(let text): self = .invalidParameter("parameter \"\(text)\"")
        case .outOfRange(let what, let value): self = .invalidParameter("\(what) \(value)")
        }
    }
}
