import ATCodec
import MQTTCodec
import UplinkEmbedded

/// The module's UART as the AT driver's port: polled, with the SysTick clock.
struct ModulePort: SPWFPort {
    func write(_ bytes: [UInt8]) {
        for byte in bytes { UART.module.write(byte) }
    }

    func read(into buffer: inout [UInt8]) {
        // Up to a line's worth per call, so a long reply does not starve the rest of the loop.
        while buffer.count < 256, let byte = UART.module.read() { buffer.append(byte) }
    }

    func milliseconds() -> UInt64 { Clock.milliseconds() }
}

extension StaticString {
    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: utf8Start, count: utf8CodeUnitCount)) }
    var string: String {
        String(decoding: UnsafeBufferPointer(start: utf8Start, count: utf8CodeUnitCount), as: UTF8.self)
    }
}

/// The seed's device application: boot the module, join Wi-Fi, set the clock, load the credentials built into the
/// image, connect to the broker by name over mutual TLS, publish telemetry every second at QoS 1, and answer each
/// command on the reply topic. Every error reaches the console as one `[fw] error: ...` line, then the step is
/// tried again.
enum Application {
    static func run() {
        UART.configure()
        print("[fw] uplink firmware \(FirmwareConfig.clientID.string): Embedded Swift on STM32F4")
        let device = Device()
        device.main()
    }
}

/// A class: the device's state (the driver, its session, the client) is large, and as a class it is never copied.
final class Device {
    var host = SPWFHost(port: ModulePort())
    var mqtt: MQTTDeviceClient
    var socket: Int?
    var sequence = 0
    var nextTelemetry: UInt64 = 0
    var seenReboots = 0
    let telemetryTopic: String
    let commandTopic: String
    let replyTopic: String

    init() {
        var configuration = MQTTDeviceClient.Configuration(clientIdentifier: FirmwareConfig.clientID.string)
        configuration.keepAlive = 30
        configuration.cleanSession = false
        mqtt = MQTTDeviceClient(configuration: configuration)
        let base = "devices/" + FirmwareConfig.clientID.string
        telemetryTopic = base + "/telemetry"
        commandTopic = base + "/commands"
        replyTopic = base + "/replies"
        host.onIndication = { indication in Device.show(indication) }
    }

    static func show(_ indication: ATIndication) {
        switch indication {
        case .reset: print("[fw] module: +WIND:2 reset")
        case .powerOn(let text): print("[fw] module: +WIND:1 \(text)")
        case .hardFault(let text): print("[fw] module: +WIND:8 hard fault \(text)")
        case .consoleActive: print("[fw] module: +WIND:0 console active")
        case .hardwareStarted: print("[fw] module: +WIND:32 hardware started")
        case .wifiUp(let address): print("[fw] module: +WIND:24 Wi-Fi up, \(address)")
        case .wifiFailure(let number, let text): print("[fw] module: +WIND:\(number) \(text)")
        case .pendingData, .socketClosed, .other, .commandMode, .dataMode, .serverClientConnected, .serverClientGone,
            .serverDroppingData, .serverPendingData, .mqttMessage, .mqttClosed:
            break
        }
    }

    static func error(_ text: String) { print("[fw] error: \(text)") }

    func main() {
        bringUp()
        while true {
            if socket == nil { connect() }
            if socket != nil { serve() }
            if host.reboots != seenReboots {
                seenReboots = host.reboots
                print("[fw] the module rebooted: every socket is gone; bringing it up again")
                dropConnection()
                bringUp()
            }
        }
    }

    /// Boot sync, Wi-Fi, clock and credentials; each step tried until it works.
    func bringUp() {
        step("boot sync") { (host: inout SPWFHost<ModulePort>) throws(SPWFHostError) in try host.synchronize() }
        if host.wifiAddress == nil {
            step("Wi-Fi join") { (host: inout SPWFHost<ModulePort>) throws(SPWFHostError) in
                let address = try host.joinWiFi(
                    ssid: FirmwareConfig.ssid.string, passphrase: FirmwareConfig.passphrase.string)
                print("[fw] joined \(FirmwareConfig.ssid.string) as \(address)")
            }
        }
        step("set time") { (host: inout SPWFHost<ModulePort>) throws(SPWFHostError) in
            try host.setTime(secondsSince1970: FirmwareConfig.time)
        }
        // A refused credential is reported and not retried: the image cannot change it.
        do throws(SPWFHostError) {
            try host.loadCredentials(
                ca: FirmwareConfig.ca.bytes, chain: FirmwareConfig.chain.bytes, key: FirmwareConfig.key.bytes,
                domain: FirmwareConfig.brokerHost.string)
            print("[fw] credentials loaded")
        } catch {
            Device.error("credential loading: \(error.message)")
        }
        seenReboots = host.reboots
    }

    func step(_ name: StaticString, _ body: (inout SPWFHost<ModulePort>) throws(SPWFHostError) -> Void) {
        while true {
            do throws(SPWFHostError) {
                try body(&host)
                return
            } catch {
                Device.error("\(name.string): \(error.message)")
                host.idle(milliseconds: 1_000)
            }
        }
    }

    /// SOCKON by name, CONNECT, SUBSCRIBE; on failure, waits a second and returns (the loop tries again).
    func connect() {
        print("[fw] connecting to \(FirmwareConfig.brokerHost.string):\(FirmwareConfig.brokerPort)")
        do throws(SPWFHostError) {
            socket = try host.openTLS(host: FirmwareConfig.brokerHost.string, port: FirmwareConfig.brokerPort)
        } catch {
            Device.error(error.message)
            host.idle(milliseconds: 1_000)
            return
        }
        do throws(MQTTDeviceError) {
            try mqtt.connect(now: host.port.milliseconds())
        } catch {
            Device.error(error.message)
        }
        do throws(SPWFHostError) {
            try flush()
        } catch {
            Device.error(error.message)
            dropConnection()
            host.idle(milliseconds: 1_000)
            return
        }
        nextTelemetry = host.port.milliseconds()
    }

    /// One turn of the connected loop: read, tick, telemetry, write.
    func serve() {
        guard let id = socket else { return }
        do throws(SPWFHostError) {
            let now = host.port.milliseconds()
            let bytes = try host.read(socket: id)
            var events = bytes.isEmpty ? [] : mqtt.receive(bytes, now: now)
            events += mqtt.tick(now: now)
            for event in events { try handle(event) }
            if socket == nil { return }
            if mqtt.state == .connected && now >= nextTelemetry {
                nextTelemetry = now + 1_000
                if mqtt.inFlightCount < mqtt.configuration.maximumInFlight {
                    let payload = "{\"seq\":\(sequence),\"uptime_ms\":\(now)}"
                    try publish(telemetryTopic, Array(payload.utf8))
                    sequence += 1
                }
            }
            try flush()
        } catch {
            Device.error(error.message)
            dropConnection()
            host.idle(milliseconds: 500)
        }
    }

    func publish(_ topic: String, _ payload: [UInt8]) throws(SPWFHostError) {
        do throws(MQTTDeviceError) {
            try mqtt.publish(topic: topic, payload: payload, qos: .atLeastOnce, now: host.port.milliseconds())
        } catch {
            Device.error(error.message)
        }
    }

    func handle(_ event: MQTTDeviceClient.Event) throws(SPWFHostError) {
        switch event {
        case .connected(let sessionPresent):
            print("[fw] MQTT connected (session present: \(sessionPresent ? "yes" : "no"))")
            do throws(MQTTDeviceError) {
                try mqtt.subscribe(to: commandTopic, qos: .atLeastOnce, now: host.port.milliseconds())
            } catch {
                Device.error(error.message)
            }
        case .refused(let code):
            Device.error("MQTT: the broker refused the connection (return code \(code))")
            dropConnection()
        case .subscribed(_, let granted):
            print("[fw] subscribed to \(commandTopic) (granted \(granted.first.map { Int($0) } ?? -1))")
        case .published:
            break
        case .message(let topic, let payload, _):
            guard topic == Array(commandTopic.utf8) else { return }
            print("[fw] command: \(String(decoding: payload, as: UTF8.self))")
            try publish(replyTopic, Array("ack:".utf8) + payload)
        case .failed(let error):
            Device.error(error.message)
            dropConnection()
        }
    }

    func flush() throws(SPWFHostError) {
        let output = mqtt.takeOutput()
        guard !output.isEmpty, let id = socket else { return }
        try host.write(socket: id, output)
    }

    /// Closes the socket (draining it first when the module asks) and tells MQTT the connection is gone.
    func dropConnection() {
        mqtt.connectionLost()
        guard let id = socket else { return }
        socket = nil
        do throws(SPWFHostError) {
            try host.close(socket: id)
        } catch {
            Device.error("closing socket \(id): \(error.message)")
        }
    }
}
