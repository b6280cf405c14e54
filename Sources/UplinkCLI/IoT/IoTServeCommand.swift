import ArgumentParser
import Foundation
import Logging
import NIOSSL
import UplinkCredentials
import UplinkIoTFront
import UplinkIoTRegistry

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
            (JITR; with --jitp-template, JITP). See docs/iot.md.
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

    @Option(name: .long, help: "Data folder (default $XDG_DATA_HOME/uplink/iot).")
    var data: String?

    @Option(name: .long, help: "Registry: memory (SQLite and PostgreSQL come with the control plane).")
    var registry = "memory"

    @Option(name: .long, help: "Region in ARNs.")
    var region = "us-east-1"

    @Option(name: .long, help: "Account id in ARNs and events (12 digits).")
    var account = "123456789012"

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
        guard delay.isFinite, (0...3600).contains(delay) else {
            throw ValidationError("--delay must be between 0 and 3600 seconds")
        }
        guard registry == "memory" else {
            throw ValidationError("--registry \(registry): only 'memory' is available in this build")
        }
        guard account.count == 12, account.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw ValidationError("--account must be 12 digits, not \(account)")
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
        let folder = data ?? Self.defaultDataFolder()
        let (chain, serverKey, caPath) = try loadServerIdentity(folder: folder)
        let store = InMemoryIoTRegistry()
        let names = IoTAccount(region: region, accountId: account)
        try await seed(store, account: names)

        var configuration = IoTFrontConfiguration(serverChain: chain, serverKey: serverKey)
        configuration.account = names
        configuration.bindHost = bind
        configuration.mqttPort = port
        configuration.alpnPort = alpnPort == 0 ? nil : alpnPort
        (configuration.brokerHost, configuration.brokerPort) = try Self.brokerAddress(broker)
        configuration.logger = logger
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
        if let caPath { details += "; devices trust \(caPath)" }
        FileHandle.standardError.write(Data((details + ". Ctrl-C stops it.\n").utf8))
        await ModuleCommand.waitForTermination()
        await front.stop()
    }

    /// `$XDG_DATA_HOME/uplink/iot`, or `~/.local/share/uplink/iot`.
    static func defaultDataFolder() -> String {
        let environment = ProcessInfo.processInfo.environment
        let base =
            environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.local/share")
        return base + "/uplink/iot"
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

    /// Registers --ca certificates and --policy documents.
    private func seed(_ store: InMemoryIoTRegistry, account: IoTAccount) async throws {
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
            await store.putCACertificate(
                IoTCACertificate(
                    certificateId: id, certificateArn: account.caCertificateArn(id),
                    certificatePem: certificate.pemString, status: .active, autoRegistrationStatus: .enable,
                    registrationConfig: template.map { IoTRegistrationConfig(templateBody: $0) },
                    creationDate: Date(), lastModifiedDate: Date(), customerVersion: 1,
                    generationId: UUID().uuidString.lowercased()))
            FileHandle.standardError.write(
                Data("uplink iot serve: CA \(id) registered (\(certificate.subject))\n".utf8))
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
            try await store.createPolicy(
                IoTPolicy(
                    policyName: name, policyArn: account.policyArn(name), policyDocument: text, defaultVersionId: "1",
                    creationDate: Date(), lastModifiedDate: Date(), generationId: UUID().uuidString.lowercased()))
        }
    }
}
