import ATCodec

/// Why an operation of ``SPWFHost`` did not succeed.
public indirect enum SPWFHostError: Error, Equatable {
    /// The module answered a command with an error line (the command's name, without its parameters).
    case module(command: String, ATError)
    /// The module rebooted (`+WIND:2`, `+WIND:1`, `+WIND:8`) before the command finished.
    case rebooted(command: String)
    /// No answer before the deadline.
    case timedOut(command: String)
    /// The module's bytes did not have the shape the reply must have.
    case protocolViolation(String)
    /// The station did not come up: the last join-failure WIND, or number 0 for no `+WIND:24` in time.
    case wifiFailed(number: Int, text: String)
    /// The peer closed the socket and every byte was read.
    case socketClosed(Int)
    /// A parameter cannot be put on the wire (delimiter, control byte, length).
    case invalidParameter(String)

    /// One line for a console: what failed, in words.
    public var message: String {
        switch self {
        case .module(let command, let error): return "module error on \(command): \(error.text) (code \(error.code))"
        case .rebooted(let command): return "the module rebooted during \(command)"
        case .timedOut(let command): return "no answer from the module to \(command)"
        case .protocolViolation(let detail): return "unexpected bytes from the module: \(detail)"
        case .wifiFailed(let number, let text): return "Wi-Fi did not come up (+WIND:\(number):\(text))"
        case .socketClosed(let id): return "the broker closed socket \(id)"
        case .invalidParameter(let detail): return "cannot send: \(detail)"
        }
    }

    /// The module's error, when it answered with one.
    public var moduleError: ATError? {
        if case .module(_, let error) = self { return error }
        return nil
    }
}
