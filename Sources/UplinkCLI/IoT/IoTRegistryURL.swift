import UplinkIoTRegistry
import UplinkIoTStores

/// Opens a registry from `--registry URL`: a shared PostgreSQL database.
enum IoTRegistryURL {
    static func open(_ url: String) async throws -> any IoTControlRegistry {
        let location: PostgresRegistryLocation
        do { location = try PostgresRegistryLocation(url: url) } catch {
            throw IoTCLIError("--registry: \(error.message)")
        }
        do { return try await PostgresIoTRegistry(location: location) } catch {
            throw IoTCLIError(error.message)
        }
    }
}
