import UplinkIoTRegistry

/// Opens a registry from `--registry URL`.
enum IoTRegistryURL {
    static func open(_ url: String) async throws -> any IoTControlRegistry {
        throw IoTCLIError("--registry \(url): only postgres:// URLs are registries, and PostgreSQL is not wired yet")
    }
}
