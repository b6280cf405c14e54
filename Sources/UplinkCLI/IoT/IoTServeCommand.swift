import ArgumentParser
import Foundation
import Logging
import NIOSSL
import UplinkCredentials
import UplinkIoTControlPlane
import UplinkIoTFront
import UplinkIoTRegistry
import UplinkIoTStores

/// `uplink iot serve`: the AWS-IoT-like front's data plane in front of a real broker.
struct IoTServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve MQTT over mutual TLS as AWS IoT Core does (JITR, JITP, policies) in front of a broker.",
        discussion: """
            Devices connect with their certificate (SNI required) on --port (AWS: 8883) or on --alpn-port \
            with ALPN x-amzn-mqtt-ca (AWS: 443); accepted connections are forwarded to --broker. Without \
            --cert/--key, a development server certificate (localhost, 127.0.0.1) is generated once into \
            --data (keys 0600) and devices trust its ca.pem. --ca registers a CA with auto-registration \
            (JITR; with --jitp-template, JITP). The registry is the SQLite database in --data, or the \
            PostgreSQL one at --registry (several fronts may share it); with --api-port the control plane \
            (aws iot --endpoint-url) is served on the same registry, so its changes act on the running front: \
            a certificate that leaves ACTIVE has its live connections closed at the \
            next status check. See docs/iot.md.
            """
    )

    @Option(name: .long, help: "Address to listen on.")
    var bind = "127.0.0.1"

    @Option(name: .long, help: "MQTT over mutual TLS (AWS: 8883).")
    var port = 8883

    @Option(name: .long, help: "MQTT over mutual TLS with ALPN x-amzn-mqtt-ca (AWS: 443); 0 for none.")
    var alpnPort = 443

    @Option(name: .long, help: "The broker accepted connections go to (mqtt://host:port).")
    var broker = "mqtt://127.0.0.1:1883"

    @Option(name: .long, help: "The front's server certificate chain (PEM).")
    var cert: String?

    @Option(name: .long, help: "The front's server key (PEM).")
    var key: String?

    @OptionGroup var registryOptions: IoTRegistryOptions

    @Option(
        name: .long,
        help: "Serve the control plane (the AWS CLI's calls) on this port of --api-host too (0: any free port).")
    var apiPort: Int?

    @Option(name: .long, help: "Address the control plane listens on.")
    var apiHost = "127.0.0.1"

    @Option(name: .long, help: "Seconds between checks that live connections' certificates are still ACTIVE.")
    var statusCheckInterval: Double = 5

    @Option(name: .long, help: "Register this CA certificate (PEM) with auto-registration ENABLE (repeatable).")
    var ca: [String] = []

    @Option(name: .long, help: "JITP template body (JSON file) for the --ca certificates.")
    var jitpTemplate: String?

    @Option(name: .long, help: "Create a policy: NAME=FILE with the policy JSON (repeatable).")
    var policy: [String] = []

    @Option(name: .long, help: "Activate each newly registered certificate and attach this policy.")
    var autoActivate: String?

    @Option(name: .long, help: "Seconds between registration and --auto-activate (0 to 3600).")
    var delay: Double = 0

    func validate() throws {
        for (name, value) in [("--port", port), ("--alpn-port", alpnPort)] where !(0...65535).contains(value) {
            throw ValidationError("\(name) must be between 0 and 65535, not \(value)")
        }
        guard port != 0 else { throw ValidationError("--port must not be 0") }
        guard delay.isFinite, (0...IoTAutoActivator.maximumDelay).contains(delay) else {
            throw ValidationError("--delay must be between 0 and \(Int(IoTAutoActivator.maximumDelay)) seconds")
        }
        if let apiPort, !(0...65535).contains(apiPort) {
            throw ValidationError("--api-port must be between 0 and 65535, not \(apiPort)")
        }
        guard statusCheckInterval.isFinite, (0.1...3600).contains(statusCheckInterval) else {
            throw ValidationError("--status-check-interval must be between 0.1 and 3600 seconds")
        }
        guard (cert == nil) == (key == nil) else { throw ValidationError("--cert and --key go together") }
        _ = try Self.brokerAddress(broker)
    }

    /// `mqtt://host:port` (port 1883 when absent).
    static func brokerAddress(_ url: String) throws -> (host: String, port: Int) {
        guard url.hasPrefix("mqtt://") else {
            throw ValidationError("--broker must be mqtt://host[:port], not \(url)")
        }
        let rest = url.dropFirst("mqtt://".count).split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        guard !rest.isEmpty else { throw ValidationError("--broker \(url) has no host") }
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            guard let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port) else {
                throw ValidationError("--broker \(url): the port must be 1 to 65535")
            }
            return (String(rest[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
        }
        return (rest, 1883)
    }

    func run() async throws {
        var logger = Logger(label: "uplink.iot")
        logger.logLevel = .info
        let folder = registryOptions.folder
        let (chain, serverKey, caPath) = try loadServerIdentity(folder: folder)
        let store = try await registryOptions.open()
        let names = registryOptions.account
        try await seed(store, account: names)

        var configuration = IoTFrontConfiguration(serverChain: chain, serverKey: serverKey)
        configuration.account = names
        configuration.bindHost = bind
        configuration.mqttPort = port
        configuration.alpnPort = alpnPort == 0 ? nil : alpnPort
        (configuration.brokerHost, configuration.brokerPort) = try Self.brokerAddress(broker)
        configuration.logger = logger
        configuration.statusCheckInterval = statusCheckInterval
        if let autoActivate {
            guard try await store.policy(name: autoActivate) != nil else {
                throw ValidationError(
                    "--auto-activate \(autoActivate): no such policy (create it with --policy NAME=FILE)")
            }
            let activator = IoTAutoActivator(
                registry: store, account: names, policyName: autoActivate, delay: delay, logger: logger)
            configuration.onRegistration = { activator.registered($0) }
        }
        let front = IoTFront(configuration: configuration, registry: store)
        try await front.start()
        var details = "uplink iot serve: MQTT on \(bind):\(front.ports[0])"
        if front.ports.count > 1 { details += ", ALPN x-amzn-mqtt-ca on \(bind):\(front.ports[1])" }
        details += " → \(broker)"
        // The PostgreSQL location's description has no password.
        let shared = (store as? PostgresIoTRegistry).map { "\($0.location)" }
        details += "; registry " + (shared ?? "\(folder)/\(SQLiteIoTRegistry.fileName)")
        if let caPath { details += "; devices trust \(caPath)" }
        FileHandle.standardError.write(Data((details + ". Ctrl-C stops it.\n").utf8))
        let api = try await startControlPlane(store)
        await ModuleCommand.waitForTermination()
        api?.cancel()
        _ = await api?.result
        await front.stop()
    }

    /// The control plane on the front's own registry (when --api-port is given): prints `control plane on
    /// http://HOST:PORT` on stdout once it listens; fails when it cannot listen within 30 s.
    private func startControlPlane(_ registry: any IoTControlRegistry) async throws -> Task<Void, any Error>? {
        guard let apiPort else { return nil }
        let host = apiHost
        let server = IoTControlPlaneServer(
            plane: IoTControlPlane(registry: registry, settings: registryOptions.settings), host: host, port: apiPort)
        let (listening, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task {
            defer { continuation.finish() }
            try await server.run { port in
                FileHandle.standardOutput.write(Data("control plane on http://\(host):\(port)\n".utf8))
                continuation.yield(port)
            }
        }
        let deadline = Task {
            try await Task.sleep(for: .seconds(30))
            continuation.finish()
        }
        defer { deadline.cancel() }
        for await _ in listening { return task }
        task.cancel()
        if case .failure(let error) = await task.result {
            throw IoTCLIError("the control plane cannot listen on \(host):\(apiPort): \(error)")
        }
        throw IoTCLIError("the control plane did not start listening on \(host):\(apiPort) within 30 s")
    }

    /// The server chain and key from --cert/--key, or the development ones in the data folder (generated once).
    private func loadServerIdentity(folder: String) throws -> ([NIOSSLCertificate], NIOSSLPrivateKey, String?) {
        if let cert, let key {
            do {
                return (
                    try NIOSSLCertificate.fromPEMFile(cert), try NIOSSLPrivateKey(file: key, format: .pem), nil
                )
            } catch {
                throw ValidationError("cannot read --cert/--key: \(error)")
            }
        }
        let pkiFolder = folder + "/server-pki"
        let serverPEM = pkiFolder + "/server.pem"
        if !FileManager.default.fileExists(atPath: serverPEM) {
            let pki = try DevPKI.generate(DevPKI.Options())
            _ = try pki.write(to: pkiFolder)
            FileHandle.standardError.write(
                Data("uplink iot serve: development server certificate in \(pkiFolder)\n".utf8))
        }
        do {
            return (
                try NIOSSLCertificate.fromPEMFile(serverPEM),
                try NIOSSLPrivateKey(file: pkiFolder + "/server.key", format: .pem), pkiFolder + "/ca.pem"
            )
        } catch {
            throw ValidationError("cannot read the development server certificate in \(pkiFolder): \(error)")
        }
    }

    /// Registers --ca certificates and --policy documents; on a registry that already has them (a restart), the
    /// CA's auto-registration is enabled again with the given template and a stored policy is kept as it is.
    private func seed(_ store: any IoTControlRegistry, account: IoTAccount) async throws {
        let template = try jitpTemplate.map { path in
            do {
                let body = try String(contentsOfFile: path, encoding: .utf8)
                _ = try IoTProvisioningTemplate(body: body)
                return body
            } catch {
                throw ValidationError("--jitp-template \(path): \(error)")
            }
        }
        for path in ca {
            let certificate: CredentialCertificate
            do {
                let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
                guard let first = try CredentialFile(bytes: bytes).certificates.first else {
                    throw ValidationError("no certificate in the file")
                }
                certificate = first
            } catch {
                throw ValidationError("--ca \(path): \(error)")
            }
            let id = IoTAccount.certificateId(der: certificate.derBytes)
            let config = template.map { IoTRegistrationConfig(templateBody: $0) }
            if try await store.caCertificate(id: id) == nil {
                try await store.createCACertificate(
                    IoTCACertificate(
                        certificateId: id, certificateArn: account.caCertificateArn(id),
                        certificatePem: certificate.pemString, status: .active, autoRegistrationStatus: .enable,
                        registrationConfig: config, creationDate: Date(), lastModifiedDate: Date(),
                        customerVersion: 1, generationId: UUID().uuidString.lowercased()))
                FileHandle.standardError.write(
                    Data("uplink iot serve: CA \(id) registered (\(certificate.subject))\n".utf8))
            } else {
                try await store.updateCACertificate(
                    id: id,
                    IoTCACertificateUpdate(
                        status: .active, autoRegistrationStatus: .enable, registrationConfig: config,
                        removeRegistrationConfig: config == nil),
                    at: Date())
                FileHandle.standardError.write(
                    Data("uplink iot serve: CA \(id) was registered; ACTIVE with auto-registration\n".utf8))
            }
        }
        for entry in policy {
            guard let equals = entry.firstIndex(of: "=") else {
                throw ValidationError("--policy must be NAME=FILE, not \(entry)")
            }
            let name = String(entry[..<equals])
            let path = String(entry[entry.index(after: equals)...])
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
                _ = try IoTPolicyDocument(json: text)
            } catch {
                throw ValidationError("--policy \(name): \(path): \(error)")
            }
            if try await store.policy(name: name) == nil {
                try await store.createPolicy(
                    IoTPolicy(
                        policyName: name, policyArn: account.policyArn(name), policyDocument: text,
                        defaultVersionId: "1", creationDate: Date(), lastModifiedDate: Date(),
                        generationId: UUID().uuidString.lowercased()))
            } else {
                FileHandle.standardError.write(
                    Data("uplink iot serve: policy \(name) exists in the registry; the stored one is kept\n".utf8))
            }
        }
    }
}
