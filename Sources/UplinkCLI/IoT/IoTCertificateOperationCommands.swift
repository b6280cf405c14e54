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
    @OptionGroup var page: IoTPageOptions

    func run() async throws {
        try await IoTOperationRunner.run(
            "ListCertificates", registryOptions, method: "GET", path: ["certificates"], query: page.query)
    }
}

/// `uplink iot register-certificate --certificate-pem PEM [--ca-certificate-pem PEM] [--set-as-active] [--status S]`.
struct IoTRegisterCertificateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register-certificate", abstract: "Register a device certificate of a registered CA.")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Option(name: .long, help: "The device certificate (PEM text or file://PATH).") var certificatePem: String
    @Option(name: .long, help: "Its CA (PEM text or file://PATH).") var caCertificatePem: String?
    @Flag(name: .long, inversion: .prefixedNo, help: "Register it ACTIVE.") var setAsActive = false
    @Option(name: .long, help: "ACTIVE, INACTIVE, REVOKED, REGISTER_INACTIVE...") var status: String?

    func run() async throws {
        var body: [String: Any] = [
            "certificatePem": try IoTOperationRunner.text(certificatePem, option: "--certificate-pem")
        ]
        if let caCertificatePem {
            body["caCertificatePem"] = try IoTOperationRunner.text(caCertificatePem, option: "--ca-certificate-pem")
        }
        if let status { body["status"] = status }
        try await IoTOperationRunner.run(
            "RegisterCertificate", registryOptions, method: "POST", path: ["certificate", "register"],
            query: [("setAsActive", String(setAsActive))], body: body)
    }
}

/// `uplink iot register-certificate-without-ca --certificate-pem PEM [--status S]`.
struct IoTRegisterCertificateWithoutCACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register-certificate-without-ca", abstract: "Register a device certificate without its CA.")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Option(name: .long, help: "The device certificate (PEM text or file://PATH).") var certificatePem: String
    @Option(name: .long, help: "ACTIVE, INACTIVE, REVOKED...") var status: String?

    func run() async throws {
        var body: [String: Any] = [
            "certificatePem": try IoTOperationRunner.text(certificatePem, option: "--certificate-pem")
        ]
        if let status { body["status"] = status }
        try await IoTOperationRunner.run(
            "RegisterCertificateWithoutCA", registryOptions, method: "POST", path: ["certificate", "register-no-ca"],
            body: body)
    }
}

/// `uplink iot delete-certificate --certificate-id ID [--force-delete]`.
struct IoTDeleteCertificateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete-certificate", abstract: "Delete a device certificate that is not ACTIVE.")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Option(name: .long, help: "The certificate's id.") var certificateId: String
    @Flag(name: .long, inversion: .prefixedNo, help: "Detach its policies first.") var forceDelete = false

    func run() async throws {
        try await IoTOperationRunner.run(
            "DeleteCertificate", registryOptions, method: "DELETE", path: ["certificates", certificateId],
            query: forceDelete ? [("forceDelete", "true")] : [])
    }
}

/// `uplink iot list-certificates-by-ca --ca-certificate-id ID [--page-size N] [--marker M] [--ascending-order]`.
struct IoTListCertificatesByCACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-certificates-by-ca", abstract: "The device certificates of one CA, one page.")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Option(name: .long, help: "The CA certificate's id.") var caCertificateId: String
    @OptionGroup var page: IoTPageOptions

    func run() async throws {
        try await IoTOperationRunner.run(
            "ListCertificatesByCA", registryOptions, method: "GET", path: ["certificates-by-ca", caCertificateId],
            query: page.query)
    }
}

/// `uplink iot create-keys-and-certificate [--set-as-active]`.
struct IoTCreateKeysAndCertificateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-keys-and-certificate", abstract: "Make a key pair and a certificate for a device.")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Flag(name: .long, inversion: .prefixedNo, help: "Register it ACTIVE.") var setAsActive = false

    func run() async throws {
        try await IoTOperationRunner.run(
            "CreateKeysAndCertificate", registryOptions, method: "POST", path: ["keys-and-certificate"],
            query: [("setAsActive", String(setAsActive))])
    }
}

/// `uplink iot describe-endpoint [--endpoint-type TYPE]`.
struct IoTDescribeEndpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe-endpoint", abstract: "The account's endpoint address (DescribeEndpoint).")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Option(name: .long, help: "iot:Data-ATS, iot:Data, ...") var endpointType: String?

    func run() async throws {
        try await IoTOperationRunner.run(
            "DescribeEndpoint", registryOptions, method: "GET", path: ["endpoint"],
            query: endpointType.map { [("endpointType", $0)] } ?? [])
    }
}
