import ArgumentParser

/// `uplink iot register-ca-certificate --ca-certificate PEM --verification-certificate PEM [...]`.
struct IoTRegisterCACertificateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register-ca-certificate", abstract: "Register a CA certificate (RegisterCACertificate).")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Option(name: .long, help: "The CA certificate (PEM text or file://PATH).") var caCertificate: String
    @Option(name: .long, help: "Signed by the CA, CN = the registration code (PEM text or file://PATH).")
    var verificationCertificate: String
    @Flag(name: .long, inversion: .prefixedNo, help: "Register it ACTIVE.") var setAsActive = false
    @Flag(name: .long, inversion: .prefixedNo, help: "Auto-registration ENABLE (JITR).")
    var allowAutoRegistration = false
    @Option(
        name: .long,
        help: #"JITP: JSON {"templateBody":...,"roleArn":...}, file://PATH, or templateName=NAME (a JITP template)."#)
    var registrationConfig: String?

    func run() async throws {
        var body: [String: Any] = [
            "caCertificate": try IoTOperationRunner.text(caCertificate, option: "--ca-certificate"),
            "verificationCertificate": try IoTOperationRunner.text(
                verificationCertificate, option: "--verification-certificate"),
        ]
        if let registrationConfig {
            body["registrationConfig"] = try IoTOperationRunner.object(
                registrationConfig, option: "--registration-config")
        }
        try await IoTOperationRunner.run(
            "RegisterCACertificate", registryOptions, method: "POST", path: ["cacertificate"],
            query: [("setAsActive", String(setAsActive)), ("allowAutoRegistration", String(allowAutoRegistration))],
            body: body)
    }
}

/// `uplink iot describe-ca-certificate --certificate-id ID`.
struct IoTDescribeCACertificateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe-ca-certificate", abstract: "Describe a CA certificate (DescribeCACertificate).")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Option(name: .long, help: "The CA certificate's id.") var certificateId: String

    func run() async throws {
        try await IoTOperationRunner.run(
            "DescribeCACertificate", registryOptions, method: "GET", path: ["cacertificate", certificateId])
    }
}

/// `uplink iot update-ca-certificate --certificate-id ID [--new-status S] [--new-auto-registration-status S] ...`.
struct IoTUpdateCACertificateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update-ca-certificate", abstract: "Change a CA certificate (UpdateCACertificate).")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Option(name: .long, help: "The CA certificate's id.") var certificateId: String
    @Option(name: .long, help: "ACTIVE or INACTIVE.") var newStatus: String?
    @Option(name: .long, help: "ENABLE or DISABLE.") var newAutoRegistrationStatus: String?
    @Option(name: .long, help: "JSON registration configuration, file://PATH, or templateName=NAME.")
    var registrationConfig: String?
    @Flag(name: .long, inversion: .prefixedNo, help: "Remove the registration configuration.")
    var removeAutoRegistration = false

    func run() async throws {
        var query = [(String, String)]()
        if let newStatus { query.append(("newStatus", newStatus)) }
        if let newAutoRegistrationStatus { query.append(("newAutoRegistrationStatus", newAutoRegistrationStatus)) }
        var body: [String: Any] = [:]
        if let registrationConfig {
            body["registrationConfig"] = try IoTOperationRunner.object(
                registrationConfig, option: "--registration-config")
        }
        if removeAutoRegistration { body["removeAutoRegistration"] = true }
        try await IoTOperationRunner.run(
            "UpdateCACertificate", registryOptions, method: "PUT", path: ["cacertificate", certificateId],
            query: query, body: body)
    }
}

/// `uplink iot list-ca-certificates [--page-size N] [--marker M] [--ascending-order]`.
struct IoTListCACertificatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-ca-certificates", abstract: "List CA certificates, one page (ListCACertificates).")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @OptionGroup var page: IoTPageOptions

    func run() async throws {
        try await IoTOperationRunner.run(
            "ListCACertificates", registryOptions, method: "GET", path: ["cacertificates"], query: page.query)
    }
}

/// `uplink iot delete-ca-certificate --certificate-id ID`.
struct IoTDeleteCACertificateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete-ca-certificate", abstract: "Delete an INACTIVE CA certificate (DeleteCACertificate).")
    @OptionGroup var registryOptions: IoTRegistryOptions
    @Option(name: .long, help: "The CA certificate's id.") var certificateId: String

    func run() async throws {
        try await IoTOperationRunner.run(
            "DeleteCACertificate", registryOptions, method: "DELETE", path: ["cacertificate", certificateId])
    }
}

/// `uplink iot get-registration-code`.
struct IoTGetRegistrationCodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get-registration-code", abstract: "The registry's registration code (GetRegistrationCode).")
    @OptionGroup var registryOptions: IoTRegistryOptions

    func run() async throws {
        try await IoTOperationRunner.run(
            "GetRegistrationCode", registryOptions, method: "GET", path: ["registrationcode"])
    }
}
