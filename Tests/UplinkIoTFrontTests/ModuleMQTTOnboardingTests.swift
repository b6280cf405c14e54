import ATCodec
import Foundation
import Logging
import MQTTCodec
import Synchronization
import Testing
import UplinkCredentials
import UplinkDriver
import UplinkIoTFront
import UplinkIoTRegistry
import UplinkMQTT
import UplinkModule
import UplinkTestSupport

/// JITR and JITP end to end with the SPWF04's own MQTT client and nothing else on the host: the module on a
/// pseudo-terminal, the host driver's `AT+S.MQTTCONN`/`SUB`/`PUB`, the module's TLS slots holding the device chain
/// (leaf + CA in `cert`, as AWS wants), the front with mosquitto behind it. What the host sees is asserted twice: as
/// the driver reports it, and as the exact bytes the module wrote (its trace).
@Suite("IoT front through the SPWF04's own MQTT client: JITR and JITP on a pty", .serialized, .timeLimit(.minutes(4)))
struct ModuleMQTTOnboardingTests {
    /// A module on a pty whose output is traced, with deadlines for a loaded machine.
    struct TracedModule {
        let rig: ModuleRig
        let tracePath: String
        var driver: ModuleDriver { rig.driver }

        static func start(_ folder: String) async throws -> TracedModule {
            let tracePath = folder + "/module-trace-\(UUID().uuidString).txt"
            let rig = try await ModuleRig.start(.spwf04, trace: try ModuleTrace(path: tracePath)) { options in
                options.connectTimeout = .seconds(20)
                options.effectTimeout = .seconds(40)
            }
            return TracedModule(rig: rig, tracePath: tracePath)
        }

        /// Every byte the module wrote to the host so far, escaped as the trace writes it (`\r`, `\n`...).
        func output() throws -> String {
            let marker = " <mod  \""
            return try String(contentsOfFile: tracePath, encoding: .utf8).split(separator: "\n").compactMap { line in
                guard let start = line.range(of: marker), line.hasSuffix("\"") else { return nil }
                return String(line[start.upperBound..<line.index(before: line.endIndex)])
            }.joined()
        }

        /// Whether the module wrote `text` (exact bytes) to the host.
        func wrote(_ text: String) throws -> Bool {
            try output().contains(EscapedBytes.text(Array(text.utf8)))
        }

        /// Where the module first wrote `text`, if it did.
        func position(of text: String) throws -> String.Index? {
            try output().range(of: EscapedBytes.text(Array(text.utf8)))?.lowerBound
        }

        func stop() async {
            await rig.stop()
            try? FileManager.default.removeItem(atPath: tracePath)
        }
    }

    /// The exact bytes of the first connect's refusal.
    static let closedBeforeConnAck = "AT-S.ERROR:100:MQTT connection refused: closed before CONNACK\r\n"

    /// MQTTCONN to the front by name (`localhost`, so the module sends SNI), TLS with the slots, the CN as client id.
    static func parameters(_ rig: FrontRig, clientID: String) -> ATMQTTConnectParameters {
        var parameters = ATMQTTConnectParameters(host: ModuleRig.frontName, port: rig.mqttPort, tls: true)
        parameters.clientID = clientID
        parameters.keepAlive = 60
        return parameters
    }

    /// The module's error of a driver call that must fail.
    static func moduleError(_ step: String, _ body: @escaping @Sendable () async throws -> Void) async throws
        -> ATError?
    {
        do {
            try await within(90, step, body)
            Issue.record("\(step) succeeded")
            return nil
        } catch let error as ModuleDriverError {
            return error.moduleError
        }
    }

    /// Reads the module's MQTT events in the background, so that waiting for one with a deadline never cancels the
    /// driver's stream (cancelling a task waiting on it would end it).
    final class EventCollector: Sendable {
        /// The events read so far, and how many ``next(within:)`` returned.
        private final class Log: Sendable {
            let state = Mutex<(events: [ModuleMQTTEvent], cursor: Int)>(([], 0))
        }
        private let log = Log()
        private let reader: Task<Void, Never>

        init(_ stream: AsyncThrowingStream<ModuleMQTTEvent, any Error>) {
            let log = self.log
            reader = Task {
                do {
                    for try await event in stream { log.state.withLock { $0.events.append(event) } }
                } catch {}
            }
        }

        /// The next event not returned yet, or `nil` after `seconds`.
        func next(within seconds: Double) async throws -> ModuleMQTTEvent? {
            let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            while true {
                let event = log.state.withLock { state -> ModuleMQTTEvent? in
                    guard state.cursor < state.events.count else { return nil }
                    state.cursor += 1
                    return state.events[state.cursor - 1]
                }
                if let event { return event }
                if ContinuousClock.now >= deadline { return nil }
                try await Task.sleep(for: .milliseconds(20))
            }
        }

        func stop() { reader.cancel() }
    }

    /// The JITR flow with the credentials already in the module: first MQTTCONN closed (its own error, no WIND 87),
    /// the event on mosquitto, activation, the retry connects; MQTTSUB gets a message published by another client
    /// (WIND 86); an allowed MQTTPUB reaches mosquitto; one outside the policy closes the connection (WIND 87) and
    /// never reaches it.
    static func jitrFlow(_ module: TracedModule, _ rig: FrontRig) async throws {
        let ca = try await rig.registerCA()
        let observer = try await rig.observer()
        let registered = try await observer.subscribe(to: "$aws/events/certificates/registered/#", qos: .atLeastOnce)
        let name = rig.pki.devices[0].name
        let driver = module.driver
        let events = EventCollector(driver.mqttEvents())
        let parameters = Self.parameters(rig, clientID: name)

        // First connect: the front registers the certificate PENDING_ACTIVATION, publishes the event and closes the
        // connection after the handshake, before CONNACK. The host gets the refusal, not a WIND.
        let refusal = try await Self.moduleError("first MQTTCONN") { _ = try await driver.mqttConnect(parameters) }
        #expect(refusal == .mqttClosedBeforeConnAck)
        let firstOutput = try module.output()
        #expect(firstOutput.contains(EscapedBytes.text(Array(Self.closedBeforeConnAck.utf8))), "\(firstOutput)")
        let event = try #require(try await nextMessage(registered, within: 10), "no registration event on the broker")
        #expect(event.topic == "$aws/events/certificates/registered/\(ca.certificateId)")
        let fields = try #require(try JSONSerialization.jsonObject(with: Data(event.payload)) as? [String: Any])
        #expect(fields["certificateId"] as? String == rig.deviceId())
        #expect(fields["caCertificateId"] as? String == ca.certificateId)
        #expect(fields["certificateStatus"] as? String == "PENDING_ACTIVATION")
        #expect(try await rig.registry.certificate(id: rig.deviceId())?.status == .pendingActivation)
        // No connection was opened: no WIND 87, and the id names nothing.
        #expect(try await events.next(within: 0.5) == nil)
        #expect(!(try module.wrote("+WIND:87")))
        let notConnected = try await Self.moduleError("MQTTSUB before any connection") {
            try await driver.mqttSubscribe(client: 0, filter: "devices/\(name)/in", qos: 1)
        }
        #expect(notConnected == .mqttNotConnected)

        // The rule's work, through the registry; the retry (a second later: 1 CONNECT/s per client id) connects.
        try await rig.activate(policy: "DevicePolicy", document: rig.devicePolicy)
        // A client id the policy does not allow: the front closes before CONNACK (MQTT 3.1.1), the same error.
        let intruder = try await Self.moduleError("MQTTCONN with a client id the policy denies") {
            _ = try await driver.mqttConnect(Self.parameters(rig, clientID: "intruder"))
        }
        #expect(intruder == .mqttClosedBeforeConnAck)
        try await Task.sleep(for: .milliseconds(1100))
        let id = try await within(90, "MQTTCONN after activation") { try await driver.mqttConnect(parameters) }
        #expect(id == 0)
        #expect(try module.wrote("AT-S.On:127.0.0.1:0\r\nAT-S.OK\r\n"))
        #expect(try await rig.registry.certificate(id: rig.deviceId())?.status == .active)

        // MQTTSUB: a message another client publishes (straight to mosquitto) comes as WIND 86.
        let inbound = "devices/\(name)/in"
        try await within(60, "MQTTSUB") { try await driver.mqttSubscribe(client: id, filter: inbound, qos: 1) }
        try await observer.publish(MQTTMessage(topic: inbound, string: "to device", qos: .atLeastOnce))
        let received = try await events.next(within: 30)
        guard case .message(let message)? = received else {
            Issue.record("no WIND 86 for \(inbound): \(String(describing: received))")
            return
        }
        #expect(message.topic == inbound && message.payload == Array("to device".utf8) && message.qos == 1)
        #expect(try module.wrote("+WIND:86:MQTT Published:0:\(inbound):1:0:0:9:9:to device\r\n"))

        // MQTTPUB inside the policy reaches mosquitto.
        let allowed = "devices/\(name)/t"
        let inbox = try await observer.subscribe(to: allowed, qos: .atLeastOnce)
        let outside = try await observer.subscribe(to: "other/#", qos: .atLeastOnce)
        try await within(60, "allowed MQTTPUB") {
            try await driver.mqttPublish(client: id, topic: allowed, payload: Array("allowed".utf8), qos: 1)
        }
        #expect(try await nextMessage(inbox, within: 10)?.payloadString == "allowed")

        // MQTTPUB outside it: the front closes the connection (MQTT 3.1.1), the PUBACK never comes. The host gets
        // `MQTT not connected` for the publish, then WIND 87; mosquitto never sees the message.
        let denied = try await Self.moduleError("refused MQTTPUB") {
            try await driver.mqttPublish(client: id, topic: "other/t", payload: Array("refused".utf8), qos: 1)
        }
        #expect(denied == .mqttNotConnected)
        #expect(try await events.next(within: 30) == .closed(client: id))
        let error = try #require(try module.position(of: "AT-S.ERROR:94:MQTT not connected\r\n"))
        let closed = try #require(try module.position(of: "+WIND:87:MQTT Closed:0\r\n"))
        let output = try module.output()
        #expect(error < closed, "\(output)")
        #expect(try await nextMessage(outside, within: 1) == nil)
        events.stop()
        await observer.disconnect()
    }

    @Test("JITR with the chain in the cert slot: first MQTTCONN refused, event, activation, retry, SUB, PUB, policy")
    func jitr() async throws {
        let rig = try await ModuleOnboardingTests.front()
        let module = try await TracedModule.start(rig.folder)
        try await module.rig.load(rig.pki, capacity: ModuleSlotCapacity.byProfile[ModuleProfile.spwf04.name])
        try await Self.jitrFlow(module, rig)
        await module.stop()
        await rig.stop()
    }

    @Test("JITR with the credentials from files: FSC, then TLSCERT=<slot>,<file>; the same flow")
    func jitrFromFiles() async throws {
        let rig = try await ModuleOnboardingTests.front()
        let module = try await TracedModule.start(rig.folder)
        let device = rig.pki.devices[0]
        let issuer = try #require(rig.pki.deviceCA)
        let files: [(ATCredentialSlot, String, String)] = [
            (.ca, "root.pem", rig.pki.root.certificate.pemString),
            (.cert, "device-chain.pem", device.certificate.pemString + issuer.certificate.pemString),
            (.key, "device.key", device.key.pemString),
        ]
        for (slot, file, pem) in files {
            try await module.driver.createFile(file, contents: Array(pem.utf8))
            try await module.driver.storeCredential(slot, fromFile: file)
        }
        #expect(Set(try await module.driver.listFiles().map(\.name)) == Set(files.map(\.1)))
        #expect(try module.wrote("AT-S.OK\r\n"))
        try await Self.jitrFlow(module, rig)
        await module.stop()
        await rig.stop()
    }

    @Test("JITR with an activation rule: mqttConnectOnboarding sends MQTTCONN again until the certificate is active")
    func onboardingRetries() async throws {
        let registry = InMemoryIoTRegistry()
        let account = IoTAccount()
        let activator = IoTAutoActivator(
            registry: registry, account: account, policyName: "DevicePolicy", delay: 1.5, logger: Logger(label: "test"))
        var options = DevPKI.Options()
        options.deviceCA = true
        let rig = try await FrontRig(registry: registry, pkiOptions: options) { configuration in
            configuration.onRegistration = { activator.registered($0) }
        }
        try await rig.registerCA()
        try await registry.createPolicy(
            IoTPolicy(
                policyName: "DevicePolicy", policyArn: account.policyArn("DevicePolicy"),
                policyDocument: rig.devicePolicy, defaultVersionId: "1", creationDate: Date(),
                lastModifiedDate: Date(), generationId: "g"))
        let module = try await TracedModule.start(rig.folder)
        try await module.rig.load(rig.pki, capacity: ModuleSlotCapacity.byProfile[ModuleProfile.spwf04.name])
        let name = rig.pki.devices[0].name
        let driver = module.driver
        let parameters = Self.parameters(rig, clientID: name)
        let id = try await within(120, "MQTTCONN with onboarding retries") {
            try await driver.mqttConnectOnboarding(parameters, attempts: 10, interval: .seconds(1))
        }
        #expect(id == 0)
        // At least one close before the rule's activation, then the connection.
        let output = try module.output()
        let refused = try #require(try module.position(of: Self.closedBeforeConnAck), "\(output)")
        let opened = try #require(try module.position(of: "AT-S.On:127.0.0.1:0\r\nAT-S.OK\r\n"), "\(output)")
        #expect(refused < opened)
        #expect(try await registry.certificate(id: rig.deviceId())?.status == .active)
        try await within(60, "allowed MQTTPUB") {
            try await driver.mqttPublish(client: id, topic: "devices/\(name)/up", payload: Array("1".utf8), qos: 1)
        }
        // A refusal that is not the onboarding close is thrown at once: a second MQTTCONN while connected.
        let again = try await Self.moduleError("MQTTCONN while connected") {
            _ = try await driver.mqttConnectOnboarding(parameters, attempts: 10, interval: .seconds(1))
        }
        #expect(again == .mqttAlreadyConnected)
        try await driver.mqttDisconnect(client: id)
        await module.stop()
        await rig.stop()
    }

    @Test("JITP: the first MQTTCONN is provisioned and connects; PUB inside the policy arrives, outside it closes")
    func jitp() async throws {
        let rig = try await ModuleOnboardingTests.front()
        let module = try await TracedModule.start(rig.folder)
        try await rig.registerCA(template: ModuleOnboardingTests.template(rig))
        let observer = try await rig.observer()
        try await module.rig.load(rig.pki, capacity: ModuleSlotCapacity.byProfile[ModuleProfile.spwf04.name])
        let name = rig.pki.devices[0].name
        let driver = module.driver
        let events = EventCollector(driver.mqttEvents())

        let parameters = Self.parameters(rig, clientID: name)
        let id = try await within(90, "first MQTTCONN (JITP)") { try await driver.mqttConnect(parameters) }
        #expect(try module.wrote("AT-S.On:127.0.0.1:0\r\nAT-S.OK\r\n"))
        #expect(!(try module.wrote(Self.closedBeforeConnAck)))
        #expect(try await rig.registry.certificate(id: rig.deviceId())?.status == .active)
        #expect(try await rig.registry.thingNames(principal: rig.account.certificateArn(rig.deviceId())) == [name])

        let allowed = "things/\(name)/x"
        let inbox = try await observer.subscribe(to: allowed, qos: .atLeastOnce)
        let outside = try await observer.subscribe(to: "things/other/x", qos: .atLeastOnce)
        try await within(60, "allowed MQTTPUB") {
            try await driver.mqttPublish(client: id, topic: allowed, payload: Array("provisioned".utf8), qos: 1)
        }
        #expect(try await nextMessage(inbox, within: 10)?.payloadString == "provisioned")
        // QoS 0 outside the policy: the module wrote it (OK), the front closes the connection: WIND 87.
        try await within(60, "refused MQTTPUB, QoS 0") {
            try await driver.mqttPublish(client: id, topic: "things/other/x", payload: Array("refused".utf8), qos: 0)
        }
        #expect(try await events.next(within: 30) == .closed(client: id))
        #expect(try module.wrote("+WIND:87:MQTT Closed:0\r\n"))
        #expect(try await nextMessage(outside, within: 1) == nil)
        events.stop()
        await observer.disconnect()
        await module.stop()
        await rig.stop()
    }
}
