import Logging
import NIOCore
import UplinkMQTT
import UplinkMQTTNIO

/// Publishes the front's events (JITR registrations) on the broker with the project's MQTT client: one session,
/// opened at the first event, QoS 1.
actor IoTEventPublisher {
    private let host: String
    private let port: Int
    private let logger: Logger
    private var client: MQTTClient?

    init(host: String, port: Int, logger: Logger) {
        self.host = host
        self.port = port
        self.logger = logger
    }

    /// Publishes one event; failures go to the log (AWS sends auto-registration errors to CloudWatch only).
    func publish(topic: String, payload: [UInt8]) async {
        do {
            let client = try await connected()
            _ = try await client.publish(MQTTMessage(topic: topic, payload: payload, qos: .atLeastOnce))
            logger.info("event published on \(topic)")
        } catch {
            logger.error("cannot publish the event on \(topic): \(error)")
        }
    }

    private func connected() async throws -> MQTTClient {
        if let client { return client }
        var configuration = MQTTClientConfiguration(
            clientIdentifier: "uplink-iot-front-events-\(UInt32.random(in: 0...UInt32.max))", version: .v3_1_1)
        configuration.connectTimeout = .seconds(5)
        configuration.operationTimeout = .seconds(5)
        let client = try MQTTClient(
            configuration: configuration, transport: try MQTTNIOTransport(host: host, port: port))
        try await client.connect()
        self.client = client
        return client
    }

    /// Closes the session.
    func close() async {
        await client?.disconnect()
        client = nil
    }
}
