import Foundation

/// A server a test starts and stops whatever happens (``withStopping(_:_:)``).
public protocol StoppableServer: AnyObject {
    /// Stops what this helper started, and only that.
    func stop() async
}

/// A server process a test starts for itself on 127.0.0.1, in a temporary directory of its own (``NSDServer``, the
/// test support's DNS forwarders).
public protocol LocalServer: StoppableServer {
    /// Its own log and output, for failure messages.
    var logs: String { get }
}

extension LocalServer {
    /// Starts a server in up to five attempts, each on a free port (``TestPorts``) in a new temporary directory
    /// `uplink-<name>-<random>`: `launch` starts the process there, `answers` waits until it serves. A server that
    /// does not answer is stopped and the next attempt made; after the last, `failure` gets that server's logs.
    public static func start(
        name: String, failure: (_ logs: String) -> any Error,
        launch: (_ port: Int, _ directory: URL) async throws -> Self, answers: (Self) async -> Bool
    ) async throws -> Self {
        var lastLog = ""
        for _ in 0..<5 {
            let port = try TestPorts.free()
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("uplink-\(name)-\(UInt64.random(in: 0...UInt64.max))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let server = try await launch(port, directory)
            if await answers(server) { return server }
            lastLog = server.logs
            await server.stop()
        }
        throw failure(lastLog)
    }
}

/// Runs `body` with `server`, and stops it afterwards whatever happens.
public func withStopping<Server: StoppableServer, Result>(
    _ server: Server, _ body: (Server) async throws -> Result
) async throws -> Result {
    try await withCleanup {
        try await body(server)
    } cleanup: {
        await server.stop()
    }
}
