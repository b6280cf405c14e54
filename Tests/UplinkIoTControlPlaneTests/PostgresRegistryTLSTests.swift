import Foundation
import Testing
import UplinkCredentials
import UplinkIoTRegistry
import UplinkIoTStores
import UplinkTestSupport

/// TLS to a PostgreSQL registry, against the real PostgreSQL of the tests (it offers TLS with its own development
/// PKI): which sessions are encrypted is read from the server's own `pg_stat_ssl`.
@Suite(.timeLimit(.minutes(5))) struct PostgresRegistryTLSTests {
    /// The TLS state of the server's sessions on `database` other than psql's own: "t" or "f" per session.
    static func sessions(_ server: PostgresServer, _ database: String) async throws -> [String] {
        let output = try await server.query(
            "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) "
                + "WHERE a.datname = '\(database)' AND a.pid <> pg_backend_pid()", database: "postgres")
        return output.split(separator: "\n").map(String.init)
    }

    /// Opens a registry at `url`, makes one write (so the pool holds a connection), and returns the sessions' TLS
    /// states while it is open.
    static func openAndWrite(_ url: String, server: PostgresServer, database: String) async throws -> [String] {
        let registry = try await PostgresIoTRegistry(location: try PostgresRegistryLocation(url: url))
        try await registry.createPolicy(SQLiteIoTRegistryTests.policy("p"))
        let states = try await sessions(server, database)
        await registry.close()
        return states
    }

    @Test func verifyFullWithTheServersCAEncryptsEverySession() async throws {
        let server = try await PostgresServer.shared()
        let database = try await server.makeDatabase()
        let url = server.url(database: database) + "?sslmode=verify-full&sslrootcert=\(server.caFile)"
        let states = try await Self.openAndWrite(url, server: server, database: database)
        #expect(!states.isEmpty && states.allSatisfy { $0 == "t" }, "\(states)")
    }

    @Test func theLoopbackDefaultPrefersTLSAndDisableIsPlain() async throws {
        let server = try await PostgresServer.shared()
        let preferred = try await server.makeDatabase()
        #expect(try PostgresRegistryLocation(url: server.url(database: preferred)).tls.mode == .prefer)
        let encrypted = try await Self.openAndWrite(
            server.url(database: preferred), server: server, database: preferred)
        #expect(!encrypted.isEmpty && encrypted.allSatisfy { $0 == "t" }, "\(encrypted)")
        let plainDatabase = try await server.makeDatabase()
        let plain = try await Self.openAndWrite(
            server.url(database: plainDatabase) + "?sslmode=disable", server: server, database: plainDatabase)
        #expect(!plain.isEmpty && plain.allSatisfy { $0 == "f" }, "\(plain)")
    }

    @Test func aServerCertificateFromAnotherCAIsRefusedAndNothingIsWritten() async throws {
        let server = try await PostgresServer.shared()
        let database = try await server.makeDatabase()
        let folder = NSTemporaryDirectory() + "uplink-other-ca-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try DevPKI.generate(DevPKI.Options()).write(to: folder)
        for mode in ["verify-ca", "verify-full", "require"] {
            let url = server.url(database: database) + "?sslmode=\(mode)&sslrootcert=\(folder)/ca.pem"
            do {
                _ = try await PostgresIoTRegistry(location: try PostgresRegistryLocation(url: url))
                Issue.record("\(mode): connected to a server whose certificate the given CA did not issue")
            } catch {
                #expect(error.message.contains("cannot open the registry"), "\(error.message)")
                #expect(error.message.uppercased().contains("CERTIFICATE"), "\(error.message)")
                #expect(!error.message.contains(PostgresServer.password))
            }
        }
        #expect(try await server.query("SELECT to_regclass('uplink_schema') IS NULL", database: database) == "t")
    }

    @Test func aClientCertificateLogsInWhereTheServerWantsOne() async throws {
        let server = try await PostgresServer.shared()
        let database = try await server.makeDatabase(owner: PostgresServer.certificateUser)
        let base = "postgres://\(PostgresServer.certificateUser)@127.0.0.1:\(server.port)/\(database)"
        let withCertificate =
            base + "?sslmode=verify-full&sslrootcert=\(server.caFile)&sslcert=\(server.clientCertificateFile)"
            + "&sslkey=\(server.clientKeyFile)"
        let states = try await Self.openAndWrite(withCertificate, server: server, database: database)
        #expect(!states.isEmpty && states.allSatisfy { $0 == "t" }, "\(states)")

        // Without the certificate the server refuses the login, with its own message.
        for url in [base + "?sslmode=verify-full&sslrootcert=\(server.caFile)", base + "?sslmode=disable"] {
            do {
                _ = try await PostgresIoTRegistry(location: try PostgresRegistryLocation(url: url))
                Issue.record("logged in without a client certificate: \(url)")
            } catch {
                #expect(error.message.contains("SQLSTATE 28"), "\(error.message)")
            }
        }
    }

    @Test func optionsParseWithDefaultsAndBadOnesAreRefusedBeforeConnecting() throws {
        let remote = try PostgresRegistryLocation(url: "postgres://u:pw@db.example/iot")
        #expect(remote.tls.mode == .verifyFull)
        #expect(remote.description == "postgres://u:***@db.example:5432/iot")
        for host in ["127.0.0.1", "127.8.9.10", "localhost", "[::1]"] {
            #expect(try PostgresRegistryLocation(url: "postgres://u@\(host)/iot").tls.mode == .prefer, "\(host)")
        }
        #expect(try PostgresRegistryLocation(url: "postgres://u@128.0.0.1/iot").tls.mode == .verifyFull)
        let explicit = try PostgresRegistryLocation(
            url: "postgres://u:pw@db.example/iot?sslmode=verify-ca&sslrootcert=/etc/ca.pem&sslcert=/c.pem&sslkey=/k.pem"
        )
        #expect(
            explicit.tls
                == PostgresRegistryTLS(
                    mode: .verifyCA, rootCertificateFile: "/etc/ca.pem", certificateFile: "/c.pem", keyFile: "/k.pem"))
        #expect(
            explicit.description
                == "postgres://u:***@db.example:5432/iot?sslmode=verify-ca&sslrootcert=/etc/ca.pem&sslcert=/c.pem&sslkey=/k.pem"
        )
        let refusals = [
            "?sslmode=allow": "sslmode=allow",
            "?sslmode=verify": "sslmode=verify is not one of disable, prefer, require, verify-ca, verify-full",
            "?connect_timeout=3": "unknown registry URL option connect_timeout",
            "?sslcert=/c.pem": "sslcert and sslkey go together",
            "?sslmode=disable&sslrootcert=/ca.pem": "sslmode=disable with sslrootcert",
            "?sslmode=require&sslmode=disable": "sslmode given twice",
            "?sslmode=": "sslmode has no value",
        ]
        for (query, message) in refusals {
            do {
                _ = try PostgresRegistryLocation(url: "postgres://u:secret@db.example/iot" + query)
                Issue.record("\(query) accepted")
            } catch {
                #expect(error.message.contains(message), "\(query): \(error.message)")
                #expect(!error.message.contains("secret"))
            }
        }
    }

    @Test func unreadableCertificateFilesAreClearErrors() async throws {
        let missing = "/nonexistent/uplink-ca.pem"
        let location = try PostgresRegistryLocation(
            url: "postgres://u@127.0.0.1:1/iot?sslmode=verify-full&sslrootcert=\(missing)")
        do {
            _ = try await PostgresIoTRegistry(location: location, connectTimeout: .seconds(30))
            Issue.record("opened with a missing sslrootcert")
        } catch {
            #expect(error.message.contains("sslrootcert \(missing): cannot read a PEM certificate"), "\(error.message)")
        }
    }
}
