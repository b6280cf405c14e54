import Foundation
import MQTTCodec
import Testing
import UplinkIoTFront
import UplinkIoTRegistry
import UplinkIoTStores
import UplinkMQTT
import UplinkTestSupport

/// Two fronts on one PostgreSQL registry (each with its own connection pool, as two `uplink iot serve` would
/// have): what one learns, the other knows.
@Suite("IoT front: two fronts sharing a PostgreSQL registry", .serialized, .timeLimit(.minutes(5)))
struct SharedRegistryTests {
    /// Front A on a new PostgreSQL database, front B on another registry instance on the same database, both
    /// serving the same server certificate (one PKI).
    static func twoFronts() async throws -> (FrontRig, FrontRig) {
        let a = try await FrontRig(.postgres)
        let location = try #require(a.registry as? PostgresIoTRegistry).location
        let b = try await FrontRig(registry: try await PostgresIoTRegistry(location: location), pki: a.pki)
        return (a, b)
    }

    @Test("JITR through front A (registered, then activated); front B accepts the device")
    func onboardThroughOneAcceptedByTheOther() async throws {
        let (a, b) = try await Self.twoFronts()
        let ca = try await a.registerCA()
        let observer = try await a.observer()
        let events = try await observer.subscribe(to: "$aws/events/certificates/registered/#", qos: .atLeastOnce)

        // First connect, to A: registered PENDING_ACTIVATION and closed; the event on A's broker.
        await #expect(throws: (any Error).self) { try await a.device().connect() }
        let event = try #require(try await nextMessage(events, within: 5))
        #expect(event.topic == "$aws/events/certificates/registered/\(ca.certificateId)")
        // B sees the record A wrote, and refuses the device while it is pending.
        #expect(try await b.registry.certificate(id: a.deviceId())?.status == .pendingActivation)
        await #expect(throws: (any Error).self) { try await b.device().connect() }

        // Activated (through A's registry): B accepts the device and applies the policy.
        try await a.activate(policy: "DevicePolicy", document: a.devicePolicy)
        try await Task.sleep(for: .milliseconds(1100))
        let device = try b.device()
        try await device.connect()
        let name = b.pki.devices[0].name
        let code = try await device.publish(MQTTMessage(topic: "devices/\(name)/t", string: "hi", qos: .atLeastOnce))
        #expect(code == .success)
        await device.disconnect()
        await observer.disconnect()
        await b.stop()
        await a.stop()
    }

    @Test("The same new certificate at both fronts at once: one record, each connection closed as AWS does")
    func concurrentFirstConnects() async throws {
        let (a, b) = try await Self.twoFronts()
        try await a.registerCA()
        // Three connects of the same new device at each front, all at once.
        let devices = try (0..<6).map { index in
            try (index % 2 == 0 ? a : b).device(clientId: "race-\(index)")
        }
        let connected = await withTaskGroup(of: Bool.self) { group in
            for device in devices { group.addTask { (try? await device.connect()) != nil } }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(connected == Array(repeating: false, count: 6), "JITR closes the first connections at either front")
        let control = try #require(a.registry as? any IoTControlRegistry)
        let page = try await control.listCertificates(caCertificateId: nil, IoTPaging(pageSize: 250))
        #expect(page.items.count == 1)
        #expect(page.items.first?.certificateId == a.deviceId())
        #expect(page.items.first?.status == .pendingActivation)
        #expect(try await b.registry.certificate(id: a.deviceId()) == page.items.first)
        await b.stop()
        await a.stop()
    }
}
