import ArgumentParser

/// `uplink iot describe-certificate --certificate-id ID`.
struct IoTDescribeCertificateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe-certificate", abstract: "Describe a device certificate (DescribeCertificate).")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Option(name: .long, help: "The certificate's id (64 hex digits).") var certificateId: String

    func run() async throws {
        try await IoTOperationRunner.run(
            "DescribeCertificate", registryOptions, method: "GET", path: ["certificates", certificateId])
    }
}

/// `uplink iot update-certificate --certificate-id ID --new-status STATUS`.
struct IoTUpdateCertificateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update-certificate", abstract: "Change a device certificate's status (UpdateCertificate).")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Option(name: .long, help: "The certificate's id (64 hex digits).") var certificateId: String
    @Option(name: .long, help: "ACTIVE, INACTIVE or REVOKED.") var newStatus: String

    func run() async throws {
        try await IoTOperationRunner.run(
            "UpdateCertificate", registryOptions, method: "PUT", path: ["certificates", certificateId],
            query: [("newStatus", newStatus)])
    }
}

/// `uplink iot list-certificates [--page-size N] [--marker M] [--ascending-order]`.
struct IoTListCertificatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-certificates", abstract: "List device certificates, one page (ListCertificates).")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Option(name: .long, help: "At most this many (1 to 250).") var pageSize: Int?
    @Option(name: .long, help: "The nextMarker of the previous page.") var marker: String?
    @Flag(name: .long, help: "Oldest first.") var ascendingOrder = false

    func run() async throws {
        var query = [(String, String)]()
        if let pageSize { query.append(("pageSize", String(pageSize))) }
        if let marker { query.append(("marker", marker)) }
        if ascendingOrder { query.append(("isAscendingOrder", "true")) }
        try await IoTOperationRunner.run(
            "ListCertificates", registryOptions, method: "GET", path: ["certificates"], query: query)
    }
}
