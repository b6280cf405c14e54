#if canImport(Glibc)
    import Glibc
#endif

/// Why a benchmark run stopped. Every one of them is a failure: a benchmark that lost, added or
/// changed data, or that saw the module answer something unexpected, reports no figure.
enum BenchError: Error, CustomStringConvertible {
    /// A system call on the host's serial line failed.
    case system(operation: String, errno: Int32)
    /// Nothing arrived from the module in time.
    case timeout(waitingFor: String, seconds: Double, received: String)
    /// The module closed the line.
    case lineClosed(waitingFor: String)
    /// The module's output did not follow the SPWF01 framing.
    case protocolViolation(String)
    /// The module answered a command with an error.
    case moduleError(command: String, text: String)
    /// The peer closed the socket in the middle of the run.
    case socketClosed(Int)
    /// The echoed bytes differ from the bytes sent (count or content).
    case dataMismatch(String)
    /// The module could not be started.
    case setup(String)

    var description: String {
        switch self {
        case .system(let operation, let code):
            return "\(operation): \(String(cString: strerror(code)))"
        case .timeout(let waitingFor, let seconds, let received):
            return "no answer from the module within \(seconds) s while waiting for \(waitingFor)"
                + (received.isEmpty ? "" : "; unconsumed output: \(received)")
        case .lineClosed(let waitingFor):
            return "the serial line closed while waiting for \(waitingFor)"
        case .protocolViolation(let text):
            return "protocol violation: \(text)"
        case .moduleError(let command, let text):
            return "\(command) answered ERROR: \(text)"
        case .socketClosed(let id):
            return "socket \(id) was closed by its peer during the run"
        case .dataMismatch(let text):
            return "DATA MISMATCH: \(text)"
        case .setup(let text):
            return "setup failed: \(text)"
        }
    }
}
