import NIOCore
import NIOPosix
import UplinkModule
import UplinkSerial

/// Where a module meets its host.
public enum ModuleLink: Sendable, Equatable {
    /// A new pseudo-terminal; `linkPath` adds a stable symbolic link to it.
    case pseudoTerminal(linkPath: String?)
    /// A real serial port.
    case serial(path: String, baud: Int, hardwareFlowControl: Bool)
    /// A TCP listener taking one host at a time.
    case tcp(host: String, port: Int)
}

/// A running module on a link: the engine, the link's channel, and what to tell the user.
public final class ModuleServer: Sendable {
    /// The module.
    public let engine: ModuleEngine
    /// The pty's slave path (pseudo-terminal links).
    public let devicePath: String?
    /// The bound address (TCP links).
    public let listeningAddress: SocketAddress?
    private let channel: Channel
    private let terminal: PseudoTerminal?
    private let deviceLink: DeviceLink?

    private init(
        engine: ModuleEngine, channel: Channel, devicePath: String?, listeningAddress: SocketAddress?,
        terminal: PseudoTerminal?, deviceLink: DeviceLink?
    ) {
        self.engine = engine
        self.channel = channel
        self.devicePath = devicePath
        self.listeningAddress = listeningAddress
        self.terminal = terminal
        self.deviceLink = deviceLink
    }

    /// Opens the link, attaches the engine to it and powers the module on.
    ///
    /// `paceBaud` paces the module's output at that line rate (`--pace`).
    public static func start(engine: ModuleEngine, link: ModuleLink, paceBaud: Int?) async throws -> ModuleServer {
        let eventLoop = engine.eventLoop
        let initializer: @Sendable (Channel) -> EventLoopFuture<Void> = { channel in
            channel.eventLoop.makeCompletedFuture {
                if let paceBaud {
                    try channel.pipeline.syncOperations.addHandler(PacedWriteHandler(baud: paceBaud))
                }
                try channel.pipeline.syncOperations.addHandler(ModuleHostHandler(engine: engine))
            }
        }
        let server: ModuleServer
        switch link {
        case .pseudoTerminal(let linkPath):
            let terminal = try PseudoTerminal()
            let deviceLink: DeviceLink?
            do {
                deviceLink = try linkPath.map { try DeviceLink(path: $0, target: terminal.path) }
            } catch {
                terminal.closeSlave()
                throw error
            }
            let channel = try await NIOPipeBootstrap(group: eventLoop)
                .channelInitializer(initializer)
                .takingOwnershipOfDescriptor(inputOutput: terminal.masterDescriptor).get()
            server = ModuleServer(
                engine: engine, channel: channel, devicePath: terminal.path, listeningAddress: nil, terminal: terminal,
                deviceLink: deviceLink)
        case .serial(let path, let baud, let flowControl):
            let fd = try SerialPort.open(path: path, baud: baud, hardwareFlowControl: flowControl)
            let channel = try await NIOPipeBootstrap(group: eventLoop)
                .channelInitializer(initializer)
                .takingOwnershipOfDescriptor(inputOutput: fd).get()
            server = ModuleServer(
                engine: engine, channel: channel, devicePath: path, listeningAddress: nil, terminal: nil,
                deviceLink: nil)
        case .tcp(let host, let port):
            let occupied = NIOLoopBoundBox.makeBoxSendingValue(false, eventLoop: eventLoop)
            let channel = try await ServerBootstrap(group: eventLoop)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { child in
                    // One host at a time, like ser2net: a second connection is closed at once.
                    guard !occupied.value else {
                        return child.close()
                    }
                    occupied.value = true
                    child.closeFuture.whenComplete { _ in occupied.value = false }
                    return initializer(child)
                }
                .bind(host: host, port: port).get()
            server = ModuleServer(
                engine: engine, channel: channel, devicePath: nil, listeningAddress: channel.localAddress,
                terminal: nil, deviceLink: nil)
        }
        try await eventLoop.submit { engine.powerOn() }.get()
        return server
    }

    /// Stops the module: closes its sockets and waits for its MQTT client to stop (``ModuleEngine/stop()``, at most
    /// about 2 s), lets pending output drain briefly, closes the link. After it, the engine's event loop can end.
    public func stop() async {
        await engine.stop()
        try? await Task.sleep(nanoseconds: 50_000_000)
        try? await channel.close()
        terminal?.closeSlave()
        deviceLink?.remove()
    }
}
