import Logging
import NIOSSL

/// Everything `uplink iot serve`'s data plane needs.
public struct IoTFrontConfiguration: Sendable {
    /// The account and region ARNs are made in.
    public var account = IoTAccount()
    /// The address to listen on.
    public var bindHost = "127.0.0.1"
    /// MQTT over mutual TLS without ALPN (AWS: 8883); 0 picks a free port.
    public var mqttPort = 8883
    /// MQTT over mutual TLS with ALPN `x-amzn-mqtt-ca` (AWS: 443); `nil` for none; 0 picks a free port.
    public var alpnPort: Int? = 443
    /// The front's server certificate chain (leaf first) and key.
    public var serverChain: [NIOSSLCertificate]
    public var serverKey: NIOSSLPrivateKey
    /// The broker accepted connections are forwarded to (plain MQTT over TCP).
    public var brokerHost = "127.0.0.1"
    public var brokerPort = 1883
    /// Broker limits enforced on devices.
    public var limits = IoTBrokerLimits()
    /// Deadline for the TLS handshake and for the CONNECT after it, in seconds.
    public var handshakeTimeout: Double = 10
    /// Seconds between checks that each live connection's certificate is still `ACTIVE` in the registry (AWS
    /// closes connections of a certificate that left `ACTIVE` "within a few minutes").
    public var statusCheckInterval: Double = 5
    /// Most packets held for the broker while its connection opens.
    public var maximumQueuedPackets = 256
    public var logger = Logger(label: "uplink.iot.front")
    /// Called with the id of each certificate JITR registers PENDING_ACTIVATION (the auto-activation rule).
    public var onRegistration: (@Sendable (String) -> Void)?

    public init(serverChain: [NIOSSLCertificate], serverKey: NIOSSLPrivateKey) {
        self.serverChain = serverChain
        self.serverKey = serverKey
    }
}
