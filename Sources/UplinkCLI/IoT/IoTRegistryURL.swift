import UplinkIoTRegistry
import UplinkIoTStores

/// Opens a registry from `--registry URL`: a shared PostgreSQL database.
enum IoTRegistryURL {
    static func open(_ url: String) async throws -> any IoTControlRegistry {
        let location: PostgresRegistryLocation
        do { location = try PostgresRegistryLocation(url: url) } catch {
            throw IoTCLIError("--registry: \(Self.message(error))")
        }
        do { return try await PostgresIoTRegistry(location: location) } catch {
            throw IoTCLIError(Self.message(error))
        }
    }

    private static func message(_ error: IoTRegistryError) -> String {
        switch error {
        case .invalidRequest(let text), .storage(let text), .notFound(let text), .invalidState(let text),
            .deleteConflict(let text), .limitExceeded(let text):
            return text
        case .alreadyExists(let id, _): return "\(id) already exists"
        }
    }
}
