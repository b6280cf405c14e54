/// Why a benchmark run stopped. Every one of them is a failure: a benchmark that lost, added or
/// changed data reports no figure. (The module's own errors come from the host driver, as `ModuleDriverError`.)
enum BenchError: Error, CustomStringConvertible {
    /// The peer closed the socket in the middle of the run.
    case socketClosed(Int)
    /// The echoed bytes differ from the bytes sent (count or content).
    case dataMismatch(String)
    /// The module could not be started.
    case setup(String)

    var description: String {
        switch self {
        case .socketClosed(let id):
            return "socket \(id) was closed by its peer during the run"
        case .dataMismatch(let text):
            return "DATA MISMATCH: \(text)"
        case .setup(let text):
            return "setup failed: \(text)"
        }
    }
}
