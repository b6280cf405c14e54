import Foundation
import Testing
import UplinkIoTRegistry
import UplinkIoTStores
import UplinkTestSupport

/// The named provisioning templates in both SQL stores: AWS's guards, paging, and the schema upgrade of a registry
/// made by an uplink without templates (schema version 1).
@Suite(.timeLimit(.minutes(5))) struct ProvisioningTemplateRegistryTests {
    static func template(_ name: String, type: IoTProvisioningTemplateType = .jitp, enabled: Bool = true)
        -> IoTProvisioningTemplateRecord
    {
        let date = Date(timeIntervalSince1970: 1_800_000_000)
        return IoTProvisioningTemplateRecord(
            templateName: name, templateArn: "arn:aws:iot:us-east-1:123456789012:provisioningtemplate/\(name)",
            templateBody: #"{"Resources":{}}"#, provisioningRoleArn: "arn:aws:iam::123456789012:role/r", type: type,
            enabled: enabled, description: nil, creationDate: date, lastModifiedDate: date)
    }

    static func ca(templateName: String?) -> IoTCACertificate {
        let id = String(repeating: "ab", count: 32)
        return IoTCACertificate(
            certificateId: id, certificateArn: "arn:aws:iot:us-east-1:123456789012:cacert/\(id)",
            certificatePem: "pem", status: .inactive, autoRegistrationStatus: .enable,
            registrationConfig: templateName.map { IoTRegistrationConfig(templateName: $0) }, creationDate: Date(),
            lastModifiedDate: Date(), customerVersion: 1, generationId: "g")
    }

    @Test(arguments: RegistryStore.allCases) func templatesRoundTripWithAWSsGuards(_ store: RegistryStore)
        async throws
    {
        let opened = try await store.open()
        defer { opened.remove() }
        let registry = opened.registry
        let template = Self.template("jitp-1")
        try await registry.createProvisioningTemplate(template)
        #expect(try await registry.provisioningTemplate(name: "jitp-1") == template)
        #expect(try await registry.provisioningTemplate(name: "other") == nil)
        await #expect(throws: IoTRegistryError.alreadyExists(resourceId: "jitp-1", resourceArn: template.templateArn)) {
            try await registry.createProvisioningTemplate(Self.template("jitp-1", type: .fleetProvisioning))
        }
        // An update changes only what it names; the type and the body stay.
        let later = Date(timeIntervalSince1970: 1_800_000_100)
        try await registry.updateProvisioningTemplate(
            name: "jitp-1", IoTProvisioningTemplateUpdate(description: "lab", enabled: false), at: later)
        let updated = try #require(try await opened.reopen().provisioningTemplate(name: "jitp-1"))
        #expect(updated.enabled == false && updated.description == "lab" && updated.lastModifiedDate == later)
        #expect(updated.type == .jitp && updated.templateBody == template.templateBody)
        #expect(updated.creationDate == template.creationDate && updated.defaultVersionId == 1)
        await #expect(throws: IoTRegistryError.notFound("Provisioning template nope does not exist.")) {
            try await registry.updateProvisioningTemplate(name: "nope", IoTProvisioningTemplateUpdate(), at: later)
        }
        // A CA naming the template keeps it from being deleted; once the CA no longer does, it goes.
        try await registry.createCACertificate(Self.ca(templateName: "jitp-1"))
        do {
            try await registry.deleteProvisioningTemplate(name: "jitp-1")
            Issue.record("deleted a template a CA names")
        } catch {
            guard case .deleteConflict = error else { throw error }
        }
        #expect(try await registry.provisioningTemplate(name: "jitp-1") != nil)
        try await registry.updateCACertificate(
            id: Self.ca(templateName: nil).certificateId, IoTCACertificateUpdate(removeRegistrationConfig: true),
            at: Date())
        try await registry.deleteProvisioningTemplate(name: "jitp-1")
        #expect(try await registry.provisioningTemplate(name: "jitp-1") == nil)
        await #expect(throws: IoTRegistryError.notFound("Provisioning template jitp-1 does not exist.")) {
            try await registry.deleteProvisioningTemplate(name: "jitp-1")
        }
    }

    @Test(arguments: RegistryStore.allCases) func pagingWalksEveryTemplateOnce(_ store: RegistryStore) async throws {
        let opened = try await store.open()
        defer { opened.remove() }
        let registry = opened.registry
        let names = (0..<7).map { "t\($0)" }
        for name in names { try await registry.createProvisioningTemplate(Self.template(name)) }
        var seen = [String]()
        var paging = IoTPaging(pageSize: 3, ascending: true)
        for _ in 0..<10 {
            let page = try await registry.listProvisioningTemplates(paging)
            #expect(page.items.count <= 3)
            seen += page.items.map(\.templateName)
            guard let next = page.nextMarker else { break }
            paging.marker = next
        }
        #expect(seen == names)
        await #expect(throws: IoTRegistryError.self) {
            _ = try await registry.listProvisioningTemplates(IoTPaging(pageSize: 3, marker: "garbage"))
        }
    }

    /// Runs a program to its end (60 s at most); its exit status.
    static func run(_ path: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> Int32? {
        let child = try ChildProcess(
            path: path, arguments: arguments, standardOutput: .discard, standardError: .discard,
            environment: environment)
        let deadline = ContinuousClock.now + .seconds(60)
        while child.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        child.forceKill()
        return child.exitStatus
    }

    @Test func anSQLiteRegistryOfVersion1IsUpgraded() async throws {
        let directory = NSTemporaryDirectory() + "uplink-iot-registry-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let registry = try SQLiteIoTRegistry(directory: directory)
        try await registry.createCACertificate(Self.ca(templateName: nil))
        // Back to what an uplink without templates made: no table, no v2 migration recorded.
        let downgrade = "DROP TABLE provisioning_templates; DELETE FROM grdb_migrations WHERE identifier = 'v2';"
        #expect(try await Self.run("/usr/bin/sqlite3", [registry.path, downgrade]) == 0)
        await #expect(throws: IoTRegistryError.self) { _ = try await registry.provisioningTemplate(name: "t") }
        let upgraded = try SQLiteIoTRegistry(directory: directory)
        try await upgraded.createProvisioningTemplate(Self.template("t"))
        #expect(try await upgraded.provisioningTemplate(name: "t")?.templateName == "t")
        #expect(try await upgraded.caCertificate(id: Self.ca(templateName: nil).certificateId) != nil)
        #expect(try await upgraded.consistencyProblem() == nil)
    }

    @Test func aPostgreSQLRegistryOfVersion1IsUpgraded() async throws {
        let location = try await RegistryStore.newPostgresDatabase()
        let registry = try await PostgresIoTRegistry(location: location)
        try await registry.createCACertificate(Self.ca(templateName: nil))
        await registry.close()
        let psql = [
            "-h", location.host, "-p", String(location.port), "-U", location.username, "-d", location.database,
            "-v", "ON_ERROR_STOP=1", "-c",
        ]
        let environment = ["PGPASSWORD": PostgresServer.password]
        let downgrade = "DROP TABLE provisioning_templates; UPDATE uplink_schema SET version = 1;"
        #expect(try await Self.run("/usr/bin/psql", psql + [downgrade], environment: environment) == 0)
        let upgraded = try await PostgresIoTRegistry(location: location)
        try await upgraded.createProvisioningTemplate(Self.template("t"))
        #expect(try await upgraded.provisioningTemplate(name: "t")?.templateName == "t")
        #expect(try await upgraded.caCertificate(id: Self.ca(templateName: nil).certificateId) != nil)
        await upgraded.close()
        // The version is 2 now: a check that fails on any other value.
        let check = "DO $$ BEGIN IF (SELECT version FROM uplink_schema) <> 2 THEN RAISE 'not 2'; END IF; END $$;"
        #expect(try await Self.run("/usr/bin/psql", psql + [check], environment: environment) == 0)
        // A version this uplink does not know is refused with a clear error.
        let newer = "UPDATE uplink_schema SET version = 99;"
        #expect(try await Self.run("/usr/bin/psql", psql + [newer], environment: environment) == 0)
        do {
            let refused = try await PostgresIoTRegistry(location: location)
            await refused.close()
            Issue.record("opened a registry of schema version 99")
        } catch {
            #expect(error.message.contains("version 99"))
        }
    }
}
