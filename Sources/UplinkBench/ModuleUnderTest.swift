import NIOCore
import NIOPosix
import UplinkModule
import UplinkModuleServer

/// A software SPWF01 on a new pseudo-terminal, on its own single-thread event loop, as
/// `uplink module --volatile` runs it (optionally paced at a line rate).
final class ModuleUnderTest: Sendable {
    /// The pty slave the host opens.
    let devicePath: String
    private let group: MultiThreadedEventLoopGroup
    private let server: ModuleServer

    private init(devicePath: String, group: MultiThreadedEventLoopGroup, server: ModuleServer) {
        self.devicePath = devicePath
        self.group = group
        self.server = server
    }

    /// Starts and powers on the module; `paceBaud` paces its output as a UART of that rate would.
    static func start(paceBaud: Int?) async throws -> ModuleUnderTest {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var options = ModuleOptions(profile: .spwf01)
        // Association takes seven steps; one millisecond each keeps setup out of the way.
        options.step = .milliseconds(1)
        let engine = ModuleEngine(eventLoop: group.next(), options: options, flash: MemoryFlash())
        do {
            let server = try await ModuleServer.start(
                engine: engine, link: .pseudoTerminal(linkPath: nil), paceBaud: paceBaud)
            guard let path = server.devicePath else {
                await server.stop()
                throw BenchError.setup("the module server reported no pseudo-terminal path")
            }
            return ModuleUnderTest(devicePath: path, group: group, server: server)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    func stop() async {
        await server.stop()
        try? await group.shutdownGracefully()
    }
}
