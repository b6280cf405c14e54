import ATCodec
import NIOPosix
import UplinkDriver
import UplinkMQTT

/// `--via DEV`: the MQTT connection goes through an SPWF-compatible module on a serial device.
///
/// The module is opened at the first connect (dialect found from its answer to `AT`), joins the network when
/// `--wifi` is given, takes the credentials into its slots (checked against the profile's slot sizes before
/// anything is sent), and opens one socket per connection by name: the module resolves the broker's name.
struct MQTTViaModule: Sendable {
    /// The capacities of the credential slots of each profile.
    static var slotCapacity: [String: Int] { ModuleSlotCapacity.byProfile }

    var device: String
    var baud: Int
    var hardwareFlowControl: Bool
    var profile: String
    var ssid: String?
    var passphrase: String?
    var credentials: [(slot: ATCredentialSlot, file: String, bytes: [UInt8])]

    /// Why the credentials do not fit, in words a person can act on, or `nil` when they fit.
    func fitProblem() -> String? {
        let capacity = Self.slotCapacity[profile] ?? 4096
        for credential in credentials where credential.bytes.count > capacity {
            let what: String
            switch credential.slot {
            case .ca: what = "CA certificate"
            case .cert: what = "client certificate (chain)"
            case .key: what = "private key"
            }
            return "the \(what) in \(credential.file) is \(credential.bytes.count) bytes; the \(profile) "
                + "\(credential.slot.rawValue) slot holds \(capacity). Nothing was sent to the module. "
                + "What makes it fit: \(fitCommand)"
        }
        return nil
    }

    /// The `uplink certs fit` command for these credentials and this profile.
    var fitCommand: String {
        var command = "uplink certs fit --profile \(profile)"
        for credential in credentials { command += " --\(credential.slot.rawValue) \(credential.file)" }
        return command
    }

    /// The transport to `host:port` (TLS with the slots when `tls`).
    func transport(host: String, port: Int, tls: Bool) -> MQTTViaModuleTransport {
        MQTTViaModuleTransport(settings: self, host: host, port: port, tls: tls)
    }
}

/// Opens the module once, prepares it, then one module socket per MQTT connection.
final class MQTTViaModuleTransport: MQTTTransport {
    let settings: MQTTViaModule
    let host: String
    let port: Int
    let tls: Bool
    private let state = MQTTViaState()

    init(settings: MQTTViaModule, host: String, port: Int, tls: Bool) {
        self.settings = settings
        self.host = host
        self.port = port
        self.tls = tls
    }

    func connect() async throws -> any MQTTTransportConnection {
        let driver = try await state.driver { try await self.prepare() }
        let transport = ModuleMQTTTransport(
            driver: driver, host: host, port: port, kind: tls ? .tls(commonName: nil) : .tcp)
        return try await transport.connect()
    }

    private func prepare() async throws -> ModuleDriver {
        let driver = try await ModuleDriver.open(
            path: settings.device, baud: settings.baud, hardwareFlowControl: settings.hardwareFlowControl,
            group: MQTTCLILoop.group)
        do {
            if let ssid = settings.ssid {
                try await driver.joinWiFi(ssid: ssid, passphrase: settings.passphrase)
            }
            let capacity = MQTTViaModule.slotCapacity[settings.profile]
            for credential in settings.credentials {
                do {
                    try await driver.storeCredential(credential.slot, credential.bytes, capacity: capacity)
                } catch let error as ModuleDriverError where error.moduleError?.isCredentialRejection == true {
                    throw MQTTViaCredentialError(
                        file: credential.file, error: error, fitCommand: settings.fitCommand)
                }
            }
        } catch {
            await driver.close()
            throw error
        }
        return driver
    }
}

/// The driver, opened once by the first connect.
private actor MQTTViaState {
    private var opened: ModuleDriver?

    func driver(_ open: @Sendable () async throws -> ModuleDriver) async throws -> ModuleDriver {
        if let opened { return opened }
        let driver = try await open()
        opened = driver
        return driver
    }
}

/// The module refused a credential file (its text says why: a chain where the profile takes one certificate,
/// an unparsable key...).
struct MQTTViaCredentialError: MQTTTransportError {
    var file: String
    var error: ModuleDriverError
    var fitCommand: String

    var description: String {
        "the module refused \(file) (\(error.moduleError?.text ?? "\(error)")). What makes it fit: \(fitCommand)"
    }
}
