/// Opens byte streams to a broker: the only thing the client knows about the network.
///
/// Like coreMQTT's transport interface, an implementation connects, sends bytes, receives bytes and closes; TLS,
/// sockets or an AT-command Wi-Fi module are its business. `UplinkMQTTNIO` provides TCP and TLS over SwiftNIO.
public protocol MQTTTransport: Sendable {
    /// Opens a new connection; throws when the peer cannot be reached.
    func connect() async throws -> any MQTTTransportConnection
}

/// One open byte stream to a broker.
///
/// The client calls `send` from one task and `receive` from another, never two `send`s or two `receive`s at
/// once. `receive` should read only when called, so that a slow consumer slows the socket down (backpressure).
public protocol MQTTTransportConnection: Sendable {
    /// Writes all of `bytes`; returns when they are handed to the network.
    func send(_ bytes: [UInt8]) async throws
    /// Returns the next bytes received, as many as are available (at least one); an empty array means the peer
    /// closed the stream.
    func receive() async throws -> [UInt8]
    /// Closes the stream; a pending `receive` returns or throws promptly.
    func close() async
}
