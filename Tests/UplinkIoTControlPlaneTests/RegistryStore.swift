import Foundation
import Testing
import UplinkIoTRegistry
import UplinkIoTStores
import UplinkTestSupport

/// The stores the registry's contract tests run on: SQLite in a temporary folder, or a new database in the test
/// process's PostgreSQL.
enum RegistryStore: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres
    var testDescription: String { rawValue }

    /// A new empty registry, a way to open another instance on the same data, and its cleanup.
    struct Opened: Sendable {
        let registry: any IoTControlRegistry
        let reopen: @Sendable () async throws -> any IoTControlRegistry
        let remove: @Sendable () -> Void
    }

    func open() async throws -> Opened {
        switch self {
        case .sqlite:
            let directory = NSTemporaryDirectory() + "uplink-iot-registry-\(UUID().uuidString)"
            return Opened(
                registry: try SQLiteIoTRegistry(directory: directory),
                reopen: { try SQLiteIoTRegistry(directory: directory) },
                remove: { try? FileManager.default.removeItem(atPath: directory) })
        case .postgres:
            let location = try await Self.newPostgresDatabase()
            return Opened(
                registry: try await PostgresIoTRegistry(location: location),
                reopen: { try await PostgresIoTRegistry(location: location) },
                remove: {})
        }
    }

    /// A new database in the process's PostgreSQL server.
    static func newPostgresDatabase() async throws -> PostgresRegistryLocation {
        let server = try await PostgresServer.shared()
        return try PostgresRegistryLocation(url: server.url(database: try await server.makeDatabase()))
    }
}
