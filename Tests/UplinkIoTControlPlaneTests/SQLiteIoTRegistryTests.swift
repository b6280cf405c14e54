import Foundation
import Testing
import UplinkIoTRegistry
import UplinkIoTStores
import UplinkTestSupport

/// The SQLite registry: records round-trip, paging, AWS's guards, file modes, and no committed write lost to kill -9.
@Suite struct SQLiteIoTRegistryTests {
    static func temporaryDirectory() -> String {
        NSTemporaryDirectory() + "uplink-iot-registry-\(UUID().uuidString)"
    }

    static func certificate(_ n: Int, status: IoTCertificateStatus = .inactive, ca: String? = nil) -> IoTCertificate {
        let id = String(repeating: String(format: "%02x", n % 256), count: 32)
        let now = Date(timeIntervalSince1970: 1_800_000_000 + Double(n))
        return IoTCertificate(
            certificateId: id, certificateArn: "arn:aws:iot:us-east-1:123456789012:cert/\(id)",
            certificatePem: "pem \(n)",
            status: status, caCertificateId: ca, creationDate: now, lastModifiedDate: now, customerVersion: 1,
            generationId: "g\(n)")
    }

    static func policy(_ name: String) -> IoTPolicy {
        IoTPolicy(
            policyName: name, policyArn: "arn:aws:iot:us-east-1:123456789012:policy/\(name)",
            policyDocument: #"{"Statement":[{"Effect":"Allow","Action":"iot:*","Resource":"*"}]}"#,
            defaultVersionId: "1", creationDate: Date(), lastModifiedDate: Date(), generationId: "1")
    }

    @Test func filesArePrivateAndRecordsRoundTrip() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let registry = try SQLiteIoTRegistry(directory: directory + "/nested")
        let certificate = Self.certificate(1)
        #expect(try await registry.registerCertificate(certificate) == certificate)
        // A second registration returns the stored record unchanged.
        var other = certificate
        other.status = .active
        #expect(try await registry.registerCertificate(other).status == .inactive)
        try await registry.updateCertificateStatus(id: certificate.certificateId, to: .active)
        #expect(try await registry.certificate(id: certificate.certificateId)?.status == .active)
        await #expect(throws: IoTRegistryError.self) {
            try await registry.updateCertificateStatus(id: "nope", to: .active)
        }
        try await registry.createPolicy(Self.policy("p"))
        await #expect(throws: IoTRegistryError.alreadyExists(resourceId: "p", resourceArn: Self.policy("p").policyArn))
        {
            try await registry.createPolicy(Self.policy("p"))
        }
        try await registry.attachPolicy(name: "p", target: certificate.certificateArn)
        try await registry.attachPolicy(name: "p", target: certificate.certificateArn)
        #expect(try await registry.attachedPolicies(target: certificate.certificateArn).map(\.policyName) == ["p"])
        // Every file of the database, the WAL and shared memory included, is 0600; the folder 0700.
        for name in try FileManager.default.contentsOfDirectory(atPath: directory + "/nested") {
            let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/nested/" + name)
            #expect((attributes[.posixPermissions] as? Int) == 0o600, "\(name)")
        }
        let folder = try FileManager.default.attributesOfItem(atPath: directory + "/nested")
        #expect((folder[.posixPermissions] as? Int) == 0o700)
        // Reopening finds everything (the migrator does not run twice).
        let reopened = try SQLiteIoTRegistry(directory: directory + "/nested")
        #expect(try await reopened.certificate(id: certificate.certificateId)?.status == .active)
        #expect(try await reopened.consistencyProblem() == nil)
    }

    @Test(arguments: RegistryStore.allCases) func pagingWalksEveryCertificateOnceInBothOrders(_ store: RegistryStore)
        async throws
    {
        let opened = try await store.open()
        defer { opened.remove() }
        let registry = opened.registry
        for n in 1...7 { try await registry.createCertificate(Self.certificate(n, ca: n % 2 == 0 ? "ca" : nil)) }
        for ascending in [true, false] {
            var seen = [String]()
            var marker: String?
            repeat {
                let page = try await registry.listCertificates(
                    caCertificateId: nil, IoTPaging(pageSize: 3, marker: marker, ascending: ascending))
                #expect(page.items.count <= 3)
                seen += page.items.map(\.generationId)
                marker = page.nextMarker
            } while marker != nil
            let expected = (1...7).map { "g\($0)" }
            #expect(seen == (ascending ? expected : expected.reversed()))
        }
        let byCA = try await registry.listCertificates(caCertificateId: "ca", IoTPaging(pageSize: 250, ascending: true))
        #expect(byCA.items.map(\.generationId) == ["g2", "g4", "g6"])
        #expect(byCA.nextMarker == nil)
        await #expect(throws: IoTRegistryError.self) {
            _ = try await registry.listCertificates(caCertificateId: nil, IoTPaging(pageSize: 0))
        }
        await #expect(throws: IoTRegistryError.self) {
            _ = try await registry.listCertificates(caCertificateId: nil, IoTPaging(marker: "x"))
        }
    }

    @Test(arguments: RegistryStore.allCases) func deleteGuardsAreAWSs(_ store: RegistryStore) async throws {
        let opened = try await store.open()
        defer { opened.remove() }
        let registry = opened.registry
        let certificate = Self.certificate(3, status: .active)
        try await registry.createCertificate(certificate)
        try await registry.createPolicy(Self.policy("p"))
        try await registry.attachPolicy(name: "p", target: certificate.certificateArn)
        let id = certificate.certificateId
        await #expect(
            throws: IoTRegistryError.invalidState("Certificate \(id) is ACTIVE: deactivate it before deleting it.")
        ) {
            try await registry.deleteCertificate(id: id, force: true)
        }
        try await registry.updateCertificateStatus(id: id, to: .inactive)
        // A policy attached: refused, unless forced.
        do {
            try await registry.deleteCertificate(id: id, force: false)
            Issue.record("deleted with a policy attached")
        } catch {
            guard case .deleteConflict = error else { throw error }
        }
        // A thing attached: refused even when forced.
        try await registry.createThing(
            IoTThing(thingName: "t", thingArn: "arn:t", thingId: "1", thingTypeName: nil, attributes: [:], version: 1))
        try await registry.attachThingPrincipal(thingName: "t", principal: certificate.certificateArn)
        do {
            try await registry.deleteCertificate(id: id, force: true)
            Issue.record("deleted with a thing attached")
        } catch {
            guard case .deleteConflict = error else { throw error }
        }
        #expect(try await registry.certificate(id: id) != nil)
        #expect(try await registry.attachedPolicies(target: certificate.certificateArn).count == 1)
    }

    @Test(arguments: RegistryStore.allCases) func provisionIsAllOrNothing(_ store: RegistryStore) async throws {
        let opened = try await store.open()
        defer { opened.remove() }
        let registry = opened.registry
        let certificate = Self.certificate(9, status: .active)
        let thing = IoTThing(
            thingName: "dev9", thingArn: "arn:dev9", thingId: "9", thingTypeName: nil, attributes: [:], version: 1)
        // The attachment names a policy that neither exists nor is in the plan: nothing at all is written.
        let broken = IoTProvisioningPlan(
            certificate: certificate, things: [thing], policies: [],
            policyAttachments: [.init(policyName: "missing", target: certificate.certificateArn)],
            thingPrincipals: [.init(thingName: "dev9", principal: certificate.certificateArn)])
        await #expect(throws: IoTRegistryError.self) { try await registry.provision(broken) }
        #expect(try await registry.certificate(id: certificate.certificateId) == nil)
        #expect(try await registry.thing(name: "dev9") == nil)
        var plan = broken
        plan.policies = [Self.policy("missing")]
        try await registry.provision(plan)
        #expect(try await registry.certificate(id: certificate.certificateId)?.status == .active)
        #expect(try await registry.thingNames(principal: certificate.certificateArn) == ["dev9"])
        #expect(try await registry.thingPrincipals(thingName: "dev9") == [certificate.certificateArn])
    }

    @Test(arguments: RegistryStore.allCases) func settingsAreMadeOnceAndKept(_ store: RegistryStore) async throws {
        let opened = try await store.open()
        defer { opened.remove() }
        let registry = opened.registry
        let first = try await registry.setting("code") { "one" }
        let second = try await registry.setting("code") { "two" }
        #expect(first == "one" && second == "one")
        #expect(try await opened.reopen().setting("code") { "three" } == "one")
    }

    /// kill -9 of a process writing to the registry at random moments, many times: every write it reported
    /// committed is there in full, no write is half there, and the database passes SQLite's integrity check.
    @Test func killNineLosesNothingCommitted() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var committed = [String]()
        var killedMidway = 0
        var generator = SystemRandomNumberGenerator()
        for round in 0..<25 {
            let log = directory + "-writer-\(round).out"
            defer { try? FileManager.default.removeItem(atPath: log) }
            let writer = try ChildProcess(
                path: UplinkExecutable.path(),
                arguments: ["iot", "stress-writer", "--data", directory, "--count", "100000"],
                standardOutput: .file(log), standardError: .file(log + ".err"))
            defer { try? FileManager.default.removeItem(atPath: log + ".err") }
            try await Task.sleep(for: .milliseconds(Int.random(in: 150...900, using: &generator)))
            if writer.isRunning { killedMidway += 1 }
            writer.forceKill()
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            // Only whole lines: a line cut by the kill was not reported.
            var lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            lines.removeLast()
            committed += lines
        }
        #expect(killedMidway == 25)
        #expect(committed.count > 25, "the writer committed too little to show anything")
        let registry = try SQLiteIoTRegistry(directory: directory)
        #expect(try await registry.consistencyProblem() == nil)
        for id in committed {
            let arn = "arn:aws:iot:us-east-1:123456789012:cert/\(id)"
            let certificate = try await registry.certificate(id: id)
            #expect(certificate?.status == .active, "\(id) was reported committed")
            #expect(try await registry.thingNames(principal: arn) == ["stress-\(id.prefix(16))"])
            #expect(try await registry.attachedPolicies(target: arn).map(\.policyName) == ["stress-writer"])
        }
        // Nothing half-written: every stored certificate has its thing and its policy; at most one write per kill
        // committed without being reported.
        var stored = 0
        var marker: String?
        repeat {
            let page = try await registry.listCertificates(
                caCertificateId: nil, IoTPaging(pageSize: 250, marker: marker, ascending: true))
            for certificate in page.items {
                #expect(try await registry.thingNames(principal: certificate.certificateArn).count == 1)
                #expect(try await registry.attachedPolicies(target: certificate.certificateArn).count == 1)
            }
            stored += page.items.count
            marker = page.nextMarker
        } while marker != nil
        #expect(stored >= committed.count && stored <= committed.count + 25)
    }
}
