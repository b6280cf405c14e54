import NIOPosix
import UplinkMQTTNIO

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one thread of `uplink mqtt pub|sub`: the socket, the client's tasks and the command's own loop all run on
/// one SwiftNIO event loop, the way mosquitto_pub/sub run on one thread, so a batch of packets goes from the
/// socket to standard output (or from the command to the socket) without waking another thread.
enum MQTTCLILoop {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    static let executor = MQTTEventLoopExecutor(group.next())

    /// Runs `body` with its tasks on the loop.
    ///
    /// SIGPIPE is ignored first: on Linux SwiftNIO can write to a socket the broker has just closed (after our
    /// DISCONNECT, say), and the default action would kill the process with no message (apple/swift-nio#3479); the
    /// write fails with EPIPE instead. Standard output keeps the usual behaviour (``MQTTOutputBuffer``).
    static func run(_ body: () async throws -> Void) async throws {
        signal(SIGPIPE, SIG_IGN)
        try await withTaskExecutorPreference(executor) { try await body() }
    }

    /// Runs `body`, which blocks (reads standard input), off the loop, so the connection keeps being served.
    static func runBlocking(_ body: () async throws -> Void) async throws {
        try await withTaskExecutorPreference(globalConcurrentExecutor) { try await body() }
    }
}
