import Foundation
import MQTTCodec
import NIOSSL
import Testing
import UplinkCredentials
import UplinkIoTFront
import UplinkIoTRegistry
import UplinkIoTStores
import UplinkMQTT
import UplinkMQTTNIO
import UplinkTestSupport

/// The registry stores the front's tests run on.
enum FrontStore: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case sqlite
    case postgres
    var testDescription: String { rawValue }
}

/// The front between devices and a real mosquitto, on free loopback ports, on an in-memory or an SQLite
/// registry (the tests that touch the registry run on both).
final class FrontRig: Sendable {
    let pki: DevPKI
    let folder: String
    let broker: MosquittoBroker
    let front: IoTFront
    let registry: any IoTRegistry
    let account = IoTAccount()

    /// A new registry of that store (SQLite: in a new temporary folder, removed by ``removeRegistry(_:)``;
    /// PostgreSQL: a new database in the test process's server).
    static func makeRegistry(_ store: FrontStore) async throws -> any IoTRegistry {
        switch store {
        case .memory: return InMemoryIoTRegistry()
        case .sqlite:
            return try SQLiteIoTRegistry(directory: NSTemporaryDirectory() + "uplink-iot-registry-\(UUID().uuidString)")
        case .postgres:
            let server = try await PostgresServer.shared()
            let database = try await server.makeDatabase()
            return try await PostgresIoTRegistry(
                location: PostgresRegistryLocation(url: server.url(database: database)))
        }
    }

    /// `given`, else a new registry of `store`.
    static func registry(_ given: (any IoTRegistry)?, else store: FrontStore) async throws -> any IoTRegistry {
        if let given { return given }
        return try await makeRegistry(store)
    }

    /// Removes an SQLite registry's folder.
    static func removeRegistry(_ registry: any IoTRegistry) {
        guard let sqlite = registry as? SQLiteIoTRegistry else { return }
        try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: sqlite.path).deletingLastPathComponent().path)
    }

    /// A rig on `registry`, else on a new registry of `store`.
    init(
        _ store: FrontStore = .memory, registry: (any IoTRegistry)? = nil,
        pki given: DevPKI? = nil, pkiOptions: DevPKI.Options = DevPKI.Options(),
        configure: (inout IoTFrontConfiguration) -> Void = { _ in }
    ) async throws {
        let store: any IoTRegistry = try await Self.registry(registry, else: store)
        pki = try given ?? DevPKI.generate(pkiOptions)
        folder = NSTemporaryDirectory() + "uplink-iot-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        _ = try pki.write(to: folder)
        broker = try await MosquittoBroker.start(listenerLines: [])
        var configuration = IoTFrontConfiguration(
            serverChain: [try NIOSSLCertificate(bytes: pki.server.certificate.derBytes, format: .der)],
            serverKey: try NIOSSLPrivateKey(bytes: pki.server.key.pkcs8DERBytes, format: .der))
        configuration.mqttPort = 0
        configuration.alpnPort = 0
        configuration.brokerPort = broker.port
        self.registry = store
        configure(&configuration)
        front = IoTFront(configuration: configuration, registry: store)
        try await front.start()
    }

    func stop() async {
        await front.stop()
        broker.stop()
        try? FileManager.default.removeItem(atPath: folder)
        Self.removeRegistry(registry)
        if let postgres = registry as? PostgresIoTRegistry { await postgres.close() }
    }

    var mqttPort: Int { front.ports[0] }
    var alpnPort: Int { front.ports[1] }

    /// Registers the CA that issued the devices (the root, or the device CA) with auto-registration.
    @discardableResult
    func registerCA(
        status: IoTCACertificateStatus = .active, autoRegistration: IoTAutoRegistrationStatus = .enable,
        template: String? = nil
    ) async throws -> IoTCACertificate {
        let issuer = pki.deviceCA ?? pki.root
        let id = IoTAccount.certificateId(der: issuer.certificate.derBytes)
        let ca = IoTCACertificate(
            certificateId: id, certificateArn: account.caCertificateArn(id),
            certificatePem: issuer.certificate.pemString,
            status: status, autoRegistrationStatus: autoRegistration,
            registrationConfig: template.map {
                IoTRegistrationConfig(templateBody: $0, roleArn: "arn:aws:iam::123456789012:role/r")
            },
            creationDate: Date(), lastModifiedDate: Date(), customerVersion: 1, generationId: "g")
        if let control = registry as? any IoTControlRegistry {
            try await control.createCACertificate(ca)
        } else {
            let memory = try #require(registry as? InMemoryIoTRegistry, "CA registration needs a store that can")
            await memory.putCACertificate(ca)
        }
        return ca
    }

    func deviceId(_ index: Int = 0) -> String { IoTAccount.certificateId(der: pki.devices[index].certificate.derBytes) }

    /// Activates a device certificate and attaches a policy (what the JITR Lambda does).
    func activate(_ index: Int = 0, policy name: String, document: String) async throws {
        let id = deviceId(index)
        try await registry.updateCertificateStatus(id: id, to: .active)
        if try await registry.policy(name: name) == nil {
            try await registry.createPolicy(
                IoTPolicy(
                    policyName: name, policyArn: account.policyArn(name), policyDocument: document,
                    defaultVersionId: "1",
                    creationDate: Date(), lastModifiedDate: Date(), generationId: "g"))
        }
        try await registry.attachPolicy(name: name, target: account.certificateArn(id))
    }

    /// A TLS transport to the front as device `index` (leaf only, or leaf + CA chain), with SNI `localhost`.
    func transport(
        _ index: Int = 0, chain: Bool = false, serverName: String? = "localhost", alpn: [String] = [], port: Int? = nil
    ) throws -> MQTTNIOTransport {
        let name = pki.devices[index].name
        let tls = MQTTTLSConfiguration(
            caFile: folder + "/ca.pem", certificateFile: folder + "/\(name)\(chain ? "-chain" : "").pem",
            keyFile: folder + "/\(name).key", serverName: serverName, alpn: alpn)
        return try MQTTNIOTransport(host: "127.0.0.1", port: port ?? mqttPort, tls: tls, connectTimeout: .seconds(5))
    }

    /// A client of the front as device `index` (client id = the certificate's CN), no automatic reconnect.
    func device(
        _ index: Int = 0, version: MQTTProtocolVersion = .v3_1_1, clientId: String? = nil,
        transport: MQTTNIOTransport? = nil
    ) throws -> MQTTClient {
        var configuration = MQTTClientConfiguration(
            clientIdentifier: clientId ?? pki.devices[index].name, version: version)
        configuration.reconnect = .disabled
        configuration.connectTimeout = .seconds(5)
        configuration.operationTimeout = .seconds(5)
        return try MQTTClient(configuration: configuration, transport: transport ?? self.transport(index))
    }

    /// A client straight to mosquitto (the rule engine's seat: it sees the front's events).
    func observer() async throws -> MQTTClient {
        var configuration = MQTTClientConfiguration(clientIdentifier: "observer-\(UInt32.random(in: 0...UInt32.max))")
        configuration.operationTimeout = .seconds(5)
        let client = try MQTTClient(
            configuration: configuration, transport: try MQTTNIOTransport(host: "127.0.0.1", port: broker.port))
        try await client.connect()
        return client
    }

    static func policy(_ statements: [String]) -> String {
        "{\"Version\":\"2012-10-17\",\"Statement\":[\(statements.joined(separator: ","))]}"
    }

    /// Connect as the CN, publish and subscribe under `devices/<CN>/`.
    var devicePolicy: String {
        let arn = "arn:aws:iot:\(account.region):\(account.accountId)"
        return Self.policy([
            "{\"Effect\":\"Allow\",\"Action\":\"iot:Connect\",\"Resource\":\"\(arn):client/${iot:Certificate.Subject.CommonName}\"}",
            "{\"Effect\":\"Allow\",\"Action\":[\"iot:Publish\",\"iot:Receive\"],\"Resource\":\"\(arn):topic/devices/${iot:ClientId}/*\"}",
            "{\"Effect\":\"Allow\",\"Action\":\"iot:Subscribe\",\"Resource\":\"\(arn):topicfilter/devices/${iot:ClientId}/*\"}",
        ])
    }
}

/// The next message of a stream, or `nil` after `seconds`.
func nextMessage(_ stream: MQTTSubscriptionStream, within seconds: Double) async throws -> MQTTMessage? {
    try await withThrowingTaskGroup(of: MQTTMessage?.self) { group in
        group.addTask {
            var iterator = stream.makeAsyncIterator()
            return try await iterator.next()
        }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        let first = try await group.next() ?? nil
        group.cancelAll()
        return first
    }
}

/// Runs `body` with a deadline: a step that hangs fails the test with its name instead of stalling the run.
func within<T: Sendable>(
    _ seconds: Double, _ step: String, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        defer { group.cancelAll() }
        guard let result = try await group.next(), let value = result else {
            throw StepTimeout(step: step)
        }
        return value
    }
}

struct StepTimeout: Error, CustomStringConvertible {
    var step: String
    var description: String { "\(step): no answer in time" }
}

extension FrontRig {
    /// What a JITP template made of device 0 (connected as `device`): its certificate ACTIVE, its thing (named by the
    /// CN, with `attributes`) attached to the certificate, and a policy that lets it publish under `things/NAME/`
    /// and nowhere else.
    func expectProvisioned(
        _ device: MQTTClient, attributes: [String: String], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let name = pki.devices[0].name
        #expect(try await registry.certificate(id: deviceId())?.status == .active, sourceLocation: sourceLocation)
        #expect(try await registry.thing(name: name)?.attributes == attributes, sourceLocation: sourceLocation)
        #expect(
            try await registry.thingNames(principal: account.certificateArn(deviceId())) == [name],
            sourceLocation: sourceLocation)
        #expect(
            try await device.publish(MQTTMessage(topic: "things/\(name)/x", string: "1", qos: .atLeastOnce))
                == .success,
            sourceLocation: sourceLocation)
        await #expect(throws: (any Error).self, sourceLocation: sourceLocation) {
            _ = try await device.publish(MQTTMessage(topic: "things/other/x", string: "1", qos: .atLeastOnce))
        }
    }
}
