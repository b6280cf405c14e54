import Logging
import Synchronization

/// Keeps every message the front logs (all levels): what a test reads to know whether a connection reached it.
final class FrontLogRecorder: Sendable {
    private let messages = Mutex<[String]>([])

    /// A logger at trace level that records here.
    var logger: Logger {
        var logger = Logger(label: "uplink.iot.front.test") { _ in Handler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    var recorded: [String] { messages.withLock { $0 } }

    fileprivate func record(_ message: String) { messages.withLock { $0.append(message) } }

    private struct Handler: LogHandler {
        let recorder: FrontLogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            recorder.record("\(event.level) \(event.message)")
        }
    }
}
