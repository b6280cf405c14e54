import ATCodec
import UplinkMQTT

/// An ``MQTTTransport`` through a Wi-Fi module: each connection is one module socket (TCP, or TLS with the
/// credentials in the module's slots), so the same MQTT client runs direct or through the module.
///
/// `connect` waits for the station to be up (after a module reset it rejoins by itself), then opens the socket
/// by name: the module resolves it. Failures reach the client as ``ModuleDriverError``s with the module's text.
public struct ModuleMQTTTransport: MQTTTransport {
    /// The module.
    public let driver: ModuleDriver
    /// The broker's name or address, as the module is asked to open it.
    public let host: String
    /// The broker's port.
    public let port: Int
    /// TCP or TLS.
    public let kind: ATSocketKind

    /// Creates a transport to `host:port` through `driver`.
    public init(driver: ModuleDriver, host: String, port: Int, kind: ATSocketKind) {
        self.driver = driver
        self.host = host
        self.port = port
        self.kind = kind
    }

    public func connect() async throws -> any MQTTTransportConnection {
        _ = try await driver.waitForWiFi()
        let id = try await driver.openSocket(host: host, port: port, kind: kind)
        return ModuleSocketConnection(driver: driver, socket: id)
    }
}

/// One module socket as an ``MQTTTransportConnection``.
final class ModuleSocketConnection: MQTTTransportConnection {
    let driver: ModuleDriver
    let socket: Int

    init(driver: ModuleDriver, socket: Int) {
        self.driver = driver
        self.socket = socket
    }

    func send(_ bytes: [UInt8]) async throws {
        try await driver.write(socket: socket, bytes)
    }

    func receive() async throws -> [UInt8] {
        try await driver.read(socket: socket)
    }

    func close() async {
        try? await driver.closeSocket(socket)
    }
}
