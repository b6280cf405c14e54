import Foundation
import Logging
import NIOSSL
import UplinkCredentials
import UplinkIoTFront
import UplinkIoTRegistry
import UplinkMQTT
import UplinkMQTTNIO
import UplinkProcess

/// What `uplink iot bench` runs against, all on loopback and all stopped by it: a development PKI (a device CA
/// registered for JITR, one certificate per device), mosquitto with a plain listener (behind the front) and a
/// mutual-TLS listener (the baseline), and the front with an in-memory registry whose activation rule activates
/// every newly registered certificate at once and attaches the bench's device policy.
final class IoTBenchLab: Sendable {
    let pki: DevPKI
    let folder: String
    let broker: MosquittoBroker
    let registry: InMemoryIoTRegistry
    let front: IoTFront
    let account = IoTAccount()

    static let policyName = "UplinkBenchDevicePolicy"

    private init(pki: DevPKI, folder: String, broker: MosquittoBroker, registry: InMemoryIoTRegistry, front: IoTFront) {
        self.pki = pki
        self.folder = folder
        self.broker = broker
        self.registry = registry
        self.front = front
    }

    /// Generates `devices` device certificates and starts mosquitto and the front.
    static func start(devices: Int) async throws -> IoTBenchLab {
        var options = DevPKI.Options()
        options.deviceCA = true
        options.deviceCount = devices
        options.devicePrefix = "bench-"
        let pki = try DevPKI.generate(options)
        let folder = NSTemporaryDirectory() + "uplink-iot-bench-\(UUID().uuidString)"
        _ = try pki.write(to: folder)
        let broker: MosquittoBroker
        do {
            broker = try await MosquittoBroker.start(
                listenerLines: ["max_queued_messages 0", "max_inflight_messages 100"],
                secondListenerLines: [
                    "cafile \(folder)/ca.pem", "certfile \(folder)/server.pem", "keyfile \(folder)/server.key",
                    "require_certificate true",
                ])
        } catch {
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
        let registry = InMemoryIoTRegistry()
        let account = IoTAccount()
        var logger = Logger(label: "uplink.iot.bench")
        logger.logLevel = .error
        do {
            try await seed(registry, pki: pki, account: account)
            var configuration = IoTFrontConfiguration(
                serverChain: [try NIOSSLCertificate(bytes: pki.server.certificate.derBytes, format: .der)],
                serverKey: try NIOSSLPrivateKey(bytes: pki.server.key.pkcs8DERBytes, format: .der))
            configuration.mqttPort = 0
            configuration.alpnPort = nil
            configuration.brokerPort = broker.port
            configuration.logger = logger
            let activator = IoTAutoActivator(
                registry: registry, account: account, policyName: policyName, delay: 0, logger: logger)
            configuration.onRegistration = { activator.registered($0) }
            let front = IoTFront(configuration: configuration, registry: registry)
            try await front.start()
            return IoTBenchLab(pki: pki, folder: folder, broker: broker, registry: registry, front: front)
        } catch {
            broker.stop()
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
    }

    /// The device CA with auto-registration (JITR), and the policy the activation rule attaches.
    private static func seed(_ registry: InMemoryIoTRegistry, pki: DevPKI, account: IoTAccount) async throws {
        let issuer = pki.deviceCA ?? pki.root
        let id = IoTAccount.certificateId(der: issuer.certificate.derBytes)
        await registry.putCACertificate(
            IoTCACertificate(
                certificateId: id, certificateArn: account.caCertificateArn(id),
                certificatePem: issuer.certificate.pemString, status: .active, autoRegistrationStatus: .enable,
                registrationConfig: nil, creationDate: Date(), lastModifiedDate: Date(), customerVersion: 1,
                generationId: UUID().uuidString.lowercased()))
        let arn = "arn:aws:iot:\(account.region):\(account.accountId)"
        let document = """
            {"Version":"2012-10-17","Statement":[\
            {"Effect":"Allow","Action":"iot:Connect","Resource":"\(arn):client/${iot:Certificate.Subject.CommonName}"},\
            {"Effect":"Allow","Action":"iot:Publish","Resource":"\(arn):topic/devices/${iot:ClientId}/*"}]}
            """
        try await registry.createPolicy(
            IoTPolicy(
                policyName: policyName, policyArn: account.policyArn(policyName), policyDocument: document,
                defaultVersionId: "1", creationDate: Date(), lastModifiedDate: Date(),
                generationId: UUID().uuidString.lowercased()))
    }

    var frontPort: Int { front.ports.first ?? 0 }
    var brokerTLSPort: Int { broker.secondPort ?? broker.port }

    func deviceName(_ index: Int) -> String { pki.devices[index].name }

    /// The topic device `index` may publish on.
    func topic(_ index: Int) -> String { "devices/\(deviceName(index))/bench" }

    /// A client of device `index` over mutual TLS (its chain, SNI `localhost`), to the front or straight to
    /// mosquitto's TLS listener; no automatic reconnect, generous deadlines.
    func directClient(_ index: Int, toFront: Bool) throws -> MQTTClient {
        let name = deviceName(index)
        let tls = MQTTTLSConfiguration(
            caFile: folder + "/ca.pem", certificateFile: folder + "/\(name)-chain.pem",
            keyFile: folder + "/\(name).key", serverName: "localhost")
        let transport = try MQTTNIOTransport(
            host: "127.0.0.1", port: toFront ? frontPort : brokerTLSPort, tls: tls, connectTimeout: .seconds(30))
        return try MQTTClient(configuration: Self.clientConfiguration(name), transport: transport)
    }

    static func clientConfiguration(_ clientId: String) -> MQTTClientConfiguration {
        var configuration = MQTTClientConfiguration(clientIdentifier: clientId, version: .v3_1_1)
        configuration.keepAlive = 60
        configuration.reconnect = .disabled
        configuration.connectTimeout = .seconds(30)
        configuration.operationTimeout = .seconds(30)
        return configuration
    }

    /// Waits until the activation rule has made device `index`'s certificate ACTIVE (polls the registry).
    func waitUntilActive(_ index: Int, within limit: Duration = .seconds(30)) async throws {
        let id = IoTAccount.certificateId(der: pki.devices[index].certificate.derBytes)
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if try await registry.certificate(id: id)?.status == .active { return }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw IoTBenchError("\(deviceName(index)): the certificate was not activated within \(limit)")
    }

    func stop() async {
        await front.stop()
        broker.stop()
        try? FileManager.default.removeItem(atPath: folder)
    }
}

/// A bench step that did not go as JITR goes.
struct IoTBenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
