import Foundation
import Testing
import UplinkIoTRegistry
import UplinkIoTStores
import UplinkTestSupport

/// The PostgreSQL registry on a real PostgreSQL: round trip, tables made once by racing instances, concurrent
/// registrations from two instances leave one record, and the URL (whose password is never printed).
@Suite(.timeLimit(.minutes(5))) struct PostgresIoTRegistryTests {
    @Test func recordsRoundTripAcrossInstances() async throws {
        let location = try await RegistryStore.newPostgresDatabase()
        let registry = try await PostgresIoTRegistry(location: location)
        let certificate = SQLiteIoTRegistryTests.certificate(1, ca: "ca1")
        #expect(try await registry.registerCertificate(certificate) == certificate)
        var other = certificate
        other.status = .active
        #expect(try await registry.registerCertificate(other).status == .inactive)
        try await registry.updateCertificateStatus(id: certificate.certificateId, to: .active)
        await #expect(throws: IoTRegistryError.notFound("Certificate nope does not exist.")) {
            try await registry.updateCertificateStatus(id: "nope", to: .active)
        }
        try await registry.createPolicy(SQLiteIoTRegistryTests.policy("p"))
        try await registry.attachPolicy(name: "p", target: certificate.certificateArn)
        try await registry.attachPolicy(name: "p", target: certificate.certificateArn)
        try await registry.createThing(
            IoTThing(
                thingName: "t", thingArn: "arn:t", thingId: "1", thingTypeName: "type",
                attributes: ["a": "b"], version: 1))
        try await registry.attachThingPrincipal(thingName: "t", principal: certificate.certificateArn)
        await registry.close()

        let reopened = try await PostgresIoTRegistry(location: location)
        let stored = try #require(try await reopened.certificate(id: certificate.certificateId))
        #expect(stored.status == .active)
        #expect(stored.customerVersion == 2)
        #expect(stored.caCertificateId == "ca1")
        #expect(stored.creationDate == certificate.creationDate)
        #expect(try await reopened.attachedPolicies(target: certificate.certificateArn).map(\.policyName) == ["p"])
        #expect(
            try await reopened.policy(name: "p")?.policyDocument == SQLiteIoTRegistryTests.policy("p").policyDocument)
        let thing = try #require(try await reopened.thing(name: "t"))
        #expect(thing.attributes == ["a": "b"] && thing.thingTypeName == "type")
        #expect(try await reopened.thingNames(principal: certificate.certificateArn) == ["t"])
        await reopened.close()
    }

    @Test func racingInstancesMakeTheTablesOnceAndRegisterOneRecord() async throws {
        let location = try await RegistryStore.newPostgresDatabase()
        // Two instances open an empty database at once: one makes the tables, the other finds them.
        async let first = PostgresIoTRegistry(location: location)
        async let second = PostgresIoTRegistry(location: location)
        let registries = try await [first, second]
        // Both register the same new certificates at once, many times: each call gets the one stored record.
        let certificates = (1...20).map { SQLiteIoTRegistryTests.certificate($0) }
        let results = try await withThrowingTaskGroup(of: IoTCertificate.self) { group in
            for certificate in certificates {
                for (index, registry) in registries.enumerated() {
                    var attempt = certificate
                    attempt.generationId = "from-\(index)"
                    group.addTask { try await registry.registerCertificate(attempt) }
                }
            }
            return try await group.reduce(into: [IoTCertificate]()) { $0.append($1) }
        }
        #expect(results.count == 40)
        for certificate in certificates {
            let answers = Set(results.filter { $0.certificateId == certificate.certificateId }.map(\.generationId))
            #expect(answers.count == 1, "both callers get the same stored record")
        }
        let page = try await registries[0].listCertificates(caCertificateId: nil, IoTPaging(pageSize: 250))
        #expect(page.items.count == 20)
        for registry in registries { await registry.close() }
    }

    @Test func urlsParseAndNeverShowThePassword() throws {
        let location = try PostgresRegistryLocation(url: "postgres://dev:s%40cret@db.example:6543/iot")
        #expect(location.username == "dev")
        #expect(location.password == "s@cret")
        #expect(location.host == "db.example" && location.port == 6543 && location.database == "iot")
        #expect(!location.description.contains("cret"))
        #expect(try PostgresRegistryLocation(url: "postgresql://dev@h/iot").port == 5432)
        for bad in ["mysql://u@h/d", "postgres://h/d", "postgres://u:secret@h", "postgres://u:secret@h:99999/d"] {
            do {
                _ = try PostgresRegistryLocation(url: bad)
                Issue.record("\(bad) accepted")
            } catch {
                #expect(!"\(error)".contains("secret"), "\(error)")
            }
        }
    }

    @Test func aWrongPasswordIsAClearErrorWithoutThePassword() async throws {
        let server = try await PostgresServer.shared()
        var location = try PostgresRegistryLocation(url: server.url(database: "postgres"))
        location.password = "wrong-horse-battery"
        do {
            _ = try await PostgresIoTRegistry(location: location, connectTimeout: .seconds(30))
            Issue.record("connected with a wrong password")
        } catch {
            let text = "\(error)"
            #expect(!text.contains("wrong-horse-battery"), "\(text)")
            #expect(text.contains("password"), "\(text)")
        }
    }

    @Test func anUnreachableServerIsAClearError() async throws {
        let port = try TestPorts.free()
        let location = PostgresRegistryLocation(
            host: "127.0.0.1", port: port, username: "u", password: "pw-not-shown", database: "d")
        do {
            _ = try await PostgresIoTRegistry(location: location, connectTimeout: .seconds(30))
            Issue.record("opened a registry on a port nothing listens on")
        } catch {
            #expect(error.message.contains("cannot open the registry postgres://u:***@127.0.0.1:\(port)/d"))
            #expect(!error.message.contains("pw-not-shown"))
        }
    }

    /// Runs `uplink iot <arguments>` (no --data).
    static func uplink(_ arguments: [String]) async throws -> IoTFront.Result {
        try await IoTFront.uplink(arguments)
    }

    @Test func operationCommandsTakeTheRegistryURL() async throws {
        let server = try await PostgresServer.shared()
        let url = server.url(database: try await server.makeDatabase())
        let created = try await Self.uplink(["create-thing", "--thing-name", "shared-thing", "--registry", url])
        #expect(created.status == 0, "\(created.error)")
        let registry = try await PostgresIoTRegistry(location: PostgresRegistryLocation(url: url))
        #expect(try await registry.thing(name: "shared-thing") != nil)
        await registry.close()
        let described = try await Self.uplink(["describe-thing", "--thing-name", "shared-thing", "--registry", url])
        #expect(described.status == 0, "\(described.error)")
        #expect(described.json["thingName"] as? String == "shared-thing")

        let wrong = url.replacingOccurrences(of: PostgresServer.password, with: "not-the-password-42")
        let refused = try await Self.uplink(["describe-thing", "--thing-name", "shared-thing", "--registry", wrong])
        #expect(refused.status != 0)
        #expect(refused.error.contains("password authentication failed"), "\(refused.error)")
        #expect(!refused.error.contains("not-the-password-42"), "\(refused.error)")
        #expect(!refused.output.contains("not-the-password-42"))
    }
}
